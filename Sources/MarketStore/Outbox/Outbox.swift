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
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(payload), as: UTF8.self)
        try OutboxEventRecord(seq: nil, id: .random(), type: type.rawValue, occurredAt: time, payload: json, dispatchedAt: nil)
            .insert(db)
    }
}
