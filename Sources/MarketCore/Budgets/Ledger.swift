import Foundation

/// What a ledger entry does to a stream.
public enum LedgerEntryKind: String, Sendable, Codable, CaseIterable {
    /// Money given to the stream (the first allocation, and each top-up).
    case allocation
    /// Money set aside for an order when it is placed.
    case reservation
    /// Reserved money handed back: a declined or cancelled order's undelivered part.
    case release
    /// Reserved money turned into spent money, when a delivery is confirmed.
    case spend
    /// Spent money given back to the stream, as a correction (a credit note). Nothing in this
    /// service writes one yet; the kind exists so that corrections never need an edit.
    case reversal
}

/// The change one entry makes to a stream's balance, in pence.
///
/// Invariant (a `CHECK` in the schema, per kind): allocation only raises `allocated`; reservation
/// only raises `committed`; release only lowers it; spend moves an amount from committed to spent;
/// reversal only lowers `spent`.
public struct BalanceChange: Sendable, Equatable, Codable {
    public let allocatedPence: Int64
    public let committedPence: Int64
    public let spentPence: Int64

    public init(allocatedPence: Int64 = 0, committedPence: Int64 = 0, spentPence: Int64 = 0) {
        self.allocatedPence = allocatedPence
        self.committedPence = committedPence
        self.spentPence = spentPence
    }

    init(_ balance: StreamBalance) {
        self.init(allocatedPence: balance.allocatedPence, committedPence: balance.committedPence, spentPence: balance.spentPence)
    }

    /// The change made by an entry of `kind` for a positive `amount`.
    public static func of(_ kind: LedgerEntryKind, _ amount: Int64) -> BalanceChange {
        switch kind {
        case .allocation: BalanceChange(allocatedPence: amount)
        case .reservation: BalanceChange(committedPence: amount)
        case .release: BalanceChange(committedPence: -amount)
        case .spend: BalanceChange(committedPence: -amount, spentPence: amount)
        case .reversal: BalanceChange(spentPence: -amount)
        }
    }
}

/// One line of a stream's append-only ledger, with who acted and, when it was a delegate, under
/// which delegation.
public struct LedgerEntry: Sendable, Equatable, Codable {
    public let id: Int64
    public let streamID: FundingStreamID
    public let holderID: BudgetHolderID
    public let kind: LedgerEntryKind
    /// Always positive; `change` says which way it moved the balance.
    public let amountPence: Int64
    public let change: BalanceChange
    public let orderID: OrderID?
    public let deliveryID: DeliveryID?
    public let actorUserID: UserID?
    public let delegationID: DelegationID?
    public let occurredAt: Date

    public init(
        id: Int64, streamID: FundingStreamID, holderID: BudgetHolderID, kind: LedgerEntryKind, amountPence: Int64,
        orderID: OrderID?, deliveryID: DeliveryID?, actorUserID: UserID?, delegationID: DelegationID?, occurredAt: Date
    ) {
        self.id = id
        self.streamID = streamID
        self.holderID = holderID
        self.kind = kind
        self.amountPence = amountPence
        self.change = .of(kind, amountPence)
        self.orderID = orderID
        self.deliveryID = deliveryID
        self.actorUserID = actorUserID
        self.delegationID = delegationID
        self.occurredAt = occurredAt
    }
}
