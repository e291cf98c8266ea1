import Foundation

/// A price a council agreed with a provider for one offering, valid over a range of days.
/// Seen only by that council's staff, the provider's staff, and the council's funded budget
/// holders (and, later, their brokers), who pay it instead of the public price.
///
/// Invariant (also a schema trigger): the validity ranges of one offering's rates with one council
/// never overlap, so at most one rate applies on any day.
public struct CouncilRate: Sendable, Equatable, Codable {
    public let id: CouncilRateID
    public let councilID: CouncilID
    public let offeringID: OfferingID
    public let providerID: OrganisationID
    public let ratePence: Int64
    public let validFrom: CalendarDay
    /// The last day it applies, inclusive; `nil` is open-ended.
    public let validTo: CalendarDay?
    public let createdAt: Date

    public init(
        id: CouncilRateID, councilID: CouncilID, offeringID: OfferingID, providerID: OrganisationID, ratePence: Int64,
        validFrom: CalendarDay, validTo: CalendarDay?, createdAt: Date
    ) {
        self.id = id
        self.councilID = councilID
        self.offeringID = offeringID
        self.providerID = providerID
        self.ratePence = ratePence
        self.validFrom = validFrom
        self.validTo = validTo
        self.createdAt = createdAt
    }

    public func applies(on day: CalendarDay) -> Bool {
        validFrom <= day && (validTo.map { day <= $0 } ?? true)
    }
}

/// A request to agree a council rate, checked against every rule that needs no database.
public struct NewCouncilRate: Sendable, Equatable {
    public let offeringID: OfferingID
    public let ratePence: Int64
    public let validFrom: CalendarDay
    public let validTo: CalendarDay?

    public init(offeringID: OfferingID?, ratePence: Int64?, validFrom: CalendarDay?, validTo: CalendarDay?) throws(MarketError) {
        var v = Validator()
        v.check(offeringID != nil, "offering_id", "is required")
        v.pence(ratePence, "rate_pence", in: CatalogueMoney.unitPriceRange)
        v.check(validFrom != nil, "valid_from", "is required")
        if let validFrom, let validTo { v.check(validFrom <= validTo, "valid_to", "must not be before valid_from") }
        try v.throwIfInvalid()
        guard let offeringID, let ratePence, let validFrom else { throw .invalid("body", "is incomplete") }
        self.offeringID = offeringID
        self.ratePence = ratePence
        self.validFrom = validFrom
        self.validTo = validTo
    }
}
