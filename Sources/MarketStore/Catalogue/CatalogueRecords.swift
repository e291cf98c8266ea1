import Foundation
import GRDB
import MarketCore

/// A row of `provider_store`. The store's name is its organisation's; `rating_score` is generated.
struct ProviderStoreRecord: MarketRecord {
    static let databaseTableName = "provider_store"
    var organisationId: OrganisationID
    var providerType: ProviderType?
    var description: String?
    var areas: String
    var phone: String?
    var email: EmailAddress?
    var website: String?
    var registrationNumber: String?
    var ratingCount: Int
    var ratingSum: Int
    var updatedAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case description, areas, phone, email, website
        case organisationId = "organisation_id"
        case providerType = "provider_type"
        case registrationNumber = "registration_number"
        case ratingCount = "rating_count"
        case ratingSum = "rating_sum"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    /// The empty store a new provider opens with.
    init(provider: OrganisationID, providerType: ProviderType?, at time: Date) {
        organisationId = provider
        self.providerType = providerType
        areas = "[]"
        ratingCount = 0
        ratingSum = 0
        updatedAt = time
    }

    init(_ store: Storefront) {
        organisationId = store.providerID
        providerType = store.providerType
        description = store.description
        areas = CatalogueJSON.array(store.areas.map(\.code))
        phone = store.contact.phone
        email = store.contact.email
        website = store.contact.website
        registrationNumber = store.registrationNumber
        ratingCount = store.rating.count
        ratingSum = store.rating.sum
        updatedAt = store.updatedAt
    }

    func storefront(name: String) throws -> Storefront {
        Storefront(
            providerID: organisationId, name: name, providerType: providerType, description: description,
            areas: try CatalogueJSON.districts(areas),
            contact: ResourceContact(phone: phone, email: email, website: website),
            registrationNumber: registrationNumber, rating: RatingSummary(count: ratingCount, sum: ratingSum),
            updatedAt: updatedAt)
    }
}

/// A row of `offering`. Areas, attributes and search tags are JSON; triggers keep the search
/// indexes (`offering_area`, `offering_tag`, `offering_fts`) and the price history in step.
struct OfferingRecord: MarketRecord {
    static let databaseTableName = "offering"
    var seq: Int64?
    var id: OfferingID
    var providerId: OrganisationID
    var title: String
    var description: String
    var category: String
    var unit: String
    var publicPricePence: Int64
    var areas: String
    var attributes: String
    var tags: String
    var status: OfferingStatus
    var createdAt: Date
    var updatedAt: Date
    var publishedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, title, description, category, unit, areas, attributes, tags, status
        case providerId = "provider_id"
        case publicPricePence = "public_price_pence"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case publishedAt = "published_at"
    }

    typealias Columns = CodingKeys

    init(_ offering: Offering, seq: Int64? = nil) {
        self.seq = seq
        id = offering.id
        providerId = offering.providerID
        let details = offering.details
        title = details.title
        description = details.description
        category = details.category
        unit = details.unit
        publicPricePence = details.publicPricePence
        areas = CatalogueJSON.array(details.areas.map(\.code))
        attributes = CatalogueJSON.object(details.attributes)
        tags = CatalogueJSON.array(details.attributes.searchTags)
        status = offering.status
        createdAt = offering.createdAt
        updatedAt = offering.updatedAt
        publishedAt = offering.publishedAt
    }

    /// Decoded by hand: search decodes a page of these per request, and the Codable path
    /// (snake-case key conversion per column per row) was most of a search's time.
    init(row: Row) throws {
        seq = try row.decode(forColumn: Columns.seq)
        id = try row.decode(forColumn: Columns.id)
        providerId = try row.decode(forColumn: Columns.providerId)
        title = try row.decode(forColumn: Columns.title)
        description = try row.decode(forColumn: Columns.description)
        category = try row.decode(forColumn: Columns.category)
        unit = try row.decode(forColumn: Columns.unit)
        publicPricePence = try row.decode(forColumn: Columns.publicPricePence)
        areas = try row.decode(forColumn: Columns.areas)
        attributes = try row.decode(forColumn: Columns.attributes)
        tags = try row.decode(forColumn: Columns.tags)
        status = try row.decode(forColumn: Columns.status)
        createdAt = try row.decode(forColumn: Columns.createdAt)
        updatedAt = try row.decode(forColumn: Columns.updatedAt)
        publishedAt = try row.decode(forColumn: Columns.publishedAt)
    }

    /// Encoded by hand for the same reason: the synthetic market inserts hundreds of thousands.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.seq] = seq
        container[Columns.id] = id
        container[Columns.providerId] = providerId
        container[Columns.title] = title
        container[Columns.description] = description
        container[Columns.category] = category
        container[Columns.unit] = unit
        container[Columns.publicPricePence] = publicPricePence
        container[Columns.areas] = areas
        container[Columns.attributes] = attributes
        container[Columns.tags] = tags
        container[Columns.status] = status
        container[Columns.createdAt] = createdAt
        container[Columns.updatedAt] = updatedAt
        container[Columns.publishedAt] = publishedAt
    }

    /// Inserts many new rows through one prepared statement (the synthetic market's bulk path).
    static func insertAll(_ records: [OfferingRecord], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO offering (id, provider_id, title, description, category, unit, public_price_pence, areas,
                attributes, tags, status, created_at, updated_at, published_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // Formatting a date is slow and bulk rows share theirs: format each distinct one once.
        var formatted: [Date: DatabaseValue] = [:]
        func value(_ date: Date?) -> DatabaseValue {
            guard let date else { return .null }
            if let known = formatted[date] { return known }
            let value = date.databaseValue
            formatted[date] = value
            return value
        }
        for record in records {
            try statement.execute(arguments: [
                record.id, record.providerId, record.title, record.description, record.category, record.unit,
                record.publicPricePence, record.areas, record.attributes, record.tags, record.status,
                value(record.createdAt), value(record.updatedAt), value(record.publishedAt),
            ])
        }
    }

    func offering() throws -> Offering {
        Offering(
            id: id, providerID: providerId,
            details: OfferingDetails(
                title: title, description: description, category: category, unit: unit,
                publicPricePence: publicPricePence, areas: try CatalogueJSON.districts(areas),
                attributes: try CatalogueJSON.decode(OfferingAttributes.self, attributes)),
            status: status, createdAt: createdAt, updatedAt: updatedAt, publishedAt: publishedAt)
    }
}

struct CouncilRateRecord: MarketRecord {
    static let databaseTableName = "council_rate"
    var id: CouncilRateID
    var councilId: CouncilID
    var offeringId: OfferingID
    var ratePence: Int64
    var validFrom: CalendarDay
    var validTo: CalendarDay?
    var createdBy: UserID?
    var createdAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case councilId = "council_id"
        case offeringId = "offering_id"
        case ratePence = "rate_pence"
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case createdBy = "created_by"
        case createdAt = "created_at"
    }

    typealias Columns = CodingKeys

    static let offering = belongsTo(OfferingRecord.self, using: ForeignKey([Columns.offeringId], to: [OfferingRecord.Columns.id]))

    init(_ rate: CouncilRate, createdBy: UserID?) {
        id = rate.id
        councilId = rate.councilID
        offeringId = rate.offeringID
        ratePence = rate.ratePence
        validFrom = rate.validFrom
        validTo = rate.validTo
        self.createdBy = createdBy
        createdAt = rate.createdAt
    }

    func rate(providerID: OrganisationID) -> CouncilRate {
        CouncilRate(
            id: id, councilID: councilId, offeringID: offeringId, providerID: providerID, ratePence: ratePence,
            validFrom: validFrom, validTo: validTo, createdAt: createdAt)
    }
}

extension OfferingStatus: DatabaseValueConvertible {}
extension ProviderType: DatabaseValueConvertible {}

extension CalendarDay: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { text.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CalendarDay? {
        String.fromDatabaseValue(dbValue).flatMap(CalendarDay.init)
    }
}

/// The JSON kept inside catalogue rows: sorted keys, so equal values are equal text.
enum CatalogueJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// One decoder for every row (Foundation's decoders are safe to share).
    private static let decoder = JSONDecoder()

    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try decoder.decode(type, from: Data(text.utf8))
    }

    /// A JSON array of strings, written directly: the synthetic market writes millions of these,
    /// and Foundation's encoder was a large share of its time. Decodes back with `JSONDecoder`.
    static func array(_ strings: [String]) -> String {
        "[" + strings.map(FlatJSON.string).joined(separator: ",") + "]"
    }

    /// `OfferingAttributes` as `JSONEncoder` would write it, with sorted keys, written directly.
    static func object(_ attributes: OfferingAttributes) -> String {
        let fields = [
            ("culturalNeeds", array(attributes.culturalNeeds)),
            ("dietaryNeeds", array(attributes.dietaryNeeds)),
            ("languages", array(attributes.languages)),
            ("staffGenders", array(attributes.staffGenders.map(\.rawValue))),
            ("timesAvailable", array(attributes.timesAvailable.map(\.rawValue))),
            ("wheelchairAccessible", attributes.wheelchairAccessible ? "true" : "false"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A stored array of district codes; the schema only ever holds valid ones.
    static func districts(_ text: String) throws -> [PostcodeDistrict] {
        try decode([String].self, text).compactMap(PostcodeDistrict.init)
    }
}

/// A public price an offering had, from when (written by trigger on every price change).
struct OfferingPriceRecord: MarketRecord {
    static let databaseTableName = "offering_price"
    var id: Int64?
    var offeringId: OfferingID
    var publicPricePence: Int64
    var effectiveFrom: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case offeringId = "offering_id"
        case publicPricePence = "public_price_pence"
        case effectiveFrom = "effective_from"
    }

    typealias Columns = CodingKeys
}
