import Foundation
import GRDB
import MarketCore

struct WebhookEndpointRecord: MarketRecord {
    static let databaseTableName = "webhook_endpoint"
    var seq: Int64?
    var id: WebhookEndpointID
    var ownerId: String
    var url: String
    var description: String?
    var eventTypes: String
    var enabled: Bool
    var disabledReason: String?
    var secret: String
    var previousSecret: String?
    var previousSecretUntil: Date?
    var failingSince: Date?
    var createdBy: UserID
    var createdAt: Date
    var updatedAt: Date
    var deletedAt: Date?

    enum Columns {
        static let seq = Column("seq")
        static let id = Column("id")
        static let ownerID = Column("owner_id")
        static let deletedAt = Column("deleted_at")
    }

    var endpoint: WebhookEndpoint {
        let types = (try? JSONDecoder().decode([String].self, from: Data(eventTypes.utf8))) ?? []
        return WebhookEndpoint(
            id: id, ownerID: ownerId, url: url, description: description, eventTypes: types.compactMap(EventType.init),
            enabled: enabled, disabledReason: disabledReason, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension DerivableRequest<WebhookEndpointRecord> {
    /// The endpoints of `owner` that are not deleted.
    func owned(by owner: WebhookOwner) -> Self {
        filter(WebhookEndpointRecord.Columns.ownerID == owner.id && WebhookEndpointRecord.Columns.deletedAt == nil)
    }
}

/// A delivery of one event to one endpoint, with its latest attempts.
public struct WebhookDelivery: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending
        case succeeded
        case failed
    }

    public struct Attempt: Sendable, Equatable, Codable {
        public let attemptedAt: Date
        public let statusCode: Int?
        public let durationMilliseconds: Int
        public let error: String?
        public let responseExcerpt: String?
    }

    public let id: WebhookDeliveryID
    public let endpointID: WebhookEndpointID
    /// The event's id: the `webhook-id` header, the same on every attempt.
    public let eventID: OutboxEventID
    public let eventType: String
    public let eventSeq: Int64
    public let status: Status
    public let attempts: Int
    public let nextAttemptAt: Date?
    public let lastStatusCode: Int?
    public let createdAt: Date
    public let succeededAt: Date?
    /// The most recent first, at most `WebhookStore.attemptsShown`.
    public let recentAttempts: [Attempt]
}

extension WebhookDelivery.Status: DatabaseValueConvertible {}

/// One event as the feed and webhooks show it: its sequence (the feed's cursor), id, type, time
/// and typed payload (JSON text as written).
public struct PublishedEvent: Sendable, Equatable {
    public let seq: Int64
    public let id: OutboxEventID
    public let type: String
    public let occurredAt: Date
    public let payloadJSON: String

    /// The payload as written (typed); empty if it cannot be read.
    public var payload: EventPayload {
        (try? JSONDecoder().decode(EventPayload.self, from: Data(payloadJSON.utf8))) ?? [:]
    }

    /// The webhook body: `{"type", "timestamp", "data"}`.
    public var webhookBody: String {
        "{\"type\":\(FlatJSON.string(type)),\"timestamp\":\(FlatJSON.string(occurredAt.formatted(Date.ISO8601FormatStyle()))),\"data\":\(payloadJSON)}"
    }
}

/// A delivery the dispatcher is to send now: where, with which secrets, and what.
public struct DueDelivery: Sendable, Equatable {
    public let seq: Int64
    public let endpointID: WebhookEndpointID
    public let url: String
    /// The current secret, then the previous one while a rotation's 24 hours last.
    public let secrets: [String]
    public let attemptsMade: Int
    public let event: PublishedEvent
}

/// What one attempt came to, as the transport saw it.
public struct AttemptResult: Sendable, Equatable {
    public let statusCode: Int?
    public let durationMilliseconds: Int
    public let error: String?
    public let responseExcerpt: String?
    public let retryAfter: TimeInterval?

    public init(statusCode: Int?, durationMilliseconds: Int, error: String?, responseExcerpt: String?, retryAfter: TimeInterval?) {
        self.statusCode = statusCode
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.responseExcerpt = responseExcerpt
        self.retryAfter = retryAfter
    }
}

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

    // MARK: Endpoints

    /// Creates an endpoint for the caller's organisation or council; the answer carries its
    /// secret, which is never shown again.
    public func create(
        _ input: WebhookEndpointInput, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        let owner = try policy.authorizeManagingWebhooks()
        let now = database.clock.now()
        let secret = WebhookSecret.new()
        let result = try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let record = WebhookEndpointRecord(
                id: .random(), ownerId: owner.id, url: input.url ?? "", description: input.description ?? nil,
                eventTypes: Self.typesJSON(input.eventTypes ?? []), enabled: input.enabled ?? true, secret: secret,
                createdBy: policy.principal.userID, createdAt: now, updatedAt: now)
            try record.insert(db)
            try Self.audit("webhook_endpoint.created", record, actor: policy.principal.userID, at: now, db)
            return CreatedEndpoint(endpoint: record.endpoint, secret: record.secret)
        }
        return (result.endpoint, result.secret)
    }

    /// What an idempotent create or rotation replays: the endpoint and the secret it was given.
    struct CreatedEndpoint: Codable, Sendable {
        let endpoint: WebhookEndpoint
        let secret: String
    }

    public func endpoints(by policy: AccessPolicy, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        guard let owner = policy.webhookOwner else { return Page(items: [], nextCursor: nil) }
        return try await database.read { db in
            var request = WebhookEndpointRecord.all().owned(by: owner)
            if let after = try page.afterRowNumber() { request = request.filter(WebhookEndpointRecord.Columns.seq < after) }
            let records = try request.order(WebhookEndpointRecord.Columns.seq.desc).limit(page.limit + 1).fetchAll(db)
            return Page(fetched: records, limit: page.limit, key: { String($0.seq ?? 0) }).map(\.endpoint)
        }
    }

    public func endpoint(_ id: WebhookEndpointID, by policy: AccessPolicy) async throws -> WebhookEndpoint {
        try await database.read { db in try Self.owned(id, by: policy, db).endpoint }
    }

    /// Changes what `input` sets. Enabling again clears the reason the service disabled it.
    public func update(_ id: WebhookEndpointID, _ input: WebhookEndpointInput, by policy: AccessPolicy) async throws -> WebhookEndpoint {
        let now = database.clock.now()
        return try await database.write { db in
            var record = try Self.owned(id, by: policy, db)
            if let url = input.url { record.url = url }
            if let description = input.description { record.description = description }
            if let types = input.eventTypes { record.eventTypes = Self.typesJSON(types) }
            if let enabled = input.enabled {
                if enabled && !record.enabled {
                    record.disabledReason = nil
                    record.failingSince = nil
                }
                record.enabled = enabled
            }
            record.updatedAt = now
            try record.update(db)
            try Self.audit("webhook_endpoint.updated", record, actor: policy.principal.userID, at: now, db)
            return record.endpoint
        }
    }

    /// Deletes an endpoint: nothing more is sent to it, and what was waiting is marked failed.
    public func delete(_ id: WebhookEndpointID, by policy: AccessPolicy) async throws {
        let now = database.clock.now()
        try await database.write { db in
            var record = try Self.owned(id, by: policy, db)
            record.deletedAt = now
            record.enabled = false
            try record.update(db)
            try db.execute(
                sql: "UPDATE webhook_delivery SET status = 'failed', next_attempt_at = NULL WHERE endpoint_id = ? AND status = 'pending'",
                arguments: [id])
            try Self.audit("webhook_endpoint.deleted", record, actor: policy.principal.userID, at: now, db)
        }
    }

    /// A new secret; the old one still signs, beside it, for 24 hours. A retry with the same
    /// idempotency key answers the same secret rather than rotating again (which would drop the
    /// secret the receiver still holds).
    public func rotateSecret(
        _ id: WebhookEndpointID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        let now = database.clock.now()
        let secret = WebhookSecret.new()
        let rotated = try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            var record = try Self.owned(id, by: policy, db)
            try policy.requireRecentSecondFactor(for: "rotating a webhook secret")
            record.previousSecret = record.secret
            record.previousSecretUntil = now.addingTimeInterval(Self.secretOverlap)
            record.secret = secret
            record.updatedAt = now
            try record.update(db)
            try Self.audit("webhook_endpoint.secret_rotated", record, actor: policy.principal.userID, at: now, db)
            return CreatedEndpoint(endpoint: record.endpoint, secret: secret)
        }
        return (rotated.endpoint, rotated.secret)
    }

    // MARK: Deliveries

    /// The endpoint's deliveries, newest first, optionally of one status.
    public func deliveries(
        of id: WebhookEndpointID, status: WebhookDelivery.Status?, by policy: AccessPolicy, page: PageRequest
    ) async throws -> Page<WebhookDelivery> {
        try await database.read { db in
            _ = try Self.owned(id, by: policy, db)
            var sql = """
                SELECT d.*, e.id AS event_id, e.type AS event_type FROM webhook_delivery d JOIN outbox_event e ON e.seq = d.event_seq
                WHERE d.endpoint_id = ? AND (? IS NULL OR d.status = ?)
                """
            var arguments: StatementArguments = [id, status, status]
            try page.newestFirst(by: "d.seq", &sql, &arguments)
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let deliveries = try rows.map { try Self.delivery($0, db) }
            return Page(fetched: zip(rows, deliveries).map { (seq: $0.0["seq"] as Int64, delivery: $0.1) }, limit: page.limit,
                        key: { String($0.seq) }).map(\.delivery)
        }
    }

    /// Sends a delivery again now, with a fresh schedule of retries (its attempts are kept).
    public func replay(_ id: WebhookDeliveryID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> WebhookDelivery {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            guard let endpointID = try WebhookEndpointID.fetchOne(db, sql: "SELECT endpoint_id FROM webhook_delivery WHERE id = ?", arguments: [id])
            else { throw MarketError.notFound(resource: "webhook delivery") }
            do { _ = try Self.owned(endpointID, by: policy, db) } catch MarketError.notFound { throw MarketError.notFound(resource: "webhook delivery") }
            try db.execute(
                sql: "UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?, succeeded_at = NULL WHERE id = ?",
                arguments: [now, id])
            let row = try Row.fetchOne(db, sql: """
                SELECT d.*, e.id AS event_id, e.type AS event_type FROM webhook_delivery d JOIN outbox_event e ON e.seq = d.event_seq
                WHERE d.id = ?
                """, arguments: [id])
            guard let row else { throw MarketError.notFound(resource: "webhook delivery") }
            return try Self.delivery(row, db)
        }
    }

    /// Sends again every delivery to the endpoint that failed since `since`; returns how many.
    public func recover(
        _ id: WebhookEndpointID, since: Date, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Int {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            _ = try Self.owned(id, by: policy, db)
            try db.execute(sql: """
                UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?
                WHERE endpoint_id = ? AND status = 'failed' AND created_at >= ?
                """, arguments: [now, id, since])
            return db.changesCount
        }
    }

    // MARK: The dispatcher's steps

    /// Fans the oldest undispatched events (at most `limit`) out to one delivery per enabled
    /// endpoint whose owner is in the event's audience and that wants its type, in one
    /// transaction with marking them dispatched. Returns how many events it took.
    public func fanOut(limit: Int = 500) async throws -> Int {
        let now = database.clock.now()
        return try await database.write { db in
            let events = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT seq, type FROM outbox_event WHERE dispatched_at IS NULL ORDER BY seq LIMIT ?
                """), arguments: [limit])
            guard let last = events.last?["seq"] as Int64? else { return 0 }
            let matches = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.seq, e.type, w.id AS endpoint_id, w.event_types FROM outbox_event e
                JOIN outbox_audience a ON a.event_seq = e.seq
                JOIN webhook_endpoint w ON w.owner_id = a.audience AND w.enabled = 1 AND w.deleted_at IS NULL
                WHERE e.dispatched_at IS NULL AND e.seq <= ?
                """), arguments: [last])
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO webhook_delivery (id, endpoint_id, event_seq, status, next_attempt_at, created_at)
                VALUES (?, ?, ?, 'pending', ?, ?)
                """)
            var wanted: [String: [String]] = [:]
            for match in matches {
                let types: String = match["event_types"]
                let list = wanted[types] ?? ((try? JSONDecoder().decode([String].self, from: Data(types.utf8))) ?? [])
                wanted[types] = list
                let type: String = match["type"]
                guard list.isEmpty || list.contains(type) else { continue }
                try insert.execute(arguments: [WebhookDeliveryID.random(), match["endpoint_id"], match["seq"], now, now])
            }
            try db.execute(sql: "UPDATE outbox_event SET dispatched_at = ? WHERE dispatched_at IS NULL AND seq <= ?", arguments: [now, last])
            return events.count
        }
    }

    /// Deliveries due now to enabled endpoints, oldest first, leaving out `busy` (in flight).
    public func due(limit: Int, excluding busy: Set<Int64>) async throws -> [DueDelivery] {
        let now = database.clock.now()
        return try await database.read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT d.seq, d.endpoint_id, d.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_until,
                    e.seq AS event_seq, e.id AS event_id, e.type, e.occurred_at, e.payload
                FROM webhook_delivery d
                JOIN webhook_endpoint w ON w.id = d.endpoint_id AND w.enabled = 1 AND w.deleted_at IS NULL
                JOIN outbox_event e ON e.seq = d.event_seq
                WHERE d.status = 'pending' AND d.next_attempt_at <= ?
                ORDER BY d.next_attempt_at, d.seq LIMIT ?
                """), arguments: [now, limit + busy.count])
            return rows.compactMap { row -> DueDelivery? in
                let seq: Int64 = row["seq"]
                guard !busy.contains(seq) else { return nil }
                var secrets: [String] = [row["secret"]]
                if let previous: String = row["previous_secret"], let until: Date = row["previous_secret_until"], until > now {
                    secrets.append(previous)
                }
                return DueDelivery(
                    seq: seq, endpointID: row["endpoint_id"], url: row["url"], secrets: secrets, attemptsMade: row["attempts"],
                    event: PublishedEvent(
                        seq: row["event_seq"], id: row["event_id"], type: row["type"], occurredAt: row["occurred_at"],
                        payloadJSON: row["payload"]))
            }.prefix(limit).map { $0 }
        }
    }

    /// Records one attempt and what follows: success; 410 Gone (the endpoint is disabled); or a
    /// retry on the schedule (`WebhookRetry`), the delivery failing after the last. An endpoint
    /// failing without a break for `disableAfter` is disabled. `jitter` is a draw in -1...1.
    public func record(_ result: AttemptResult, of delivery: DueDelivery, jitter: Double) async throws {
        let now = database.clock.now()
        let disableAfter = self.disableAfter
        try await database.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO webhook_attempt (delivery_seq, attempted_at, status_code, duration_ms, error, response_excerpt)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    delivery.seq, now, result.statusCode, max(0, result.durationMilliseconds), result.error,
                    result.responseExcerpt.map(Self.excerpt),
                ])
            let attempts = delivery.attemptsMade + 1
            switch WebhookRetry.outcome(ofStatus: result.statusCode) {
            case .succeeded:
                try db.cachedStatement(sql: """
                    UPDATE webhook_delivery SET status = 'succeeded', attempts = ?, next_attempt_at = NULL, last_attempt_at = ?,
                        last_status_code = ?, succeeded_at = ? WHERE seq = ?
                    """).execute(arguments: [attempts, now, result.statusCode, now, delivery.seq])
                try db.cachedStatement(sql: "UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL")
                    .execute(arguments: [delivery.endpointID])
            case .gone:
                try Self.fail(delivery, attempts: attempts, result, at: now, db)
                try Self.disable(delivery.endpointID, reason: "the endpoint answered 410 Gone", at: now, db)
            case .failed:
                if let delay = WebhookRetry.delay(afterAttempts: attempts, retryAfter: result.retryAfter, jitter: jitter) {
                    try db.cachedStatement(sql: """
                        UPDATE webhook_delivery SET attempts = ?, next_attempt_at = ?, last_attempt_at = ?, last_status_code = ? WHERE seq = ?
                        """).execute(arguments: [attempts, now.addingTimeInterval(delay), now, result.statusCode, delivery.seq])
                } else {
                    try Self.fail(delivery, attempts: attempts, result, at: now, db)
                }
                try db.cachedStatement(sql: "UPDATE webhook_endpoint SET failing_since = ? WHERE id = ? AND failing_since IS NULL")
                    .execute(arguments: [now, delivery.endpointID])
                let since = try Date.fetchOne(
                    db, sql: "SELECT failing_since FROM webhook_endpoint WHERE id = ?", arguments: [delivery.endpointID])
                if let since, now.timeIntervalSince(since) >= disableAfter {
                    try Self.disable(
                        delivery.endpointID, reason: "every delivery failed for \(Int(disableAfter / 86_400)) days", at: now, db)
                }
            }
        }
    }

    // MARK: The event feed

    /// The events whose audience includes one of `members`, after `after` in sequence order,
    /// optionally of `types`; at most `limit`.
    public func events(for members: [String], after: Int64, types: [EventType], limit: Int) async throws -> [PublishedEvent] {
        guard !members.isEmpty else { return [] }
        return try await database.read { db in
            let typeList = types.isEmpty ? nil : Self.typesJSON(types)
            return try Row.fetchAll(db, sql: """
                SELECT DISTINCT e.seq, e.id, e.type, e.occurred_at, e.payload FROM outbox_audience a
                JOIN outbox_event e ON e.seq = a.event_seq
                WHERE a.audience IN (SELECT value FROM json_each(?)) AND a.event_seq > ?
                    AND (? IS NULL OR e.type IN (SELECT value FROM json_each(?)))
                ORDER BY e.seq LIMIT ?
                """, arguments: [Self.stringsJSON(members), after, typeList, typeList, limit]).map { row in
                PublishedEvent(seq: row["seq"], id: row["id"], type: row["type"], occurredAt: row["occurred_at"], payloadJSON: row["payload"])
            }
        }
    }

    /// Counts for `/metrics`: deliveries waiting, and events not yet fanned out.
    public func queueDepth() async throws -> (pendingDeliveries: Int, undispatchedEvents: Int) {
        try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook_delivery WHERE status = 'pending'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE dispatched_at IS NULL") ?? 0)
        }
    }

    // MARK: Helpers

    /// The endpoint if the caller's organisation or council owns it; `notFound` otherwise.
    static func owned(_ id: WebhookEndpointID, by policy: AccessPolicy, _ db: Database) throws -> WebhookEndpointRecord {
        guard let owner = policy.webhookOwner,
            let record = try WebhookEndpointRecord.all().owned(by: owner).filter(WebhookEndpointRecord.Columns.id == id.rawValue).fetchOne(db)
        else { throw MarketError.notFound(resource: "webhook endpoint") }
        return record
    }

    private static func fail(_ delivery: DueDelivery, attempts: Int, _ result: AttemptResult, at now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE webhook_delivery SET status = 'failed', attempts = ?, next_attempt_at = NULL, last_attempt_at = ?,
                last_status_code = ? WHERE seq = ?
            """).execute(arguments: [attempts, now, result.statusCode, delivery.seq])
    }

    /// Disables the endpoint and tells its owner, through its other endpoints and the feed.
    private static func disable(_ id: WebhookEndpointID, reason: String, at now: Date, _ db: Database) throws {
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

    private static func typesJSON(_ types: [EventType]) -> String { stringsJSON(types.map(\.rawValue)) }

    private static func stringsJSON(_ strings: [String]) -> String { "[" + strings.map(FlatJSON.string).joined(separator: ",") + "]" }

    private static func audit(_ action: String, _ record: WebhookEndpointRecord, actor: UserID, at now: Date, _ db: Database) throws {
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
