import Foundation
import GRDB
import MarketCore

struct ConcernRecord: MarketRecord {
    static let databaseTableName = "concern"
    var seq: Int64?
    var id: ConcernID
    var councilId: CouncilID
    var aboutProviderId: OrganisationID?
    var aboutBudgetHolderId: BudgetHolderID?
    var about: String?
    var description: String
    var urgency: ConcernUrgency
    var status: ConcernStatus
    var outcome: String?
    var raisedBy: UserID
    var raisedAt: Date
    var acknowledgedBy: UserID?
    var acknowledgedAt: Date?
    var closedBy: UserID?
    var closedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, about, description, urgency, status, outcome
        case councilId = "council_id"
        case aboutProviderId = "about_provider_id"
        case aboutBudgetHolderId = "about_budget_holder_id"
        case raisedBy = "raised_by"
        case raisedAt = "raised_at"
        case acknowledgedBy = "acknowledged_by"
        case acknowledgedAt = "acknowledged_at"
        case closedBy = "closed_by"
        case closedAt = "closed_at"
    }

    typealias Columns = CodingKeys

    var concern: Concern {
        let subject: ConcernSubject = if let aboutProviderId { .provider(aboutProviderId) } else if let aboutBudgetHolderId {
            .budgetHolder(aboutBudgetHolderId)
        } else { .described(about ?? "") }
        return Concern(
            id: id, councilID: councilId, subject: subject, description: description, urgency: urgency, status: status,
            outcome: outcome, raisedBy: raisedBy, raisedAt: raisedAt, acknowledgedAt: acknowledgedAt, closedAt: closedAt)
    }
}

extension ConcernUrgency: DatabaseValueConvertible {}
extension ConcernStatus: DatabaseValueConvertible {}

/// Safeguarding concerns: raised by anyone signed in, handled by the admins of the council they
/// are raised with, and never shown to anyone else but (as a status) the person who raised them.
///
/// Whoever reads a concern is decided here in one place, `visible`: the council's admins read
/// it whole; its raiser reads it too, and the API answers them with its status only.
public struct ConcernStore: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Raises a concern with `new.councilID`, or (about a budget holder) with the holder's council.
    /// The outbox event names only the concern, its council and its urgency.
    public func raise(_ new: NewConcern, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Concern {
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            var council = new.councilID
            var aboutProvider: OrganisationID?, aboutHolder: BudgetHolderID?, about: String?
            switch new.subject {
            case .provider(let provider):
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM provider_store WHERE organisation_id = ?", arguments: [provider]) == true
                else { throw MarketError.invalid("about_provider_id", "is not a provider on the market") }
                aboutProvider = provider
            case .budgetHolder(let holder):
                guard let row = try Row.fetchOne(db, sql: "SELECT council_id FROM budget_holder WHERE id = ?", arguments: [holder]) else {
                    throw MarketError.invalid("about_budget_holder_id", "is not a budget holder on the market")
                }
                council = council ?? row["council_id"]
                aboutHolder = holder
            case .described(let text):
                about = text
            }
            guard let council, try Bool.fetchOne(db, sql: "SELECT 1 FROM council WHERE id = ?", arguments: [council]) == true else {
                throw MarketError.invalid("council_id", "must be a council on the market: the one to tell")
            }
            let record = ConcernRecord(
                id: .random(), councilId: council, aboutProviderId: aboutProvider, aboutBudgetHolderId: aboutHolder, about: about,
                description: new.description, urgency: new.urgency, status: .received, raisedBy: user, raisedAt: now)
            try record.insert(db)
            let summary: EventPayload = [
                "concern_id": .string(record.id.rawValue), "council_id": .string(council.rawValue), "urgency": .string(new.urgency.rawValue),
            ]
            try AuditEventRecord.append(
                db, at: now, actor: user, action: "concern.raised", subjectType: "concern", subjectID: record.id.rawValue,
                details: summary.auditText)
            // That council alone: never the provider or person it is about, never anyone else.
            try OutboxEventRecord.append(db, .concernRaised, at: now, payload: summary, audience: .council(council))
            return record.concern
        }
    }

    /// The concerns the caller handles (their council's) or raised, newest first.
    public func concerns(by policy: AccessPolicy, status: ConcernStatus?, page: PageRequest) async throws -> Page<Concern> {
        var request = ConcernRecord.all().visible(to: policy)
        if let status { request = request.filter(ConcernRecord.Columns.status == status) }
        let concerns = request
        return try await database.read { db in
            try concerns.fetchPage(page, by: ConcernRecord.Columns.seq, .descending, key: \.seq, db)
        }.map(\.concern)
    }

    public func concern(_ id: ConcernID, by policy: AccessPolicy) async throws -> Concern {
        try await database.read { db in try Self.load(id, policy: policy, db) }
    }

    /// The council's admins acknowledge a concern they have received.
    public func acknowledge(_ id: ConcernID, by policy: AccessPolicy) async throws -> Concern {
        try await handle(id, by: policy, action: "concern.acknowledged", details: [:]) { concern, user, now, db in
            try ConcernRecord.write(concern.applying(.acknowledge, at: now), from: concern, by: user, db)
        }
    }

    /// The council's admins close a concern with what came of it.
    public func close(_ id: ConcernID, outcome: String?, by policy: AccessPolicy) async throws -> Concern {
        var v = Validator()
        let outcome = v.text(outcome ?? "", "outcome", maxLength: 4000)
        try v.throwIfInvalid()
        return try await handle(id, by: policy, action: "concern.closed", details: [:]) { concern, user, now, db in
            try ConcernRecord.write(concern.applying(.close(outcome: outcome), at: now), from: concern, by: user, db)
        }
    }

    private func handle(
        _ id: ConcernID, by policy: AccessPolicy, action: String, details: [String: String],
        _ change: @escaping @Sendable (Concern, UserID, Date, Database) throws -> Void
    ) async throws -> Concern {
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write { db in
            let concern = try Self.load(id, policy: policy, db)
            try policy.authorizeHandling(concernOf: concern.councilID)
            try change(concern, user, now, db)
            try AuditEventRecord.append(
                db, at: now, actor: user, action: action, subjectType: "concern", subjectID: id.rawValue, details: details)
            return try Self.load(id, policy: policy, db)
        }
    }

    static func load(_ id: ConcernID, policy: AccessPolicy, _ db: Database) throws -> Concern {
        guard let record = try ConcernRecord.all().visible(to: policy).filter(ConcernRecord.Columns.id == id).fetchOne(db) else {
            throw MarketError.notFound(resource: "concern")
        }
        return record.concern
    }
}

extension DerivableRequest<ConcernRecord> {
    /// The concerns `policy` may read: a council admin's council's, and the ones the caller raised.
    func visible(to policy: AccessPolicy) -> Self {
        let raisedByCaller = ConcernRecord.Columns.raisedBy == policy.principal.userID
        guard let council = policy.safeguardingCouncil else { return filter(raisedByCaller) }
        return filter(ConcernRecord.Columns.councilId == council || raisedByCaller)
    }
}

extension ConcernRecord {
    /// Writes a concern after one of its steps (`Concern.applying`) from `before`: its status,
    /// and each decision the step made, by `user`.
    static func write(_ concern: Concern, from before: Concern, by user: UserID, _ db: Database) throws {
        var assignments = [Columns.status.set(to: concern.status)]
        if before.acknowledgedAt == nil, let acknowledgedAt = concern.acknowledgedAt {
            assignments += [Columns.acknowledgedBy.set(to: user), Columns.acknowledgedAt.set(to: acknowledgedAt)]
        }
        if concern.status == .closed {
            assignments += [Columns.outcome.set(to: concern.outcome), Columns.closedBy.set(to: user), Columns.closedAt.set(to: concern.closedAt)]
        }
        try filter(Columns.id == concern.id).updateAll(db, assignments)
    }
}
