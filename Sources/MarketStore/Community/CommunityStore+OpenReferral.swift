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
    /// Every current resource that `query` admits, with its publisher: by relevance when it has
    /// text, else in listing order. `located` keeps those with an address or coordinates (the
    /// ones that have a service-at-location). Open Referral pages by number with a total, so the
    /// caller pages the answer; a council's community catalogue is thousands of rows, not millions.
    public func openReferralResources(matching query: OpenReferralQuery, located: Bool = false) async throws -> [PublishedResource] {
        var resources = CommunityResourceQuery(now: database.clock.now())
        resources.currentOnly()
        if let text = query.text {
            guard let match = FullTextQuery(text).matchExpression else { return [] }
            resources.matchText(match)
        }
        if let categories = query.categories { try resources.inCategories(categories.sorted()) }
        if let district = query.district { resources.inArea(district.code) }
        if located {
            resources.filter("(r.details ->> '$.address' IS NOT NULL OR r.details ->> '$.latitude' IS NOT NULL)")
        }
        let request = resources.published
        let found = try await database.read { db in try request.fetchAll(db).map(PublishedResource.init) }
        return found.filter { query.admits($0.listed.resource) }
    }

    /// One current resource by its Open Referral UUID, that of the service (`res_…`) or, with
    /// `suffix`, of one of its parts (`-service-at-location`); `notFound` otherwise.
    public func openReferralResource(uuid: String, suffix: String = "") async throws -> PublishedResource {
        var resources = CommunityResourceQuery(now: database.clock.now())
        resources.currentOnly()
        resources.filter("oruk_uuid(r.id || \(suffix)) = \(uuid.lowercased())")
        let request = resources.published
        return try await database.read { db in
            guard let row = try request.fetchOne(db) else { throw MarketError.notFound(resource: "service") }
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
