import Foundation

/// A rating of a provider by someone who bought from it: once per order with a confirmed
/// delivery, 1 to 5 stars and an optional comment.
///
/// Invariants: who rated is never published, only whether the order was paid from a council's
/// funds (`raterCouncilName`) or by a self-funder; a hidden comment is never published but its
/// stars still count; a removed rating is never published and does not count.
public struct Rating: Sendable, Equatable, Codable {
    public let id: RatingID
    public let orderID: OrderID
    public let providerID: OrganisationID
    /// The category bought (the order's first line).
    public let category: String
    /// The council whose funds paid, by name; `nil` for a self-funder.
    public let raterCouncilName: String?
    public var stars: Int
    public var comment: String?
    public var version: Int
    public let createdBy: UserID
    public let createdAt: Date
    public var updatedAt: Date
    public var reply: String?
    public var repliedAt: Date?
    public var hiddenReason: String?
    public var removedReason: String?

    public init(
        id: RatingID, orderID: OrderID, providerID: OrganisationID, category: String, raterCouncilName: String?, stars: Int,
        comment: String?, version: Int, createdBy: UserID, createdAt: Date, updatedAt: Date, reply: String?, repliedAt: Date?,
        hiddenReason: String?, removedReason: String?
    ) {
        self.id = id
        self.orderID = orderID
        self.providerID = providerID
        self.category = category
        self.raterCouncilName = raterCouncilName
        self.stars = stars
        self.comment = comment
        self.version = version
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.reply = reply
        self.repliedAt = repliedAt
        self.hiddenReason = hiddenReason
        self.removedReason = removedReason
    }

    /// How long after rating the rater may still change it.
    public static let editableDays = 30

    /// "a person funded by London Borough of Harrowby" or "a self-funder": all the public learns
    /// of who rated.
    public var raterDescription: String {
        raterCouncilName.map { "a person funded by \($0)" } ?? "a self-funder"
    }
}

/// What a rater sends: stars and an optional comment, checked.
public struct RatingInput: Sendable, Equatable {
    public let stars: Int
    public let comment: String?

    public init(stars: Int?, comment: String?) throws(MarketError) {
        var v = Validator()
        v.check(stars.map { (1...5).contains($0) } ?? false, "stars", "must be a whole number of stars from 1 to 5")
        let comment = v.optionalText(comment, "comment", maxLength: 2000)
        try v.throwIfInvalid()
        self.stars = stars ?? 0
        self.comment = comment
    }
}

/// The order of a provider's public ratings.
public enum RatingOrder: String, Sendable, CaseIterable {
    case newest
    /// Ratings with a comment people can read first, then those the provider answered, newest
    /// first within each: the ones that tell a reader most.
    case useful
}
