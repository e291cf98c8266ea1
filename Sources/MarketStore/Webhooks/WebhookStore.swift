import Foundation
import GRDB
import MarketCore

/// Webhook endpoints, their deliveries and the event feed.
///
/// At least once, nothing lost: `fanOut` turns each committed event into one delivery per
/// matching endpoint in one transaction (a unique index makes a repeat add nothing); a delivery
/// is `succeeded` only after a 2xx was recorded, so a crash at any instant leaves it `pending`,
/// sent again after restart with the same `webhook-id`.
public struct WebhookStore: Sendable {
    let database: AppDatabase
    public let urlPolicy: WebhookURLPolicy
    /// An endpoint failing without a break for this long is disabled (default 5 days).
    public let disableAfter: TimeInterval

    public static let attemptsShown = 10
    public static let secretOverlap: TimeInterval = 86_400

    public init(database: AppDatabase, urlPolicy: WebhookURLPolicy, disableAfter: TimeInterval = 5 * 86_400) {
        self.database = database
        self.urlPolicy = urlPolicy
        self.disableAfter = disableAfter
    }

    // MARK: Helpers

    /// The endpoint if the caller's organisation or council owns it; `notFound` otherwise.
    static func owned(_ id: WebhookEndpointID, by policy: AccessPolicy, _ db: Database) throws -> WebhookEndpointRecord {
        guard let owner = policy.webhookOwner,
            let record = try WebhookEndpointRecord.all().owned(by: owner).filter(WebhookEndpointRecord.Columns.id == id.rawValue).fetchOne(db)
        else { throw MarketError.notFound(resource: "webhook endpoint") }
        return record
    }

    static func fail(_ delivery: DueDelivery, attempts: Int, _ result: AttemptResult, at now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE webhook_delivery SET status = 'failed', attempts = ?, next_attempt_at = NULL, last_attempt_at = ?,
                last_status_code = ? WHERE seq = ?
            """).execute(arguments: [attempts, now, result.statusCode, delivery.seq])
    }

    /// Disables the endpoint and tells its owner, through its other endpoints and the feed.
    static func disable(_ id: WebhookEndpointID, reason: String, at now: Date, _ db: Database) throws {
        guard let record = try WebhookEndpointRecord.filter(WebhookEndpointRecord.Columns.id == id.rawValue).fetchOne(db),
            record.enabled
        else { return }
        try db.execute(
            sql: "UPDATE webhook_endpoint SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?", arguments: [reason, now, id])
        try AuditEventRecord.append(
            db, at: now, actor: nil, action: EventType.webhookEndpointDisabled.rawValue, subjectType: "webhook_endpoint",
            subjectID: id.rawValue, details: ["reason": reason])
        let audience = WebhookOwner(id: record.ownerId).map { owner in
            switch owner {
            case .organisation(let organisation): EventAudience.organisation(organisation)
            case .council(let council): EventAudience.council(council)
            }
        } ?? EventAudience()
        try OutboxEventRecord.append(
            db, .webhookEndpointDisabled, at: now, payload: ["endpoint_id": .string(id.rawValue), "reason": .string(reason)],
            audience: audience)
    }

    static func delivery(_ row: Row, _ db: Database) throws -> WebhookDelivery {
        let seq: Int64 = row["seq"]
        let attempts = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM webhook_attempt WHERE delivery_seq = ? ORDER BY seq DESC LIMIT ?
            """), arguments: [seq, attemptsShown]).map { attempt in
            WebhookDelivery.Attempt(
                attemptedAt: attempt["attempted_at"], statusCode: attempt["status_code"], durationMilliseconds: attempt["duration_ms"],
                error: attempt["error"], responseExcerpt: attempt["response_excerpt"])
        }
        return WebhookDelivery(
            id: row["id"], endpointID: row["endpoint_id"], eventID: row["event_id"], eventType: row["event_type"], eventSeq: row["event_seq"],
            status: row["status"], attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], lastStatusCode: row["last_status_code"],
            createdAt: row["created_at"], succeededAt: row["succeeded_at"], recentAttempts: attempts)
    }

    /// The first 1 KiB of a response, cut at a character boundary.
    static func excerpt(_ text: String) -> String {
        var excerpt = ""
        var bytes = 0
        for character in text {
            let size = String(character).utf8.count
            guard bytes + size <= 1024 else { break }
            excerpt.append(character)
            bytes += size
        }
        return excerpt
    }

    static func typesJSON(_ types: [EventType]) -> String { stringsJSON(types.map(\.rawValue)) }

    static func stringsJSON(_ strings: [String]) -> String { "[" + strings.map(FlatJSON.string).joined(separator: ",") + "]" }

    static func audit(_ action: String, _ record: WebhookEndpointRecord, actor: UserID, at now: Date, _ db: Database) throws {
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: action, subjectType: "webhook_endpoint", subjectID: record.id.rawValue,
            details: ["owner_id": record.ownerId, "url": record.url, "enabled": String(record.enabled)])
    }
}

/// Endpoint secrets: `whsec_` and base64 of 32 random bytes (Standard Webhooks).
enum WebhookSecret {
    static func new() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
