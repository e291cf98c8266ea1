import Foundation
import GRDB
import MarketCore

/// One event in the transactional outbox, written in the transaction of the change it announces.
struct OutboxEventRecord: MarketRecord {
    static let databaseTableName = "outbox_event"
    var seq: Int64?
    var id: OutboxEventID
    var type: String
    var occurredAt: Date
    var payload: String
    var dispatchedAt: Date?

    func encode(to container: inout PersistenceContainer) throws {
        container["seq"] = seq
        container["id"] = id
        container["type"] = type
        container["occurred_at"] = occurredAt
        container["payload"] = payload
        container["dispatched_at"] = dispatchedAt
    }

    /// Appends an event whose payload is `payload` as a JSON object (keys sorted).
    static func append(_ db: Database, _ type: EventType, at time: Date, payload: [String: String]) throws {
        try db.cachedStatement(sql: "INSERT INTO outbox_event (id, type, occurred_at, payload) VALUES (?, ?, ?, ?)")
            .execute(arguments: [OutboxEventID.random(), type.rawValue, time, FlatJSON.object(payload)])
    }
}
