import Foundation
import GRDB
import MarketCore

/// The outbox of mails: enqueued in the write transaction of the action a mail tells of; sent
/// by `MailDispatcher` (MarketAPI), each until it is accepted, with growing waits between tries.
/// A mail is never dropped: one that keeps failing stays due, and its last error is kept.
public struct MailOutbox: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Queues a mail in the caller's transaction. `subject` is the service's own text (never a
    /// person's input), so it holds no line breaks.
    static func enqueue(_ db: Database, to recipient: EmailAddress, kind: String, subject: String, body: String, at now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO mail_outbox (recipient, kind, subject, body, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [recipient, kind, subject, body, now, now])
    }

    /// Mails due now, oldest first.
    public func due(limit: Int = 50) async throws -> [MailMessage] {
        let now = database.clock.now()
        return try await database.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT id, recipient, kind, subject, body, created_at FROM mail_outbox
                    WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?
                    """, arguments: [now, limit]
            ).compactMap { row in
                // Recipients are checked addresses when queued (`EmailAddress` and a CHECK).
                guard let recipient = EmailAddress(row["recipient"] as String) else { return nil }
                return MailMessage(
                    id: row["id"], recipient: recipient, kind: row["kind"], subject: row["subject"], body: row["body"],
                    createdAt: row["created_at"])
            }
        }
    }

    public func markSent(_ id: Int64) async throws {
        let now = database.clock.now()
        try await database.write { db in
            try db.execute(sql: "UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?", arguments: [now, id])
        }
    }

    /// Keeps the mail due after a wait that grows with each failure (1, 4, 9 … minutes, at most an hour).
    public func markFailed(_ id: Int64, error: String) async throws {
        let now = database.clock.now()
        try await database.write { db in
            let attempts = (try Int.fetchOne(db, sql: "SELECT attempts FROM mail_outbox WHERE id = ?", arguments: [id]) ?? 0) + 1
            let wait = TimeInterval(min(60, attempts * attempts) * 60)
            try db.execute(
                sql: "UPDATE mail_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                arguments: [attempts, now.addingTimeInterval(wait), String(error.prefix(500)), id])
        }
    }
}
