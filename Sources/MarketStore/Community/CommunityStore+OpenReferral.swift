import Foundation
import GRDB
import MarketCore

/// A resource with what an Open Referral export needs besides it: its publisher's name.
public struct PublishedResource: Sendable {
    public let listed: ListedResource
    public let publisherName: String
}

extension CommunityStore {
    /// Resources with their staleness and their publisher's name (organisation or council).
    static let publishedSelect = """
        SELECT r.*, \(staleExpression) AS is_stale, coalesce(o.name, c.name) AS publisher_name
        FROM community_resource r
        LEFT JOIN organisation o ON o.id = r.organisation_id
        LEFT JOIN council c ON c.id = r.publisher_council_id
        """

    /// One page of current resources (past events left out) with their publishers' names, ordered
    /// by listing order, and the total count: Open Referral pages by number, not by cursor.
    public func openReferralPage(_ page: NumberedPageRequest) async throws -> (items: [PublishedResource], total: Int) {
        let now = database.clock.now()
        let current = "(r.final_end_at IS NULL OR r.final_end_at >= :nowText)"
        let arguments: StatementArguments = [
            "now": now, "nowText": CommunityResourceRecord.detailsTimestamp(now),
            "limit": page.size, "offset": page.offset,
        ]
        return try await database.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM community_resource r WHERE \(current)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "\(Self.publishedSelect) WHERE \(current) ORDER BY r.seq LIMIT :limit OFFSET :offset",
                arguments: arguments)
            let items = try rows.map { row in
                PublishedResource(listed: try ListedResource(row: row), publisherName: row["publisher_name"])
            }
            return (items, total)
        }
    }

    /// One resource with its publisher's name.
    public func publishedResource(_ id: CommunityResourceID) async throws -> PublishedResource {
        let now = database.clock.now()
        return try await database.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "\(Self.publishedSelect) WHERE r.id = :id", arguments: ["id": id.rawValue, "now": now])
            else { throw MarketError.notFound(resource: "community resource") }
            return PublishedResource(listed: try ListedResource(row: row), publisherName: row["publisher_name"])
        }
    }
}
