import Foundation
import Hummingbird
import MarketCore
import MarketStore

// The Open Referral UK 3.0 shapes (the HSDS-UK profile of HSDS 3.0), as the profile's compiled
// schemas list them. Every id is `OpenReferralIdentifier.uuid` of a name made from our own ids.
// Absent values are omitted, never `null`: the schemas type them as strings or numbers.

/// The profile's `Page` envelope, with `contents`.
struct OpenReferralPage<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let totalItems: Int
    let totalPages: Int
    let pageNumber: Int
    let size: Int
    let firstPage: Bool
    let lastPage: Bool
    let empty: Bool
    let contents: [Item]

    /// The page `page` of `all`.
    init<Source>(_ all: [Source], page: NumberedPageRequest, _ transform: (Source) -> Item) {
        let items = all.dropFirst(page.offset).prefix(page.size).map(transform)
        totalItems = all.count
        totalPages = (all.count + page.size - 1) / page.size
        pageNumber = page.number
        size = items.count
        firstPage = page.number == 1
        lastPage = page.number >= totalPages
        empty = items.isEmpty
        contents = items
    }
}

/// `GET /v1/community/oruk`: which version and profile this API serves.
struct OpenReferralAbout: ResponseEncodable, Sendable {
    let version = "3.0"
    let profile = "https://openreferraluk.org"
    let openapiUrl = "https://raw.githubusercontent.com/openreferral/uk-profile/main/openapi.json"
}

/// Our categories as one Open Referral taxonomy, with a term per category. Built once.
struct OpenReferralVocabulary: Sendable {
    static let taxonomyName = "supportmarket-categories"
    let taxonomyID = OpenReferralIdentifier.uuid("taxonomy:\(taxonomyName)")
    /// Every category, parents before their children, with its parent's id.
    let terms: [(category: Category, parentID: String?)]
    private let categoryByTermID: [String: String]
    private let taxonomy: CategoryTaxonomy

    init(_ taxonomy: CategoryTaxonomy) {
        func walk(_ categories: [Category], parent: String?) -> [(Category, String?)] {
            categories.flatMap { [($0, parent)] + walk($0.children, parent: $0.id) }
        }
        terms = walk(taxonomy.roots, parent: nil)
        categoryByTermID = Dictionary(uniqueKeysWithValues: terms.map { (Self.termID($0.category.id), $0.category.id) })
        self.taxonomy = taxonomy
    }

    static func termID(_ category: String) -> String { OpenReferralIdentifier.uuid("category:\(category)") }

    /// The category of a term's UUID, `nil` if none.
    func category(termID: String) -> String? { categoryByTermID[termID.lowercased()] }

    /// The categories that `taxonomy_term_id` and `taxonomy_id` ask for: a term with its
    /// sub-categories; every category for our taxonomy; nothing for ids we do not have. `nil`: no filter.
    func categories(termID: String?, taxonomyID: String?) -> Set<String>? {
        var selected: Set<String>?
        if let termID {
            selected = category(termID: termID).map { Set(taxonomy.descendantIDs(of: $0)) } ?? []
        }
        if let taxonomyID, taxonomyID.lowercased() != self.taxonomyID {
            selected = []
        }
        return selected
    }

    func term(_ category: Category, parentID: String?) -> OpenReferralTaxonomyTerm {
        OpenReferralTaxonomyTerm(
            id: Self.termID(category.id), name: category.name,
            description: category.description.isEmpty ? "\(category.name): support of this kind in the Supportmarket catalogue" : category.description,
            parentId: parentID.map(Self.termID), taxonomy: Self.taxonomyName, taxonomyId: taxonomyID, term: category.id)
    }

    func term(for category: String) -> OpenReferralTaxonomyTerm? {
        terms.first { $0.category.id == category }.map { term($0.category, parentID: $0.parentID) }
    }

    var taxonomyObject: OpenReferralTaxonomy {
        OpenReferralTaxonomy(
            id: taxonomyID, name: Self.taxonomyName,
            description: "The categories of support in the Supportmarket catalogue, for social care and community support.",
            version: "1")
    }
}

struct OpenReferralTaxonomy: ResponseEncodable, Sendable {
    let id, name, description, version: String
}

struct OpenReferralTaxonomyTerm: ResponseEncodable, Sendable {
    let id, name, description: String
    let parentId: String?
    let taxonomy, taxonomyId, term: String
}

/// An organisation or council that publishes community resources.
struct OpenReferralOrganization: Encodable, Sendable {
    let id, name, description: String

    init(_ published: PublishedResource) {
        let resource = published.listed.resource
        switch resource.publisher {
        case .organisation(let organisation):
            id = OpenReferralIdentifier.uuid(organisation.rawValue)
            description = "\(published.publisherName) lists free community resources on Supportmarket."
        case .council(let council):
            id = OpenReferralIdentifier.uuid(council.rawValue)
            description = "\(published.publisherName), the local council, lists its own free community resources on Supportmarket."
        }
        name = published.publisherName
    }
}

/// A service's one-to-one fields: what `/services` lists (`service_list.json`).
struct OpenReferralServiceSummary: Encodable, Sendable {
    let id: String
    let organizationId: String
    let name: String
    let description: String
    let url: String?
    let email: String?
    let status = "active"
    let fees = "Free"
    let assuredDate: String
    let lastModified: Date
    let organization: OpenReferralOrganization

    init(_ published: PublishedResource) {
        let resource = published.listed.resource
        let details = resource.details
        id = OpenReferralIdentifier.uuid(resource.id.rawValue)
        organization = OpenReferralOrganization(published)
        organizationId = organization.id
        name = details.title
        description = details.description
        url = details.contact.website
        email = details.contact.email?.value
        assuredDate = CalendarDay(resource.lastVerifiedAt).text
        lastModified = resource.updatedAt
    }
}

/// A service fully nested (`service.json`): `/services/{id}`.
struct OpenReferralService: ResponseEncodable, Sendable {
    struct Schedule: Encodable, Sendable {
        let id, serviceId: String
        let validFrom: String
        let validTo: String?
        let dtstart: String
        let freq: String?
        let interval: Int?
        let byday: String?
        let bymonthday: String?
        let description: String?
        let opensAt, closesAt: String
    }
    struct ServiceArea: Encodable, Sendable { let id, serviceId, name, extent, extentType: String }
    struct Language: Encodable, Sendable { let id, serviceId, name: String }
    struct Phone: Encodable, Sendable { let id, serviceId, number: String }
    struct CostOption: Encodable, Sendable { let id, serviceId, option: String; let amount: Int; let amountDescription: String }
    struct Attribute: Encodable, Sendable {
        let id, linkId, linkType, taxonomyTermId: String
        let taxonomyTerm: OpenReferralTaxonomyTerm
    }

    /// The one-to-one fields, written first, as the list has them.
    let summary: OpenReferralServiceSummary
    let eligibilityDescription: String?
    let schedules: [Schedule]
    let serviceAreas: [ServiceArea]
    let serviceAtLocations: [OpenReferralServiceAtLocation.Nested]
    let languages: [Language]
    let costOptions: [CostOption]
    let phones: [Phone]
    let attributes: [Attribute]

    enum CodingKeys: String, CodingKey {
        case eligibilityDescription, schedules, serviceAreas, serviceAtLocations, languages, costOptions, phones, attributes
    }

    /// The summary's fields, then the nested ones, in one object.
    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(eligibilityDescription, forKey: .eligibilityDescription)
        try container.encode(schedules, forKey: .schedules)
        try container.encode(serviceAreas, forKey: .serviceAreas)
        try container.encode(serviceAtLocations, forKey: .serviceAtLocations)
        try container.encode(languages, forKey: .languages)
        try container.encode(costOptions, forKey: .costOptions)
        try container.encode(phones, forKey: .phones)
        try container.encode(attributes, forKey: .attributes)
    }

    init(_ published: PublishedResource, vocabulary: OpenReferralVocabulary) {
        let summary = OpenReferralServiceSummary(published)
        let resource = published.listed.resource
        let details = resource.details
        let base = resource.id.rawValue
        func uuid(_ part: String) -> String { OpenReferralIdentifier.uuid("\(base)-\(part)") }
        self.summary = summary
        eligibilityDescription = details.eligibilityNotes
        schedules = details.schedule.map { [Self.schedule($0, id: uuid("schedule"), serviceID: summary.id, text: details.openingTimes)] } ?? []
        serviceAreas = details.areas.map {
            ServiceArea(id: uuid("area-\($0.code)"), serviceId: summary.id, name: $0.code, extent: $0.code, extentType: "postcode_district")
        }
        serviceAtLocations = OpenReferralServiceAtLocation.Nested(published).map { [$0] } ?? []
        languages = details.languages.map { Language(id: uuid("language-\($0)"), serviceId: summary.id, name: $0) }
        costOptions = [CostOption(
            id: uuid("cost"), serviceId: summary.id, option: details.costNote ?? "Free", amount: 0, amountDescription: "Free of charge")]
        phones = details.contact.phone.map { [Phone(id: uuid("phone"), serviceId: summary.id, number: $0)] } ?? []
        attributes = details.categories.compactMap { category in
            vocabulary.term(for: category).map { term in
                Attribute(id: uuid("category-\(category)"), linkId: summary.id, linkType: "service", taxonomyTermId: term.id, taxonomyTerm: term)
            }
        }
    }

    /// An event's schedule in UK time: its first occurrence, how it repeats and until when.
    static func schedule(_ schedule: EventSchedule, id: String, serviceID: String, text: String?) -> Schedule {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = OpenReferralQuery.timeZone
        func day(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        /// HH:MM:SS with the UK offset: `Z` in winter, `+01:00` in summer.
        func time(_ date: Date) -> String {
            let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
            let offset = OpenReferralQuery.timeZone.secondsFromGMT(for: date) / 60
            let zone = offset == 0 ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
            return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) + zone
        }
        let weekday = OpenReferralQuery.dayCodes[calendar.component(.weekday, from: schedule.startsAt) - 1]
        let frequency: String? = switch schedule.recurrence {
        case .none: nil
        case .weekly: "WEEKLY"
        case .monthly: "MONTHLY"
        }
        return Schedule(
            id: id, serviceId: serviceID, validFrom: day(schedule.startsAt),
            validTo: schedule.finalEnd.map(day), dtstart: day(schedule.startsAt), freq: frequency,
            interval: frequency == nil ? nil : 1, byday: schedule.recurrence == .weekly ? weekday : nil,
            bymonthday: schedule.recurrence == .monthly ? String(calendar.component(.day, from: schedule.startsAt)) : nil,
            description: text, opensAt: time(schedule.startsAt), closesAt: time(schedule.endsAt))
    }
}

/// Where a service is delivered, for resources with an address or coordinates.
struct OpenReferralServiceAtLocation: ResponseEncodable, Sendable {
    struct Address: Encodable, Sendable {
        let id, locationId, address1, city, stateProvince, postalCode, country, addressType: String

        enum CodingKeys: String, CodingKey {
            case id, locationId, address1 = "address_1", city, stateProvince, postalCode, country, addressType
        }
    }
    struct Accessibility: Encodable, Sendable { let id, locationId, description: String }
    struct Location: Encodable, Sendable {
        let id: String
        let locationType = "physical"
        let name: String
        let latitude, longitude: Double?
        let addresses: [Address]?
        let accessibility: [Accessibility]?
    }
    /// As nested in a service (`service.json`): no service inside.
    struct Nested: Encodable, Sendable {
        let id, serviceId, locationId: String
        let location: Location

        init?(_ published: PublishedResource, full: Bool = true) {
            let resource = published.listed.resource
            let details = resource.details
            guard details.address != nil || details.latitude != nil else { return nil }
            let base = resource.id.rawValue
            func uuid(_ part: String) -> String { OpenReferralIdentifier.uuid("\(base)-\(part)") }
            id = uuid("service-at-location")
            serviceId = OpenReferralIdentifier.uuid(base)
            locationId = uuid("location")
            let address = details.address.map { text in
                Address(
                    id: uuid("address"), locationId: uuid("location"), address1: text,
                    city: published.councilName ?? text.components(separatedBy: ",").last?.trimmingCharacters(in: .whitespaces) ?? text,
                    stateProvince: Self.nation(councilCode: published.councilCode),
                    postalCode: details.areas.first?.code ?? "", country: "GB", addressType: "physical")
            }
            let accessibility = details.accessibilityNotes.map {
                Accessibility(id: uuid("accessibility"), locationId: uuid("location"), description: $0)
            }
            location = Location(
                id: uuid("location"), name: details.title, latitude: details.latitude, longitude: details.longitude,
                addresses: full ? (address.map { [$0] } ?? []) : nil,
                accessibility: full ? (accessibility.map { [$0] } ?? []) : nil)
        }

        /// The UK nation of a council, from its GSS code's first letter; England otherwise.
        static func nation(councilCode: String?) -> String {
            switch councilCode?.first {
            case "W": "Wales"
            case "S": "Scotland"
            case "N": "Northern Ireland"
            default: "England"
            }
        }
    }

    let id, serviceId, locationId: String
    let location: Location
    let service: OpenReferralServiceSummary

    /// `full`: with the location's addresses and accessibility (`/service_at_locations/{id}`);
    /// the list gives its one-to-one fields only.
    init?(_ published: PublishedResource, full: Bool) {
        guard let nested = Nested(published, full: full) else { return nil }
        id = nested.id
        serviceId = nested.serviceId
        locationId = nested.locationId
        location = nested.location
        service = OpenReferralServiceSummary(published)
    }
}
