import Foundation
import GRDB
import Logging
import MarketCore

/// Provider stores and their offerings: the public catalogue. Council rates are in
/// `CatalogueStore+Rates.swift`, search in `CatalogueStore+Search.swift`.
///
/// Reads take the caller's policy (`nil` for anonymous callers), which decides what they see and
/// which prices; every change is one write transaction with its audit event.
public struct CatalogueStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy
    /// Where searches are logged (without personal data) for the unmet-demand report.
    public let demand: SearchDemandRecorder
    /// The published catalogue in memory, which answers searches (see `SearchIndex`).
    let index: SearchIndex

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy, searchPageCache: Bool = true) {
        self.database = database
        self.taxonomy = taxonomy
        self.demand = SearchDemandRecorder(database: database)
        self.index = SearchIndex(pageCache: searchPageCache)
    }

    /// Builds the search index now rather than on the first search (`serve` calls this at start).
    public func warmSearchIndex(logger: Logger) async {
        await index.warm(database, logger: logger)
    }

    // MARK: Stores

    /// A provider's public store; `notFound` if the organisation is not a provider.
    public func storefront(_ provider: OrganisationID) async throws -> Storefront {
        try await database.read { db in try Self.storefront(provider, db) }
    }

    /// Changes what `patch` sets; provider staff change only their own store.
    public func updateStorefront(_ provider: OrganisationID, patch: StorefrontPatch, by policy: AccessPolicy) async throws -> Storefront {
        try policy.authorizeEditingCatalogue(of: provider)
        let now = database.clock.now()
        return try await database.write { db in
            var store = try patch.applied(to: try Self.storefront(provider, db))
            store.updatedAt = now
            try ProviderStoreRecord(store).update(db)
            try db.execute(sql: "UPDATE organisation SET name = ? WHERE id = ?", arguments: [store.name, provider.rawValue])
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "provider_store.updated",
                subjectType: "organisation", subjectID: provider.rawValue)
            return store
        }
    }

    static func storefront(_ provider: OrganisationID, _ db: Database) throws -> Storefront {
        let sql = "SELECT s.*, g.name AS store_name FROM provider_store s JOIN organisation g ON g.id = s.organisation_id WHERE s.organisation_id = ?"
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [provider.rawValue]) else {
            throw MarketError.notFound(resource: "provider")
        }
        var store = try ProviderStoreRecord(row: row).storefront(name: row["store_name"])
        store.regulator = try RegulatorStore.registration(of: provider, db)
        return store
    }

    // MARK: Offerings

    /// Creates a draft offering in the caller's own store.
    public func createOffering(
        _ input: OfferingInput, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> ListedOffering {
        let provider = try policy.authorizeCreatingOffering()
        let details = try input.validated(taxonomy: taxonomy)
        let now = database.clock.now()
        let offering = Offering(
            id: .random(), providerID: provider, details: details, status: .draft,
            createdAt: now, updatedAt: now, publishedAt: nil)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            try OfferingRecord(offering).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "offering.created",
                subjectType: "offering", subjectID: offering.id.rawValue)
            return try Self.listed(offering.id, audience: policy.priceAudience, today: CalendarDay(now), db)
        }
    }

    /// The offering as the caller sees it; drafts and unpublished offerings are `notFound`
    /// outside their provider.
    public func offering(_ id: OfferingID, viewer: AccessPolicy?) async throws -> ListedOffering {
        let today = CalendarDay(database.clock.now())
        return try await database.read { db in
            let listed = try Self.listed(id, audience: viewer?.priceAudience ?? .publicPrices, today: today, db)
            try Self.requireVisible(listed.offering, to: viewer)
            return listed
        }
    }

    /// Changes what `patch` sets; the result must be valid as a whole. A new public price is
    /// recorded in the price history by the schema, in this transaction.
    public func updateOffering(_ id: OfferingID, patch: OfferingInput, by policy: AccessPolicy) async throws -> ListedOffering {
        let taxonomy = self.taxonomy
        return try await changeOffering(id, by: policy, action: "offering.updated") { offering in
            offering.details = try OfferingInput(offering.details).applying(patch).validated(taxonomy: taxonomy)
            return true
        }
    }

    /// Makes the offering visible to everyone. Publishing a published offering changes nothing.
    public func publish(_ id: OfferingID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> ListedOffering {
        let now = database.clock.now()
        return try await changeOffering(id, by: policy, idempotency: idempotency, action: "offering.published") { offering in
            guard offering.status != .published else { return false }
            offering.status = .published
            offering.publishedAt = offering.publishedAt ?? now
            return true
        }
    }

    /// Takes a published offering out of the catalogue; a draft was never in it (`conflict`).
    public func unpublish(_ id: OfferingID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> ListedOffering {
        try await changeOffering(id, by: policy, idempotency: idempotency, action: "offering.unpublished") { offering in
            switch offering.status {
            case .draft: throw MarketError.conflict("a draft offering was never published")
            case .unpublished: return false
            case .published:
                offering.status = .unpublished
                return true
            }
        }
    }

    /// One write transaction for a change to an offering the caller edits: apply `change`
    /// (which answers whether anything changed), save only the changed columns, audit it, and
    /// announce it when `action` is an event (`offering.published`, `offering.unpublished`).
    private func changeOffering(
        _ id: OfferingID, by policy: AccessPolicy, idempotency: IdempotencyKey? = nil, action: String,
        _ change: @escaping @Sendable (inout Offering) throws -> Bool
    ) async throws -> ListedOffering {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            guard let record = try OfferingRecord.filter(OfferingRecord.Columns.id == id.rawValue).fetchOne(db) else {
                throw MarketError.notFound(resource: "offering")
            }
            var offering = try record.offering()
            try Self.requireVisible(offering, to: policy)
            try policy.authorizeEditingCatalogue(of: offering.providerID)
            if try change(&offering) {
                offering.updatedAt = now
                try OfferingRecord(offering, seq: record.seq).updateChanges(db, from: record)
                try AuditEventRecord.append(
                    db, at: now, actor: policy.principal.userID, action: action,
                    subjectType: "offering", subjectID: id.rawValue)
                if let event = EventType(rawValue: action) {
                    try OutboxEventRecord.append(db, event, at: now, payload: [
                        "offering_id": .string(id.rawValue), "provider_id": .string(offering.providerID.rawValue),
                        "category": .string(offering.details.category), "public_price_pence": .integer(offering.details.publicPricePence),
                    ], audience: .organisation(offering.providerID))
                }
            }
            return try Self.listed(id, audience: policy.priceAudience, today: CalendarDay(now), db)
        }
    }

    /// Every public price the offering has had, oldest first.
    public func priceHistory(_ id: OfferingID, viewer: AccessPolicy?, page: PageRequest) async throws -> Page<PricePoint> {
        try await database.read { db in
            try Self.requireVisible(try Self.offeringRecord(id, db).offering(), to: viewer)
            return try OfferingPriceRecord.filter(OfferingPriceRecord.Columns.offeringId == id)
                .fetchPage(page, by: OfferingPriceRecord.Columns.id, .ascending, key: \.id, db)
                .map { PricePoint(publicPricePence: $0.publicPricePence, effectiveFrom: $0.effectiveFrom) }
        }
    }

    // MARK: Helpers

    static func offeringRecord(_ id: OfferingID, _ db: Database) throws -> OfferingRecord {
        guard let record = try OfferingRecord.filter(OfferingRecord.Columns.id == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: "offering")
        }
        return record
    }

    /// Only published offerings are seen outside their provider; others are `notFound`.
    static func requireVisible(_ offering: Offering, to viewer: AccessPolicy?) throws {
        guard offering.status == .published || viewer?.maySeeUnpublished(of: offering.providerID) == true else {
            throw MarketError.notFound(resource: "offering")
        }
    }

    static func listed(_ id: OfferingID, audience: PriceAudience, today: CalendarDay, _ db: Database) throws -> ListedOffering {
        var query = ListedOfferingQuery(source: .everyStatus, audience: audience, today: today)
        query.filter("l.id = \(id)")
        guard let listed = try query.prepared(order: [.ascending("seq")], limit: 1, offset: 0).fetchAll(db).first else {
            throw MarketError.notFound(resource: "offering")
        }
        return listed.offering
    }
}
