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

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, type, payload
        case occurredAt = "occurred_at"
        case dispatchedAt = "dispatched_at"
    }

    typealias Columns = CodingKeys

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.seq] = seq
        container[Columns.id] = id
        container[Columns.type] = type
        container[Columns.occurredAt] = occurredAt
        container[Columns.payload] = payload
        container[Columns.dispatchedAt] = dispatchedAt
    }

    /// Appends an event whose payload is `payload` as a typed JSON object (keys sorted), with
    /// its audience: who may receive it, by webhook or in the feed. The one place events are written.
    static func append(_ db: Database, _ type: EventType, at time: Date, payload: EventPayload, audience: EventAudience) throws {
        try db.cachedStatement(sql: "INSERT INTO outbox_event (id, type, occurred_at, payload) VALUES (?, ?, ?, ?)")
            .execute(arguments: [OutboxEventID.random(), type.rawValue, time, FlatJSON.payload(payload)])
        let seq = db.lastInsertedRowID
        let member = try db.cachedStatement(sql: "INSERT OR IGNORE INTO outbox_audience (audience, event_seq) VALUES (?, ?)")
        for audience in audience.members.sorted() { try member.execute(arguments: [audience, seq]) }
    }
}

extension EventAudience {
    /// Adds everyone who may follow a budget holder's money and orders: their council, their own
    /// account, and the grantees (organisations or people) of their active delegations.
    func adding(holder: BudgetHolderID, on day: CalendarDay, _ db: Database) throws -> EventAudience {
        var audience = self
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT council_id, user_id FROM budget_holder WHERE id = ?"), arguments: [holder]) {
            audience = audience.adding(council: row["council_id"]).adding(user: row["user_id"])
        }
        let grantees = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT grantee_user_id, grantee_organisation_id FROM delegation
            WHERE budget_holder_id = ? AND revoked_at IS NULL AND (expires_on IS NULL OR expires_on >= ?)
            """), arguments: [holder, day])
        for grantee in grantees {
            audience = audience.adding(user: grantee["grantee_user_id"]).adding(organisation: grantee["grantee_organisation_id"])
        }
        return audience
    }
}

extension EventAudience {
    /// Adds an invoice's payer: its council, its broker, or the holder (and who follows them).
    func adding(payer: Payer, on day: CalendarDay, _ db: Database) throws -> EventAudience {
        switch payer {
        case .council(let council): adding(council: council)
        case .broker(let broker): adding(organisation: broker)
        case .holder(let holder): try adding(holder: holder, on: day, db)
        }
    }
}
