import Foundation
import Hummingbird
import MarketCore

/// A provider's public store. Never mentions council rates.
struct StorefrontResponse: ResponseEncodable, Sendable {
    let id: OrganisationID
    let name: String
    let providerType: Nullable<ProviderType>
    let description: Nullable<String>
    let areas: [String]
    let contact: ResourceContactResponse
    let registrationNumber: Nullable<String>
    let ratingCount: Int
    let ratingAverage: Double
    /// The care regulator's word, beside people's ratings and never mixed into them.
    let regulator: Nullable<RegulatorRegistrationResponse>
    let updatedAt: Date

    init(_ store: Storefront) {
        id = store.providerID
        name = store.name
        providerType = Nullable(store.providerType)
        description = Nullable(store.description)
        areas = store.areas.map(\.code)
        contact = ResourceContactResponse(store.contact)
        registrationNumber = Nullable(store.registrationNumber)
        ratingCount = store.rating.count
        ratingAverage = store.rating.average
        regulator = Nullable(store.regulator.map(RegulatorRegistrationResponse.init))
        updatedAt = store.updatedAt
    }
}

/// An offering as the caller sees it. `effective_price_pence` is what this caller would pay per
/// unit; `price_source` is `council_rate` only for callers entitled to their council's rate, so
/// for everyone else it is always `public` and says nothing about rates that exist.
struct OfferingResponse: ResponseEncodable, Sendable {
    struct Attributes: Encodable, Sendable {
        let languages: [String]
        let staffGenders: [StaffGender]
        let wheelchairAccessible: Bool
        let culturalNeeds: [String]
        let dietaryNeeds: [String]
        let timesAvailable: [AvailabilitySlot]
    }

    let id: OfferingID
    let providerId: OrganisationID
    let storeName: String
    let providerType: Nullable<ProviderType>
    let title: String
    let description: String
    let category: String
    let unit: String
    let publicPricePence: Int64
    let effectivePricePence: Int64
    let priceSource: PriceSource
    let areas: [String]
    let attributes: Attributes
    let status: OfferingStatus
    let ratingCount: Int
    let ratingAverage: Double
    /// The provider's care regulator's word, beside people's ratings and never mixed into them.
    let regulator: Nullable<RegulatorRegistrationResponse>
    let createdAt: Date
    let updatedAt: Date
    let publishedAt: Nullable<Date>

    init(_ listed: ListedOffering) {
        let offering = listed.offering
        let details = offering.details
        id = offering.id
        providerId = offering.providerID
        storeName = listed.storeName
        providerType = Nullable(listed.providerType)
        title = details.title
        description = details.description
        category = details.category
        unit = details.unit
        publicPricePence = details.publicPricePence
        effectivePricePence = listed.effectivePricePence
        priceSource = listed.priceSource
        areas = details.areas.map(\.code)
        let attributes = details.attributes
        self.attributes = Attributes(
            languages: attributes.languages, staffGenders: attributes.staffGenders,
            wheelchairAccessible: attributes.wheelchairAccessible, culturalNeeds: attributes.culturalNeeds,
            dietaryNeeds: attributes.dietaryNeeds, timesAvailable: attributes.timesAvailable)
        status = offering.status
        ratingCount = listed.rating.count
        ratingAverage = listed.rating.average
        regulator = Nullable(listed.regulator.map(RegulatorRegistrationResponse.init))
        createdAt = offering.createdAt
        updatedAt = offering.updatedAt
        publishedAt = Nullable(offering.publishedAt)
    }
}

struct PricePointResponse: Encodable, Sendable {
    let publicPricePence: Int64
    let effectiveFrom: Date

    init(_ point: PricePoint) {
        publicPricePence = point.publicPricePence
        effectiveFrom = point.effectiveFrom
    }
}

struct CouncilRateResponse: ResponseEncodable, Sendable {
    let id: CouncilRateID
    let councilId: CouncilID
    let offeringId: OfferingID
    let providerId: OrganisationID
    let ratePence: Int64
    let validFrom: CalendarDay
    let validTo: Nullable<CalendarDay>
    let createdAt: Date

    init(_ rate: CouncilRate) {
        id = rate.id
        councilId = rate.councilID
        offeringId = rate.offeringID
        providerId = rate.providerID
        ratePence = rate.ratePence
        validFrom = rate.validFrom
        validTo = Nullable(rate.validTo)
        createdAt = rate.createdAt
    }
}

struct AgreeCouncilRateRequest: Decodable {
    let offeringId: OfferingID?
    let ratePence: Int64?
    let validFrom: CalendarDay?
    let validTo: CalendarDay?
}

/// `valid_to` must be present: a date ends the rate that day, `null` makes it open-ended.
struct ChangeCouncilRateEndRequest: Decodable {
    let validTo: CalendarDay?

    enum CodingKeys: String, CodingKey { case validTo }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.validTo) else {
            throw DecodingError.keyNotFound(CodingKeys.validTo, .init(codingPath: [], debugDescription: "is required"))
        }
        validTo = try container.decodeNil(forKey: .validTo) ? nil : container.decode(CalendarDay.self, forKey: .validTo)
    }
}
