import Foundation

/// One entry of a council's list of what its funds may not pay for: a category (with its
/// sub-categories) or one offering, with the council's reason. Councils publish such lists for
/// direct payments (alcohol, gambling, rent, …).
///
/// The list binds every stream of a holder the council funds except their own contribution
/// (`FundingSource.ownContribution`): a person may spend their own money as they choose.
public struct ProhibitedSpend: Sendable, Equatable, Codable {
    public let id: ProhibitedSpendID
    public let councilID: CouncilID
    /// Exactly one of `category` and `offeringID` is set.
    public let category: String?
    public let offeringID: OfferingID?
    public let reason: String
    public let addedAt: Date

    public init(
        id: ProhibitedSpendID, councilID: CouncilID, category: String?, offeringID: OfferingID?, reason: String, addedAt: Date
    ) {
        self.id = id
        self.councilID = councilID
        self.category = category
        self.offeringID = offeringID
        self.reason = reason
        self.addedAt = addedAt
    }

    /// Whether this entry forbids paying for `line`: its offering, or its category or one above it.
    public func forbids(_ line: OrderLine) -> Bool {
        if let offeringID { return line.offeringID == offeringID }
        guard let category else { return false }
        return line.category == category || line.category.hasPrefix(category + ".")
    }

    /// What the entry covers, for a refusal: "the category alcohol" or "this offering".
    public var subject: String { category.map { "the category \($0)" } ?? "this offering" }

    /// The first of `lines` that `list` forbids, with the entry that forbids it.
    public static func firstForbidden(in lines: [OrderLine], by list: [ProhibitedSpend]) -> (line: OrderLine, entry: ProhibitedSpend)? {
        for line in lines {
            if let entry = list.first(where: { $0.forbids(line) }) { return (line, entry) }
        }
        return nil
    }
}

/// A new entry for a council's prohibited-spend list, checked: a known category or an offering
/// id (one of them), and a reason of at most 500 characters.
public struct NewProhibitedSpend: Sendable, Equatable {
    public let category: String?
    public let offeringID: OfferingID?
    public let reason: String

    public static let maximumReasonLength = 500

    public init(category: String?, offeringID: OfferingID?, reason: String?, taxonomy: CategoryTaxonomy) throws(MarketError) {
        var v = Validator()
        if (category == nil) == (offeringID == nil) {
            v.add("category", "give either a category or an offering_id, not both")
        }
        if let category { v.check(taxonomy.category(category) != nil, "category", "'\(category)' is not a category") }
        let reason = v.text(reason ?? "", "reason", maxLength: Self.maximumReasonLength)
        try v.throwIfInvalid()
        self.category = category
        self.offeringID = offeringID
        self.reason = reason
    }
}
