import Foundation
import GRDB
import MarketCore

/// The dispatcher's steps: fan events out into deliveries, claim the due ones, record each attempt's outcome.
extension WebhookStore {
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

    /// Records one attempt and applies what `WebhookRetry.decision` says follows: delivered; 410
    /// Gone (the endpoint is disabled); a retry on the schedule; or, with none left, failed. An endpoint
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
            let decision = WebhookRetry.decision(
                after: WebhookRetry.outcome(ofStatus: result.statusCode), attemptsMade: attempts, retryAfter: result.retryAfter,
                jitter: jitter)
            switch decision {
            case .delivered:
                try db.cachedStatement(sql: """
                    UPDATE webhook_delivery SET status = 'succeeded', attempts = ?, next_attempt_at = NULL, last_attempt_at = ?,
                        last_status_code = ?, succeeded_at = ? WHERE seq = ?
                    """).execute(arguments: [attempts, now, result.statusCode, now, delivery.seq])
                try db.cachedStatement(sql: "UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL")
                    .execute(arguments: [delivery.endpointID])
            case .endpointGone:
                try Self.fail(delivery, attempts: attempts, result, at: now, db)
                try Self.disable(delivery.endpointID, reason: "the endpoint answered 410 Gone", at: now, db)
            case .retry, .exhausted:
                if case .retry(let delay) = decision {
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
}
