import Foundation
import GRDB
import MarketCore

extension AppDatabase {
    /// How long a token is kept after it expired or was revoked, so that its owner is still told
    /// "expired" or "revoked" for a while; after that it is deleted and reads as unknown.
    public static let spentTokenRetention: TimeInterval = 7 * 24 * 3600
    /// How many of the newest `search_change` rows are kept for the search index to catch up from.
    public static let searchChangeRetention = 100_000

    /// Deletes what is kept only for a time: idempotency keys older than
    /// `IdempotencyKey.retention`, and tokens `spentTokenRetention` after they expired or were
    /// revoked, spent throttles, sent mail and spent links, and all but the newest
    /// `searchChangeRetention` search changes. One write transaction; answers how many rows went. Run by the retention service.
    public func deleteExpired() async throws -> Int {
        let now = clock.now()
        let keysBefore = now.addingTimeInterval(-IdempotencyKey.retention)
        let tokensBefore = now.addingTimeInterval(-Self.spentTokenRetention)
        return try await write { db in
            try db.execute(sql: "DELETE FROM idempotency_record WHERE created_at < ?", arguments: [keysBefore])
            var deleted = db.changesCount
            try db.execute(
                sql: "DELETE FROM access_token WHERE expires_at < ? OR revoked_at < ?", arguments: [tokensBefore, tokensBefore])
            deleted += db.changesCount
            // Failed sign-ins and codes whose window and lock are a day past; mail a week after it
            // went (it held single-use links); links a month after they were spent or expired.
            let dayAgo = now.addingTimeInterval(-86_400)
            try db.execute(
                sql: "DELETE FROM login_throttle WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?)",
                arguments: [dayAgo, dayAgo])
            deleted += db.changesCount
            try db.execute(sql: "DELETE FROM mail_outbox WHERE sent_at < ?", arguments: [now.addingTimeInterval(-7 * 86_400)])
            deleted += db.changesCount
            try db.execute(
                sql: "DELETE FROM account_link WHERE coalesce(used_at, expires_at) < ?", arguments: [now.addingTimeInterval(-30 * 86_400)])
            deleted += db.changesCount
            try db.execute(
                sql: "DELETE FROM known_device WHERE last_used_at < ?", arguments: [now.addingTimeInterval(-SecondFactorStore.knownDeviceRetention)])
            deleted += db.changesCount
            // The search index reads only what is newer than its last catch-up; far behind, it rebuilds.
            try db.execute(sql: "DELETE FROM search_change WHERE id <= (SELECT max(id) FROM search_change) - ?", arguments: [Self.searchChangeRetention])
            deleted += db.changesCount
            return deleted
        }
    }
}
