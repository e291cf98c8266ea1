import MarketCore
import Synchronization

/// The published catalogue's searchable facts, held in memory by `SearchIndex`: each listed
/// offering's store, category, public price, areas and tags; the full-text postings of the tokens
/// SQLite indexed for it; the stores' types, ratings and regulator ratings; and the councils' rates.
///
/// A value: a search works on its own copy (copies share storage until one is changed), while the
/// index changes the current one. Everything here mirrors a table the triggers keep
/// (`offering_listing`, `offering_area`, `offering_tag`, `offering_fts`, `provider_store`,
/// `regulator_registration`, `council_rate`); nothing is derived that SQL would not derive.
struct SearchCatalogue: Sendable {
    /// The last `search_change` id reflected here.
    var applied: Int64 = 0

    /// Listed offerings by `seq`; `nil` for drafts, unpublished and unknown ones.
    private(set) var documents: [SearchDocument?] = []
    /// Each listed offering's tokens in its title and description (bm25's document length), by
    /// `seq`: kept apart from `documents` so that ranking reads a small array.
    private(set) var lengths: [Int32] = []
    /// How many offerings are listed, and their tokens in all: FTS5's row count and total size,
    /// from which bm25 takes the average document length.
    private(set) var documentCount = 0
    private(set) var tokenTotal = 0

    private(set) var termIDs: [String: Int32] = [:]
    private(set) var termNames: [String] = []
    private(set) var postings: [Postings] = []
    /// Term ids in the byte order of their text, so that a prefix is one range.
    private(set) var termsInOrder: [Int32] = []

    private(set) var categories = Facet()
    private(set) var areas = Facet()
    private(set) var tags = Facet()

    private(set) var providerIDs: [String: Int32] = [:]
    private(set) var providers: [SearchProvider] = []
    /// Council id -> offering seq -> its rates, of which at most one covers any day.
    private(set) var rates: [String: [Int32: [RatePeriod]]] = [:]
    /// Prefixes' merged postings, shared by every copy, each valid only at the `applied` it was made at.
    let prefixUnions = PrefixUnions()

    // MARK: Offerings

    /// Lists (or lists again) one offering with its tokens, as of change `version`; replaces what
    /// was listed for `seq`.
    mutating func list(_ listing: SearchListing, tokens: [String], version: Int64) {
        unlist(listing.seq)
        var counts: [Int32: UInt16] = [:]
        for token in tokens { counts[termID(token), default: 0] += 1 }
        let seq = listing.seq
        var document = newDocument(listing, version: version)
        document.terms = counts.keys.sorted()
        for (term, count) in counts { postings[Int(term)].insert(seq, count: count) }
        for area in document.areas { areas.insert(seq, into: area) }
        for tag in document.tags { tags.insert(seq, into: tag) }
        categories.insert(seq, into: document.category)
        place(document, at: seq, length: Int32(tokens.count))
    }

    /// Takes `seq` out of every list; nothing if it was not listed.
    mutating func unlist(_ seq: Int32) {
        guard Int(seq) < documents.count, let document = documents[Int(seq)] else { return }
        for term in document.terms { postings[Int(term)].remove(seq) }
        for area in document.areas { areas.remove(seq, from: area) }
        for tag in document.tags { tags.remove(seq, from: tag) }
        categories.remove(seq, from: document.category)
        documents[Int(seq)] = nil
        documentCount -= 1
        tokenTotal -= Int(lengths[Int(seq)])
        lengths[Int(seq)] = 0
    }

    // MARK: Building in bulk

    /// Lists an offering whose tokens follow from `appendPostings` (ascending `seq`), as of `applied`.
    mutating func bulkList(_ listing: SearchListing) {
        let seq = listing.seq
        let document = newDocument(listing, version: applied)
        for area in document.areas { areas.append(seq, to: area) }
        for tag in document.tags { tags.append(seq, to: tag) }
        categories.append(seq, to: document.category)
        place(document, at: seq, length: 0)
    }

    /// One term's postings in ascending `seq`, each offering already listed.
    mutating func appendPostings(_ term: String, docs: [Int32], counts: [UInt16]) {
        let id = termID(term)
        postings[Int(id)] = Postings(docs: docs, counts: counts)
        for (seq, count) in zip(docs, counts) where Int(seq) < documents.count && documents[Int(seq)] != nil {
            documents[Int(seq)]?.terms.append(id)
            lengths[Int(seq)] += Int32(count)
            tokenTotal += Int(count)
        }
    }

    // MARK: Stores and rates

    mutating func setProvider(_ id: String, _ provider: SearchProvider) {
        providers[Int(providerID(id))] = provider
    }

    /// Replaces every council's rates for one offering.
    mutating func setRates(of seq: Int32, _ periods: [(council: String, period: RatePeriod)]) {
        for council in rates.keys { rates[council]?[seq] = nil }
        for (council, period) in periods { rates[council, default: [:]][seq, default: []].append(period) }
    }

    // MARK: Interning

    private mutating func newDocument(_ listing: SearchListing, version: Int64) -> SearchDocument {
        SearchDocument(
            provider: providerID(listing.providerID), category: categories.id(listing.category),
            publicPricePence: listing.publicPricePence, version: version,
            areas: listing.areas.map { areas.id($0) }, tags: listing.tags.map { tags.id($0) })
    }

    private mutating func place(_ document: SearchDocument, at seq: Int32, length: Int32) {
        if Int(seq) >= documents.count {
            let added = max(Int(seq) + 1 - documents.count, documents.count / 4)
            documents.append(contentsOf: repeatElement(nil, count: added))
            lengths.append(contentsOf: repeatElement(0, count: added))
        }
        documents[Int(seq)] = document
        lengths[Int(seq)] = length
        documentCount += 1
        tokenTotal += Int(length)
    }

    private mutating func termID(_ term: String) -> Int32 {
        if let id = termIDs[term] { return id }
        let id = Int32(termNames.count)
        termIDs[term] = id
        termNames.append(term)
        postings.append(Postings())
        let position = termsInOrder.partitioningIndex { termNames[Int($0)].utf8.lexicographicallyPrecedes(term.utf8) == false }
        termsInOrder.insert(id, at: position)
        return id
    }

    private mutating func providerID(_ id: String) -> Int32 {
        if let known = providerIDs[id] { return known }
        let new = Int32(providers.count)
        providerIDs[id] = new
        providers.append(SearchProvider())
        return new
    }
}

/// One listed offering.
struct SearchDocument: Sendable {
    var provider: Int32
    var category: Int32
    var publicPricePence: Int64
    /// The `search_change` id as of which it was listed: its row is unchanged since (every change
    /// to a listed offering's row writes a newer one), so a copy decoded at this version is current.
    var version: Int64
    var areas: [Int32]
    var tags: [Int32]
    /// The terms it is posted under, to take it out again.
    var terms: [Int32] = []
}

/// What `offering_listing`, `offering_area` and `offering_tag` hold for one offering.
struct SearchListing: Sendable {
    let seq: Int32
    let providerID: String
    let category: String
    let publicPricePence: Int64
    let areas: [String]
    let tags: [String]
}

/// A store's facts that searches filter and order by (`provider_store`, `regulator_registration`).
struct SearchProvider: Sendable {
    var type: String?
    var ratingCount: Int64 = 0
    var ratingSum: Int64 = 0
    /// `provider_store.rating_score`, the one formula of `sort=rating`.
    var ratingScore: Int64 = 3000
    /// `rating_rank` when registered with its regulator, else `nil`.
    var registeredRank: Int64?
}

/// One council rate: the days it covers (`YYYY-MM-DD`, `to` inclusive, `nil` open-ended).
struct RatePeriod: Sendable {
    let from: String
    let to: String?
    let pence: Int64

    func covers(_ day: String) -> Bool { from <= day && (to.map { day <= $0 } ?? true) }
}

/// A term's offerings in ascending `seq`, with how often it occurs in each (title and description).
struct Postings: Sendable {
    var docs: [Int32] = []
    var counts: [UInt16] = []

    init(docs: [Int32] = [], counts: [UInt16] = []) {
        self.docs = docs
        self.counts = counts
    }

    /// The union of a few lists, counts added where they meet (a prefix's terms), two at a time.
    init(merging lists: [Postings]) {
        self = lists.dropFirst().reduce(lists.first ?? Postings()) { Postings.union($0, $1) }
    }

    private static func union(_ a: Postings, _ b: Postings) -> Postings {
        var merged = Postings()
        merged.docs.reserveCapacity(a.docs.count + b.docs.count)
        merged.counts.reserveCapacity(a.docs.count + b.docs.count)
        var i = 0, j = 0
        while i < a.docs.count, j < b.docs.count {
            let left = a.docs[i], right = b.docs[j]
            if left < right {
                merged.docs.append(left)
                merged.counts.append(a.counts[i])
                i += 1
            } else if right < left {
                merged.docs.append(right)
                merged.counts.append(b.counts[j])
                j += 1
            } else {
                merged.docs.append(left)
                merged.counts.append(a.counts[i] &+ b.counts[j])
                i += 1
                j += 1
            }
        }
        merged.docs.append(contentsOf: a.docs[i...])
        merged.counts.append(contentsOf: a.counts[i...])
        merged.docs.append(contentsOf: b.docs[j...])
        merged.counts.append(contentsOf: b.counts[j...])
        return merged
    }

    mutating func insert(_ seq: Int32, count: UInt16) {
        let position = docs.partitioningIndex { $0 >= seq }
        docs.insert(seq, at: position)
        counts.insert(count, at: position)
    }

    mutating func remove(_ seq: Int32) {
        let position = docs.partitioningIndex { $0 >= seq }
        guard position < docs.count, docs[position] == seq else { return }
        docs.remove(at: position)
        counts.remove(at: position)
    }
}

/// Values of one filter (categories, areas, tags), each with its offerings in ascending `seq`.
struct Facet: Sendable {
    private(set) var ids: [String: Int32] = [:]
    private(set) var docs: [[Int32]] = []

    mutating func id(_ value: String) -> Int32 {
        if let id = ids[value] { return id }
        let id = Int32(docs.count)
        ids[value] = id
        docs.append([])
        return id
    }

    mutating func insert(_ seq: Int32, into value: Int32) {
        let position = docs[Int(value)].partitioningIndex { $0 >= seq }
        if position == docs[Int(value)].count || docs[Int(value)][position] != seq { docs[Int(value)].insert(seq, at: position) }
    }

    mutating func append(_ seq: Int32, to value: Int32) {
        if docs[Int(value)].last != seq { docs[Int(value)].append(seq) }
    }

    mutating func remove(_ seq: Int32, from value: Int32) {
        let position = docs[Int(value)].partitioningIndex { $0 >= seq }
        if position < docs[Int(value)].count, docs[Int(value)][position] == seq { docs[Int(value)].remove(at: position) }
    }
}

extension RandomAccessCollection {
    /// The first index whose element satisfies `belongs`, for a predicate that is false and then
    /// true along the collection (binary search).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if belongs(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}

/// The merged postings of prefixes that match several terms ("dem" → dementia, demand, …), as of
/// one `SearchCatalogue.applied`: people type the same first letters, and merging was a tenth of
/// a broad search. Emptied when the catalogue moves on, or when it holds too many postings.
final class PrefixUnions: Sendable {
    static let capacity = 8_000_000

    private struct State {
        var applied: Int64 = -1
        var unions: [String: Postings] = [:]
        var size = 0
    }

    private let state = Mutex(State())

    func union(of prefix: String, at applied: Int64) -> Postings? {
        state.withLock { $0.applied == applied ? $0.unions[prefix] : nil }
    }

    func keep(_ union: Postings, of prefix: String, at applied: Int64) {
        state.withLock { state in
            if state.applied != applied || state.size + union.docs.count > Self.capacity {
                guard applied >= state.applied else { return }
                state = State(applied: applied)
            }
            state.unions[prefix] = union
            state.size += union.docs.count
        }
    }
}
