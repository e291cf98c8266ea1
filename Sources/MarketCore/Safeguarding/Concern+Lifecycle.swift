import Foundation

extension Concern {
    /// What the council's admins do with a concern they received. Who may is
    /// `AccessPolicy.safeguardingCouncil`'s question; the store persists the result and audits it.
    public enum Step: Sendable, Equatable {
        /// From received: someone is looking at it.
        case acknowledge
        /// From received or acknowledged, with what came of it; closing acknowledges it too.
        case close(outcome: String)
    }

    /// The concern after `step` at `now`; `conflict` from a status the step cannot start from.
    public func applying(_ step: Step, at now: Date) throws(MarketError) -> Concern {
        var concern = self
        switch step {
        case .acknowledge:
            guard status == .received else { throw .conflict("the concern is \(status.rawValue) already") }
            concern.status = .acknowledged
            concern.acknowledgedAt = now
        case .close(let outcome):
            guard status != .closed else { throw .conflict("the concern is closed already") }
            concern.status = .closed
            concern.outcome = outcome
            concern.closedAt = now
            concern.acknowledgedAt = acknowledgedAt ?? now
        }
        return concern
    }
}
