import Foundation
import GRDB
import MarketCore
import Synchronization

/// Counts views and click-throughs of community resources in memory and writes them in batches,
/// so that reading the catalogue never turns into contended writes.
///
/// Thread-safety: pending counts are behind a `Mutex`. `flush()` takes them out atomically and
/// puts them back if the write fails, so no count is lost or counted twice.
public final class CommunityUsageRecorder: Sendable {
    struct Key: Hashable, Sendable {
        let resource: CommunityResourceID
        /// The UTC day, `YYYY-MM-DD`.
        let day: String
    }

    struct Counts: Sendable {
        var views = 0
        var clickThroughs = 0

        mutating func add(_ other: Counts) {
            views += other.views
            clickThroughs += other.clickThroughs
        }
    }

    private let pending = Mutex<[Key: Counts]>([:])
    private let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func recordView(of resource: CommunityResourceID) {
        record(resource, Counts(views: 1))
    }

    public func recordClickThrough(of resource: CommunityResourceID) {
        record(resource, Counts(clickThroughs: 1))
    }

    private func record(_ resource: CommunityResourceID, _ counts: Counts) {
        let key = Key(resource: resource, day: Self.day(database.clock.now()))
        pending.withLock { $0[key, default: Counts()].add(counts) }
    }

    /// How many (resource, day) pairs wait to be written.
    public var pendingCount: Int { pending.withLock { $0.count } }

    /// Adds the pending counts to `community_usage` in one transaction and returns how many
    /// (resource, day) rows it touched. On failure the counts are kept for the next flush.
    @discardableResult
    public func flush() async throws -> Int {
        let batch = pending.withLock { pending in
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            return batch
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try await database.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO community_usage (resource_id, day, views, click_throughs)
                    SELECT :resource, :day, :views, :clicks
                    WHERE EXISTS (SELECT 1 FROM community_resource WHERE id = :resource)
                    ON CONFLICT (resource_id, day) DO UPDATE SET
                        views = views + excluded.views,
                        click_throughs = click_throughs + excluded.click_throughs
                    """)
                for (key, counts) in batch {
                    try statement.execute(arguments: [
                        "resource": key.resource.rawValue, "day": key.day,
                        "views": counts.views, "clicks": counts.clickThroughs,
                    ])
                }
            }
        } catch {
            pending.withLock { pending in
                for (key, counts) in batch { pending[key, default: Counts()].add(counts) }
            }
            throw error
        }
        return batch.count
    }

    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }
}
