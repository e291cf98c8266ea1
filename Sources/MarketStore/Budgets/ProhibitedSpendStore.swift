import Foundation
import GRDB
import MarketCore

struct ProhibitedSpendRecord: MarketRecord {
    static let databaseTableName = "prohibited_spend"
    var seq: Int64?
    var id: ProhibitedSpendID
    var councilId: CouncilID
    var category: String?
    var offeringId: OfferingID?
    var reason: String
    var addedBy: UserID
    var addedAt: Date
    var withdrawnBy: UserID?
    var withdrawnAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, category, reason
        case councilId = "council_id"
        case offeringId = "offering_id"
        case addedBy = "added_by"
        case addedAt = "added_at"
        case withdrawnBy = "withdrawn_by"
        case withdrawnAt = "withdrawn_at"
    }

    typealias Columns = CodingKeys

    var entry: ProhibitedSpend {
        ProhibitedSpend(id: id, councilID: councilId, category: category, offeringID: offeringId, reason: reason, addedAt: addedAt)
    }
}

extension DerivableRequest<ProhibitedSpendRecord> {
    /// The entries of `council`'s list that apply now (not withdrawn).
    func live(of council: CouncilID) -> Self {
        filter(ProhibitedSpendRecord.Columns.councilId == council.rawValue && ProhibitedSpendRecord.Columns.withdrawnAt == nil)
    }
}

/// Each council's list of what its funds may not buy: read by anyone (councils publish it), kept
/// by the council's admins and commissioners, and applied by `OrderStore` through
/// `FundingStream.refusal` when an order or a quote is priced.
public struct ProhibitedSpendStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy) {
        self.database = database
        self.taxonomy = taxonomy
    }

    /// The council's live entries, newest first; `notFound` for an unknown council.
    public func list(of council: CouncilID, page: PageRequest) async throws -> Page<ProhibitedSpend> {
        try await database.read { db in
            try Self.requireCouncil(council, db)
            return try ProhibitedSpendRecord.all().live(of: council)
                .fetchPage(page, by: ProhibitedSpendRecord.Columns.seq, .descending, key: \.seq, db).map(\.entry)
        }
    }

    /// Adds an entry to the council's list, with its audit event. The same subject twice is a conflict.
    public func add(
        _ new: NewProhibitedSpend, to council: CouncilID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> ProhibitedSpend {
        try policy.authorizeKeepingProhibitedSpend(of: council)
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            try Self.requireCouncil(council, db)
            if let offering = new.offeringID,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM offering WHERE id = ?", arguments: [offering]) != true
            {
                throw MarketError.invalid("offering_id", "is not an offering on the market")
            }
            guard let entry = try Self.insert(new, council: council, addedBy: user, at: now, db) else {
                throw MarketError.conflict("the council's list already has \(new.category ?? new.offeringID?.rawValue ?? "it")")
            }
            return entry
        }
    }

    /// Withdraws an entry: orders it refused may now be placed. The entry stays on record.
    public func withdraw(_ id: ProhibitedSpendID, of council: CouncilID, by policy: AccessPolicy) async throws {
        try policy.authorizeKeepingProhibitedSpend(of: council)
        let now = database.clock.now()
        let user = policy.principal.userID
        try await database.write { db in
            guard let record = try ProhibitedSpendRecord.all().live(of: council)
                .filter(ProhibitedSpendRecord.Columns.id == id.rawValue).fetchOne(db)
            else { throw MarketError.notFound(resource: "prohibited-spend entry") }
            try db.execute(
                sql: "UPDATE prohibited_spend SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?", arguments: [user, now, id])
            try Self.audit("prohibited_spend.withdrawn", record.entry, actor: user, at: now, db)
        }
    }

    /// The demo's lists: adds the entry unless the council's list has it already.
    func seed(_ new: NewProhibitedSpend, council: CouncilID, addedBy user: UserID) async throws {
        let now = database.clock.now()
        _ = try await database.write { db in try Self.insert(new, council: council, addedBy: user, at: now, db) }
    }

    /// Adds the entry with its audit event; `nil` (nothing written) when the council's list has
    /// that subject already.
    private static func insert(
        _ new: NewProhibitedSpend, council: CouncilID, addedBy user: UserID, at now: Date, _ db: Database
    ) throws -> ProhibitedSpend? {
        let live = try ProhibitedSpendRecord.all().live(of: council).fetchAll(db)
        guard !live.contains(where: { $0.category == new.category && $0.offeringId == new.offeringID }) else { return nil }
        let record = ProhibitedSpendRecord(
            id: .random(), councilId: council, category: new.category, offeringId: new.offeringID, reason: new.reason,
            addedBy: user, addedAt: now)
        try record.insert(db)
        try audit("prohibited_spend.added", record.entry, actor: user, at: now, db)
        return record.entry
    }

    /// The entries that bind `council`'s funds now; none for a self-funder (`nil`).
    static func live(for council: CouncilID?, _ db: Database) throws -> [ProhibitedSpend] {
        guard let council else { return [] }
        return try ProhibitedSpendRecord.all().live(of: council).fetchAll(db).map(\.entry)
    }

    private static func requireCouncil(_ council: CouncilID, _ db: Database) throws {
        guard try CouncilRecord.exists(db, key: council.rawValue) else { throw MarketError.notFound(resource: "council") }
    }

    private static func audit(_ action: String, _ entry: ProhibitedSpend, actor: UserID, at now: Date, _ db: Database) throws {
        var details = ["council_id": entry.councilID.rawValue, "reason": entry.reason]
        if let category = entry.category { details["category"] = category }
        if let offering = entry.offeringID { details["offering_id"] = offering.rawValue }
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: action, subjectType: "prohibited_spend", subjectID: entry.id.rawValue, details: details)
    }
}
