import Foundation

/// A person who buys support with an individual budget: funded by a council (`councilID`) or
/// paying for themselves (`councilID == nil`, a self-funder). `userID` links the person's own
/// account (the citizen app); without one, only delegates and council staff act for them.
public struct BudgetHolder: Sendable, Equatable, Codable {
    public let id: BudgetHolderID
    public let displayName: String
    public let councilID: CouncilID?
    public let userID: UserID?
    public let createdAt: Date

    public init(id: BudgetHolderID, displayName: String, councilID: CouncilID?, userID: UserID?, createdAt: Date) {
        self.id = id
        self.displayName = displayName
        self.councilID = councilID
        self.userID = userID
        self.createdAt = createdAt
    }

    public var isSelfFunded: Bool { councilID == nil }

    /// Whose prices this holder pays: their council's agreed rates where one applies, whoever
    /// places the order for them.
    public var priceAudience: PriceAudience {
        councilID.map(PriceAudience.council) ?? .publicPrices
    }
}

/// What registering a budget holder asks for, checked.
public struct NewBudgetHolder: Sendable, Equatable {
    public let displayName: String
    public let councilID: CouncilID?
    public let userID: UserID?

    public init(displayName: String?, councilID: CouncilID?, userID: UserID?) throws(MarketError) {
        var v = Validator()
        let name = v.text(displayName ?? "", "display_name", maxLength: 120)
        try v.throwIfInvalid()
        self.displayName = name
        self.councilID = councilID
        self.userID = userID
    }
}
