import Foundation
import GRDB
import MarketCore

/// The event feed: the events a caller may hear, after a cursor.
extension WebhookStore {
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
}
