import Foundation

/// Who may confirm what another person did with money: approving a payment batch, verifying a
/// provider's bank details, confirming a payer's new originating account.
///
/// The confirmer must be another person, not bound to the author by an invitation (or a role
/// grant) of the last `invitationWindow`: neither the account that invited the author, nor an
/// account the author invited or granted its role, nor one invited by an account the author invited. And the confirmer's own account
/// must be past its cooling-off (`coolingOff` since it was granted), so that an account made
/// today cannot move money today. (A second factor passed in the last 15 minutes is asked by
/// `AccessPolicy.requireRecentSecondFactor`.)
public enum FourEyes {
    public static let invitationWindow: TimeInterval = 30 * 86_400

    /// An account: when it was invited and by whom (and who invited them), and when and by whom
    /// its current role was granted, if later. `nil` inviters are the operator's command line
    /// and the demo seed.
    public struct Person: Sendable, Equatable {
        public let id: UserID
        /// When the current role was granted: the cooling-off counts from here.
        public let grantedAt: Date
        public let createdBy: UserID?
        /// When the account was invited (`grantedAt` unless its role changed since).
        public let invitedAt: Date
        /// Who granted the current role, when not at the invitation.
        public let grantedBy: UserID?
        /// Who invited `createdBy`.
        public let createdByCreator: UserID?

        public init(
            id: UserID, grantedAt: Date, createdBy: UserID?, invitedAt: Date? = nil, grantedBy: UserID? = nil,
            createdByCreator: UserID? = nil
        ) {
            self.id = id
            self.grantedAt = grantedAt
            self.createdBy = createdBy
            self.invitedAt = invitedAt ?? grantedAt
            self.grantedBy = grantedBy
            self.createdByCreator = createdByCreator
        }

        /// Whether `other` invited this account, or granted its role, within the window before `now`.
        func invited(by other: UserID, before now: Date) -> Bool {
            (createdBy == other && now.timeIntervalSince(invitedAt) < FourEyes.invitationWindow)
                || (grantedBy == other && now.timeIntervalSince(grantedAt) < FourEyes.invitationWindow)
        }
    }

    /// Throws `forbidden`, naming `action`, unless `confirmer` is a second person for `author`
    /// at `now`, past a cooling-off of `coolingOff` seconds.
    public static func check(
        _ confirmer: Person, confirming author: Person, _ action: String, at now: Date, coolingOff: TimeInterval
    ) throws(MarketError) {
        if confirmer.id == author.id {
            throw .forbidden("four eyes: the person who \(action) cannot confirm it; another of the payer's finance staff must")
        }
        if author.invited(by: confirmer.id, before: now) {
            throw .forbidden("four eyes: you invited the person who \(action) in the last 30 days; someone else must confirm it")
        }
        if confirmer.invited(by: author.id, before: now)
            || (confirmer.createdByCreator == author.id && now.timeIntervalSince(confirmer.invitedAt) < invitationWindow) {
            throw .forbidden("four eyes: the person who \(action) invited your account, or the account that invited it, in the last 30 days; someone else must confirm it")
        }
        let ready = confirmer.grantedAt.addingTimeInterval(coolingOff)
        if ready > now {
            throw .forbidden("four eyes: your account was granted its role on \(CalendarDay(confirmer.grantedAt).text); it confirms payments from \(CalendarDay(ready).text)")
        }
    }
}
