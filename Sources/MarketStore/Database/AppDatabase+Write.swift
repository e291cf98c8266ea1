import Foundation
import GRDB
import MarketCore

extension AppDatabase {
    /// Runs one business action in one write transaction, so that it lands entirely or not at all.
    /// A schema constraint that fires becomes a `MarketError` (`ConstraintViolation`), never a 500.
    package func write<Result: Sendable>(
        _ action: @escaping @Sendable (Database) throws -> Result
    ) async throws -> Result {
        do {
            return try await writer.write(action)
        } catch let error as DatabaseError {
            throw ConstraintViolation.marketError(for: error) ?? error
        }
    }

    /// Runs one business action in one write transaction, guarded by the caller's idempotency key.
    ///
    /// The key's record is checked and written in the same transaction as the action: a repeat
    /// with the same fingerprint returns the stored result without running `action`; a repeat with
    /// another fingerprint throws `MarketError.idempotencyKeyReused`. Keys are scoped to `caller`
    /// and kept for `IdempotencyKey.retention`; an older record counts as absent (and is replaced).
    package func write<Result: Codable & Sendable>(
        as caller: UserID?,
        idempotency: IdempotencyKey?,
        _ action: @escaping @Sendable (Database) throws -> Result
    ) async throws -> Result {
        guard let idempotency, let caller else { return try await write(action) }
        let now = clock.now()
        let keptSince = now.addingTimeInterval(-IdempotencyKey.retention)
        return try await write { db in
            if let stored = try IdempotencyRecord.fetchOne(db, key: IdempotencyRecord.primaryKey(idempotency, caller: caller)) {
                if stored.createdAt >= keptSince {
                    guard stored.requestFingerprint == idempotency.fingerprint else {
                        throw MarketError.idempotencyKeyReused
                    }
                    do {
                        return try JSONDecoder().decode(Result.self, from: Data(stored.response.utf8))
                    } catch is DecodingError {
                        // Stored by an earlier release in a shape this one no longer reads (and
                        // no HTTP answer kept): never act again, never a 500.
                        throw MarketError.conflict(
                            "the first request with this Idempotency-Key was answered by an earlier release and its answer cannot be sent again: check what it did, and use a new key for anything more")
                    }
                }
                try stored.delete(db)
            }
            let result = try action(db)
            let response = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            try IdempotencyRecord(
                userId: caller, idempotencyKey: idempotency.key,
                requestFingerprint: idempotency.fingerprint, response: response, createdAt: now
            ).insert(db)
            return result
        }
    }

    /// Reads a consistent snapshot.
    package func read<Result: Sendable>(_ body: @escaping @Sendable (Database) throws -> Result) async throws -> Result {
        try await writer.read(body)
    }
}

struct IdempotencyRecord: MarketRecord {
    static let databaseTableName = "idempotency_record"
    var userId: UserID
    var idempotencyKey: String
    var requestFingerprint: String
    /// The action's result, as the store returned it: what a retry replays when no answer was kept.
    var response: String
    var createdAt: Date
    /// The HTTP answer of the first request (`IdempotencyStore.keep`), kept after it was made.
    var answerStatus: Int? = nil
    var answerContentType: String? = nil
    var answerLocation: String? = nil
    var answerBody: Data? = nil

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case response
        case userId = "user_id"
        case idempotencyKey = "idempotency_key"
        case requestFingerprint = "request_fingerprint"
        case createdAt = "created_at"
        case answerStatus = "answer_status"
        case answerContentType = "answer_content_type"
        case answerLocation = "answer_location"
        case answerBody = "answer_body"
    }

    /// The primary key of the record of `key` sent by `caller` (keys are scoped to their caller).
    static func primaryKey(_ key: IdempotencyKey, caller: UserID) -> [String: any DatabaseValueConvertible] {
        [Columns.userId.rawValue: caller, Columns.idempotencyKey.rawValue: key.key]
    }

    typealias Columns = CodingKeys
}

/// One line of the append-only audit trail, written in the transaction of the action it records.
struct AuditEventRecord: MarketRecord {
    static let databaseTableName = "audit_event"
    var id: Int64?
    var occurredAt: Date
    var actorUserId: UserID?
    var action: String
    var subjectType: String
    var subjectId: String
    var details: String

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, action, details
        case occurredAt = "occurred_at"
        case actorUserId = "actor_user_id"
        case subjectType = "subject_type"
        case subjectId = "subject_id"
    }

    typealias Columns = CodingKeys

    /// Written out, not `Codable`: every action writes one.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.occurredAt] = occurredAt
        container[Columns.actorUserId] = actorUserId
        container[Columns.action] = action
        container[Columns.subjectType] = subjectType
        container[Columns.subjectId] = subjectId
        container[Columns.details] = details
    }

    /// Appends an audit event; `details` is written as a JSON object (keys sorted).
    static func append(
        _ db: Database, at time: Date, actor: UserID?, action: String, subjectType: String, subjectID: String,
        details: [String: String] = [:]
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_event (occurred_at, actor_user_id, action, subject_type, subject_id, details)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [time, actor, action, subjectType, subjectID, FlatJSON.object(details)])
    }
}
