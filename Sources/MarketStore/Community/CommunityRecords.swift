import Foundation
import GRDB
import MarketCore

/// A row of `community_resource`. The resource's details are one JSON document; the filtered
/// columns are generated from it by SQLite.
struct CommunityResourceRecord: MarketRecord {
    static let databaseTableName = "community_resource"
    var id: CommunityResourceID
    var organisationId: OrganisationID?
    var publisherCouncilId: CouncilID?
    var councilId: CouncilID?
    var details: String
    var lastVerifiedAt: Date
    var createdAt: Date
    var updatedAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, details
        case organisationId = "organisation_id"
        case publisherCouncilId = "publisher_council_id"
        case councilId = "council_id"
        case lastVerifiedAt = "last_verified_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    /// The title, a column the schema derives from `details` (read, never written).
    static let titleColumn = Column("title")

    init(_ resource: CommunityResource) throws {
        id = resource.id
        switch resource.publisher {
        case .organisation(let organisation): organisationId = organisation
        case .council(let council): publisherCouncilId = council
        }
        councilId = resource.councilID
        details = String(decoding: try Self.encoder.encode(resource.details), as: UTF8.self)
        lastVerifiedAt = resource.lastVerifiedAt
        createdAt = resource.createdAt
        updatedAt = resource.updatedAt
    }

    /// Writes the changeable columns of the row with this id (`seq` is the table's key, not `id`).
    func updateChangeableColumns(_ db: Database) throws {
        try Self.filter(Columns.id == id.rawValue).updateAll(db, [
            Columns.councilId.set(to: councilId),
            Columns.details.set(to: details),
            Columns.lastVerifiedAt.set(to: lastVerifiedAt),
            Columns.updatedAt.set(to: updatedAt),
        ])
    }

    func resource() throws -> CommunityResource {
        let publisher: ResourcePublisher
        if let organisationId {
            publisher = .organisation(organisationId)
        } else if let publisherCouncilId {
            publisher = .council(publisherCouncilId)
        } else {
            // The schema's CHECK makes exactly one of the two present.
            throw DatabaseError(message: "community_resource \(id) has no publisher")
        }
        return CommunityResource(
            id: id, publisher: publisher, councilID: councilId,
            details: try Self.decoder.decode(CommunityResourceDetails.self, from: Data(details.utf8)),
            lastVerifiedAt: lastVerifiedAt, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// Dates inside `details` are RFC 3339 text, so that generated columns compare as text.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// `date` as it appears inside `details`, for comparisons with the generated schedule columns.
    static func detailsTimestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

extension ListedResource {
    /// A row of `community_resource.*` plus the `is_stale` flag computed in the same query.
    init(row: Row) throws {
        self.init(resource: try CommunityResourceRecord(row: row).resource(), isStale: row["is_stale"])
    }
}
