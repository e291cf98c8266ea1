import Foundation

// An order's and a delivery's lifecycles, as pure transitions: each step checks the state it
// starts from and returns the value as it is after, or throws `conflict` naming the rule. Who
// may take a step is `AccessPolicy`'s question, asked before; the store persists the result and
// writes the money, audit and events that go with it, in the same transaction.

extension Order {
    /// What happens to an order after it is placed.
    public enum Step: String, Sendable, CaseIterable {
        /// The provider takes it on.
        case accept
        /// The provider turns it down; its reservation is released.
        case decline
        /// The buyer or the provider ends it while open; what was not delivered is released.
        case cancel
        /// Every unit delivered and confirmed (the service's own step).
        case complete
    }

    /// The order after `step` at `now`; `conflict` from any status the step cannot start from.
    public func applying(_ step: Step, at now: Date) throws(MarketError) -> Order {
        let (from, to, rule): (Set<OrderStatus>, OrderStatus, String) = switch step {
        case .accept: ([.placed], .accepted, "only a placed order can be accepted")
        case .decline: ([.placed], .declined, "only a placed order can be declined")
        case .cancel: ([.placed, .accepted], .cancelled, "only a placed or accepted order can be cancelled")
        case .complete: ([.accepted], .completed, "only an accepted order can be completed")
        }
        guard from.contains(status) else { throw .conflict("the order is \(status.rawValue): \(rule)") }
        var order = self
        order.status = to
        order.updatedAt = now
        switch to {
        case .placed: break
        case .accepted: order.acceptedAt = now
        case .declined: order.declinedAt = now
        case .cancelled: order.cancelledAt = now
        case .completed: order.completedAt = now
        }
        return order
    }

    /// `conflict` unless deliveries may be recorded on the order: only while it is accepted.
    public func requireAcceptingDeliveries() throws(MarketError) {
        guard status == .accepted else {
            throw .conflict("the order is \(status.rawValue): deliveries are recorded on accepted orders only")
        }
    }
}

extension Delivery {
    /// What happens to a delivery after the provider records it.
    public enum Step: Sendable, Equatable {
        /// The buyer confirms it (also after disputing it), or the service deems it confirmed
        /// when nobody decided in time: its amount is spent.
        case confirm(deemed: Bool)
        /// The buyer disputes it, with a reason: its money stays reserved.
        case dispute(reason: String)
        /// The provider voids it, recorded by mistake: it counts for nothing.
        case void

        /// One of each, for tables of every (status, step).
        public static let examples: [Step] = [.confirm(deemed: false), .confirm(deemed: true), .dispute(reason: "not delivered"), .void]
    }

    /// The delivery after `step` at `now`; `conflict` from any status the step cannot start from.
    public func applying(_ step: Step, at now: Date) throws(MarketError) -> Delivery {
        var delivery = self
        switch step {
        case .confirm(let deemed):
            guard status == .recorded || status == .disputed else {
                throw .conflict("the delivery is \(status.rawValue): only a recorded or disputed delivery can be confirmed")
            }
            delivery.status = .confirmed
            delivery.confirmedAt = now
            delivery.confirmationDeemed = deemed
        case .dispute(let reason):
            guard status == .recorded else {
                throw .conflict("the delivery is \(status.rawValue): only a recorded delivery can be disputed")
            }
            delivery.status = .disputed
            delivery.disputeReason = reason
            delivery.disputedAt = now
        case .void:
            guard status == .recorded || status == .disputed else {
                throw .conflict("the delivery is \(status.rawValue): only a recorded or disputed delivery can be voided")
            }
            delivery.status = .voided
            delivery.voidedAt = now
        }
        return delivery
    }
}
