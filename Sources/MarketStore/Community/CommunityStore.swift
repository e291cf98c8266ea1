import Foundation
import GRDB
import MarketCore

/// The community catalogue: free resources, their freshness, and search.
/// Reads are public; changes are scoped by `AccessPolicy.communityMaintenanceScope`.
public struct CommunityStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy) {
        self.database = database
        self.taxonomy = taxonomy
    }

    // MARK: Changes

    /// Lists a new resource under the caller's organisation or council, verified now.
    public func create(
        _ input: CommunityResourceInput, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> ListedResource {
        let publisher = try policy.authorizePublishingCommunityResource()
        let resource = try newResource(input, publisher: publisher)
        let now = resource.createdAt
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            try Self.requireCouncil(resource.councilID, db)
            try CommunityResourceRecord(resource).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "community_resource.created",
                subjectType: "community_resource", subjectID: resource.id.rawValue)
            return try Self.listed(resource.id, now: now, db)
        }
    }

    /// Lists a resource for the demo seed, without a policy check; a resource with the same
    /// publisher and title is left as it is, so seeding twice changes nothing.
    func seed(_ input: CommunityResourceInput, publisher: ResourcePublisher) async throws {
        let resource = try newResource(input, publisher: publisher)
        let record = try CommunityResourceRecord(resource)
        try await database.write { db in
            let duplicate = try CommunityResourceRecord
                .filter(CommunityResourceRecord.titleColumn == resource.details.title)
                .filter(CommunityResourceRecord.Columns.organisationId == record.organisationId
                    && CommunityResourceRecord.Columns.publisherCouncilId == record.publisherCouncilId)
                .fetchCount(db)
            if duplicate == 0 { try record.insert(db) }
        }
    }

    /// Changes the fields `patch` sets; the result must be valid as a whole. A change is a verification.
    public func update(
        _ id: CommunityResourceID, patch: CommunityResourceInput, by policy: AccessPolicy
    ) async throws -> ListedResource {
        let now = database.clock.now()
        let taxonomy = self.taxonomy
        return try await changeMaintained(id, by: policy, action: "community_resource.updated") { resource, db in
            let (details, councilID) = try CommunityResourceInput(resource).applying(patch).validated(taxonomy: taxonomy)
            try Self.requireCouncil(councilID, db)
            resource.details = details
            resource.councilID = councilID
            resource.updatedAt = now
        }
    }

    /// Confirms the listing is still right: `last_verified_at` becomes now.
    public func verify(
        _ id: CommunityResourceID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> ListedResource {
        try await changeMaintained(id, by: policy, idempotency: idempotency, action: "community_resource.verified") { _, _ in }
    }

    /// One write transaction for a change to a resource the caller maintains: apply `change`,
    /// mark it verified now, save it, and record `action` in the audit trail.
    private func changeMaintained(
        _ id: CommunityResourceID, by policy: AccessPolicy, idempotency: IdempotencyKey? = nil, action: String,
        _ change: @escaping @Sendable (inout CommunityResource, Database) throws -> Void
    ) async throws -> ListedResource {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            var resource = try Self.maintained(id, by: policy, db)
            try change(&resource, db)
            resource.lastVerifiedAt = now
            try CommunityResourceRecord(resource).updateChangeableColumns(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: action,
                subjectType: "community_resource", subjectID: id.rawValue)
            return try Self.listed(id, now: now, db)
        }
    }

    // MARK: Reads

    /// Any resource, for anyone; `notFound` if it does not exist.
    public func resource(_ id: CommunityResourceID) async throws -> ListedResource {
        let now = database.clock.now()
        return try await database.read { db in try Self.listed(id, now: now, db) }
    }

    /// Searches the catalogue. Without text, pages follow listing order (stable under inserts);
    /// with text, they follow relevance.
    public func search(_ search: CommunitySearch, page: PageRequest) async throws -> Page<ListedResource> {
        var query = CommunityResourceQuery(now: database.clock.now())
        if let text = search.text {
            guard let match = FullTextQuery(text).matchExpression else { return Page(items: [], nextCursor: nil) }
            query.matchText(match)
        }
        if let categories = search.categoryIDs { try query.inCategories(categories) }
        if let area = search.area { query.inArea(area.code) }
        if let kind = search.kind { query.filter("r.kind = \(kind.rawValue)") }
        if search.eventsFrom != nil || search.eventsTo != nil {
            query.filter("r.kind = \(ResourceKind.event.rawValue)")
            if let from = search.eventsFrom {
                query.filter("(r.final_end_at IS NULL OR r.final_end_at >= \(CommunityResourceRecord.detailsTimestamp(from)))")
            }
            if let to = search.eventsTo {
                query.filter("r.starts_at <= \(CommunityResourceRecord.detailsTimestamp(to))")
            }
        }
        if !search.includePast { query.currentOnly() }
        return try await fetchPage(query, page: page)
    }

    /// Stale resources the caller maintains, so they can be re-verified or fixed.
    public func staleResources(by policy: AccessPolicy, page: PageRequest) async throws -> Page<ListedResource> {
        var query = CommunityResourceQuery(now: database.clock.now())
        query.filter(query.isStale)
        switch policy.communityMaintenanceScope {
        case .all:
            break
        case .organisation(let organisation):
            query.filter("r.organisation_id = \(organisation)")
        case .council(let council):
            query.filter("(r.publisher_council_id = \(council) OR r.council_id = \(council))")
        case .none:
            throw MarketError.forbidden("only community publishers and council staff maintain community resources")
        }
        return try await fetchPage(query, page: page)
    }

    /// Runs one page of a resource query. Unranked pages resume after the last `seq` (keyset);
    /// ranked pages resume at an offset, since relevance has no stable key.
    private func fetchPage(_ query: CommunityResourceQuery, page: PageRequest) async throws -> Page<ListedResource> {
        var query = query
        var offset = 0
        if let after = page.after {
            if query.isRanked {
                guard let value = after.offset else { throw MarketError.invalid("cursor", "is not a cursor for this search") }
                offset = value
            } else {
                guard after.key.hasPrefix("s:"), let seq = Int64(after.key.dropFirst(2)) else {
                    throw MarketError.invalid("cursor", "is not a cursor for this search")
                }
                query.filter("r.seq > \(seq)")
            }
        }
        let request = query.listed(limit: page.limit + 1, offset: offset)
        let rows = try await database.read { db in
            try request.fetchAll(db).map { row in
                (seq: row["seq"] as Int64, listed: try ListedResource(row: row))
            }
        }
        guard rows.count > page.limit else { return Page(items: rows.map(\.listed), nextCursor: nil) }
        let shown = rows.prefix(page.limit)
        let next = query.isRanked ? Cursor(offset: offset + page.limit) : Cursor(key: "s:\(shown.last?.seq ?? 0)")
        return Page(items: shown.map(\.listed), nextCursor: next)
    }

    // MARK: Helpers

    /// A validated new resource, verified now. A council's own listings serve its area by default.
    private func newResource(_ input: CommunityResourceInput, publisher: ResourcePublisher) throws -> CommunityResource {
        let (details, councilID) = try input.validated(taxonomy: taxonomy)
        let now = database.clock.now()
        var defaultCouncil: CouncilID?
        if case .council(let council) = publisher { defaultCouncil = council }
        return CommunityResource(
            id: .random(), publisher: publisher, councilID: councilID ?? defaultCouncil,
            details: details, lastVerifiedAt: now, createdAt: now, updatedAt: now)
    }

    private static func requireCouncil(_ council: CouncilID?, _ db: Database) throws {
        if let council, try !CouncilRecord.exists(db, key: council.rawValue) {
            throw MarketError.invalid("council_id", "no such council")
        }
    }

    /// The resource if the caller maintains it; `notFound` otherwise (its existence is public,
    /// but another publisher's resource is not theirs to change).
    private static func maintained(_ id: CommunityResourceID, by policy: AccessPolicy, _ db: Database) throws -> CommunityResource {
        if policy.communityMaintenanceScope == .none {
            throw MarketError.forbidden("only community publishers and council staff maintain community resources")
        }
        guard let record = try CommunityResourceRecord.filter(CommunityResourceRecord.Columns.id == id.rawValue).fetchOne(db),
            case let resource = try record.resource(), policy.communityMaintenanceScope.contains(resource)
        else { throw MarketError.notFound(resource: "community resource") }
        return resource
    }

    private static func listed(_ id: CommunityResourceID, now: Date, _ db: Database) throws -> ListedResource {
        var query = CommunityResourceQuery(now: now)
        query.filter("r.id = \(id)")
        guard let row = try query.listed(limit: 1, offset: 0).fetchOne(db) else {
            throw MarketError.notFound(resource: "community resource")
        }
        return try ListedResource(row: row)
    }
}
