import Foundation
import GRDB
import MarketCore

/// A resource with what an Open Referral export needs besides it: its publisher's name, and the
/// name and code of the council whose area it serves (its own, or its publishing council).
public struct PublishedResource: Sendable {
    public let listed: ListedResource
    public let publisherName: String
    public let councilName: String?
    public let councilCode: String?
}

extension CommunityStore {
    /// Resources with their staleness, their publisher's name (organisation or council) and their council.
    static let publishedSelect = """
        SELECT r.*, \(staleExpression) AS is_stale, coalesce(o.name, p.name) AS publisher_name,
            s.name AS council_name, s.code AS council_code
        FROM community_resource r
        LEFT JOIN organisation o ON o.id = r.organisation_id
        LEFT JOIN council p ON p.id = r.publisher_council_id
        LEFT JOIN council s ON s.id = coalesce(r.council_id, r.publisher_council_id)
        """

    /// Current resources only: past one-off events and finished series are not offered to harvesters.
    static let currentCondition = "(r.final_end_at IS NULL OR r.final_end_at >= :nowText)"

    /// Every current resource that `query` admits, with its publisher: by relevance when it has
    /// text, else in listing order. `located` keeps those with an address or coordinates (the
    /// ones that have a service-at-location). Open Referral pages by number with a total, so the
    /// caller pages the answer; a council's community catalogue is thousands of rows, not millions.
    public func openReferralResources(matching query: OpenReferralQuery, located: Bool = false) async throws -> [PublishedResource] {
        let now = database.clock.now()
        var conditions = [Self.currentCondition]
        var arguments: [String: (any DatabaseValueConvertible)?] = [
            "now": now, "nowText": CommunityResourceRecord.detailsTimestamp(now),
        ]
        var join = ""
        var order = "r.seq"
        if let text = query.text {
            guard let match = FullTextQuery(text).matchExpression else { return [] }
            join = "JOIN community_resource_fts f ON f.rowid = r.seq AND community_resource_fts MATCH :match"
            arguments["match"] = match
            order = "f.rank, r.seq"
        }
        if let categories = query.categories {
            conditions.append("EXISTS (SELECT 1 FROM json_each(r.categories) WHERE value IN (SELECT value FROM json_each(:categories)))")
            arguments["categories"] = String(decoding: try JSONEncoder().encode(categories.sorted()), as: UTF8.self)
        }
        if let district = query.district {
            conditions.append("EXISTS (SELECT 1 FROM json_each(r.areas) WHERE value = :area)")
            arguments["area"] = district.code
        }
        if located {
            conditions.append("(r.details ->> '$.address' IS NOT NULL OR r.details ->> '$.latitude' IS NOT NULL)")
        }
        let sql = "\(Self.publishedSelect) \(join) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order)"
        let statementArguments = StatementArguments(arguments)
        let resources = try await database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(PublishedResource.init)
        }
        return resources.filter { query.admits($0.listed.resource) }
    }

    /// One current resource by its Open Referral UUID, that of the service (`res_…`) or, with
    /// `suffix`, of one of its parts (`-service-at-location`); `notFound` otherwise.
    public func openReferralResource(uuid: String, suffix: String = "") async throws -> PublishedResource {
        let now = database.clock.now()
        let arguments: StatementArguments = [
            "uuid": uuid.lowercased(), "suffix": suffix, "now": now, "nowText": CommunityResourceRecord.detailsTimestamp(now),
        ]
        return try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                \(Self.publishedSelect) WHERE oruk_uuid(r.id || :suffix) = :uuid AND \(Self.currentCondition)
                """, arguments: arguments)
            else { throw MarketError.notFound(resource: "service") }
            return try PublishedResource(row: row)
        }
    }
}

extension PublishedResource {
    init(row: Row) throws {
        self.init(
            listed: try ListedResource(row: row), publisherName: row["publisher_name"],
            councilName: row["council_name"], councilCode: row["council_code"])
    }
}
