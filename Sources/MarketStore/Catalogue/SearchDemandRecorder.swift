import Foundation
import GRDB
import MarketCore
import Synchronization

/// Logs catalogue searches for the unmet-demand report, without personal data: when, the
/// caller's council, category, area, the other filters, whether text was typed (never the text
/// itself, which can name people) and how many results the first page had.
///
/// A crawler must not flood the log: one caller's identical search is logged at most once a
/// minute. Callers are told apart in memory only, by a hash (`Hasher`, seeded afresh by each
/// process); nothing about them is stored.
/// Entries wait in memory and are written in one transaction by `flush()` (every few seconds,
/// and on graceful shutdown), so searching never turns into contended writes.
///
/// Thread-safety: all state is behind a `Mutex`. A failed flush puts its entries back.
public final class SearchDemandRecorder: Sendable {
    struct Entry: Sendable {
        let occurredAt: Date
        let council: CouncilID?
        let category: String?
        let area: String?
        let filters: String
        let hadText: Bool
        let resultCount: Int
        let moreResults: Bool
    }

    private struct State {
        var pending: [Entry] = []
        /// Hash of (caller, search) → when it was last logged.
        var lastLogged: [Int: Date] = [:]
    }

    /// Repeats of one caller's search within this interval are not logged again.
    public static let repeatWindow: TimeInterval = 60

    private let state = Mutex(State())
    private let database: AppDatabase

    init(database: AppDatabase) {
        self.database = database
    }

    func record(_ search: OfferingSearch, caller: SearchCaller, council: CouncilID?, resultCount: Int, moreResults: Bool) {
        let now = database.clock.now()
        var hasher = Hasher()
        hasher.combine(caller)
        hasher.combine(search)
        let key = hasher.finalize()
        let isRepeat = state.withLock { state in
            if let last = state.lastLogged[key], now.timeIntervalSince(last) < Self.repeatWindow { return true }
            state.lastLogged[key] = now
            return false
        }
        guard !isRepeat else { return }
        var filters: [String: String] = ["sort": search.sort.rawValue]
        filters["provider_type"] = search.providerType?.rawValue
        filters["min_price_pence"] = search.minPricePence.map(String.init)
        filters["max_price_pence"] = search.maxPricePence.map(String.init)
        filters["min_rating_tenths"] = search.minRatingTenths.map(String.init)
        if !search.attributeTags.isEmpty { filters["attributes"] = search.attributeTags.joined(separator: ",") }
        let entry = Entry(
            occurredAt: now, council: council,
            category: search.categoryIDs?.first, area: search.area?.code,
            filters: (try? CatalogueJSON.encode(filters)) ?? "{}", hadText: search.text != nil,
            resultCount: resultCount, moreResults: moreResults)
        state.withLock { $0.pending.append(entry) }
    }

    /// How many searches wait to be written.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Writes the pending searches in one transaction and forgets repeats older than the window.
    /// Returns how many were written; on failure they are kept for the next flush.
    @discardableResult
    public func flush() async throws -> Int {
        let now = database.clock.now()
        let batch = state.withLock { state in
            let batch = state.pending
            state.pending.removeAll(keepingCapacity: true)
            state.lastLogged = state.lastLogged.filter { now.timeIntervalSince($0.value) < Self.repeatWindow }
            return batch
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try await database.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO search_demand (occurred_at, council_id, category, area, filters, had_text, result_count, more_results)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for entry in batch {
                    try statement.execute(arguments: [
                        entry.occurredAt, entry.council, entry.category, entry.area, entry.filters,
                        entry.hadText, entry.resultCount, entry.moreResults,
                    ])
                }
            }
        } catch {
            state.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
            throw error
        }
        return batch.count
    }
}
