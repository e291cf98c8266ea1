import MarketCore
import Metrics
import Synchronization

/// Pages the search index has answered, for the same search asked again: searches follow a
/// steep curve (a few are most of them), and a page answered from here skips the page's SQL read.
///
/// Keyed by everything a page depends on: the search, the audience, the page asked for, the
/// day (a council rate may start or end at midnight) and the index's place in `search_change`
/// (every change to what a search shows writes there). A cached page is therefore exactly what
/// the search would answer now. When the day or the place moves on, every page is dropped.
/// Bounded: emptied when full. `supportmarket_search_pages_total{cache=hit|miss}` counts both.
final class SearchPageCache: Sendable {
    static let capacity = 4_096

    struct Key: Hashable, Sendable {
        let search: OfferingSearch
        let audience: PriceAudience
        let limit: Int
        let after: String?
    }

    private struct State {
        var generation: Int64 = -1
        var day = ""
        var pages: [Key: Page<ListedOffering>] = [:]
    }

    private let state = Mutex(State())
    /// Off, it keeps nothing and counts nothing.
    private let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled
    }
    private static let hits = Counter(label: "supportmarket_search_pages_total", dimensions: [("cache", "hit")])
    private static let misses = Counter(label: "supportmarket_search_pages_total", dimensions: [("cache", "miss")])

    func page(_ key: Key, generation: Int64, day: CalendarDay) -> Page<ListedOffering>? {
        guard enabled else { return nil }
        let found = state.withLock { state in
            state.generation == generation && state.day == day.text ? state.pages[key] : nil
        }
        (found == nil ? Self.misses : Self.hits).increment()
        return found
    }

    func keep(_ page: Page<ListedOffering>, for key: Key, generation: Int64, day: CalendarDay) {
        guard enabled else { return }
        state.withLock { state in
            if state.generation != generation || state.day != day.text {
                // Only a newer place replaces the pages (a reader on an older snapshot keeps quiet).
                guard generation >= state.generation else { return }
                state = State(generation: generation, day: day.text)
            }
            if state.pages.count >= Self.capacity { state.pages.removeAll(keepingCapacity: true) }
            state.pages[key] = page
        }
    }
}
