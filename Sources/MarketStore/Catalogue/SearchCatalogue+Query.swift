import Foundation
import MarketCore

/// One word of a text search, as the full-text index sees it: a token, and whether it is the last
/// word (matched also as a prefix, since people search as they type).
struct SearchTerm: Sendable, Equatable {
    let token: String
    let isPrefix: Bool
}

/// Where a search's page starts: an offset into relevance order, or strictly after an item's
/// order key (every other order).
enum SearchResumption: Sendable {
    case offset(Int)
    case after(OfferingOrderKey)
}

/// An item's place in a search's order: first `value` (bm25 rank, price, negated price or rating
/// score, or zero when listing order is all), then `seq`.
struct OfferingOrderKey: Sendable, Comparable {
    let value: Double
    let seq: Int32

    static func < (a: Self, b: Self) -> Bool { a.value < b.value || (a.value == b.value && a.seq < b.seq) }
}

/// What the in-memory index answers: one page's offering seqs in order, with each one's order key,
/// and whether more follow.
struct SearchHits: Sendable {
    let keys: [OfferingOrderKey]
    let more: Bool
}

extension SearchCatalogue {
    /// The page of `search` from `resumption`, in the same order and with the same cursors as the
    /// SQL search: every term must match (the last also as a prefix), ranked by FTS5's bm25
    /// with its constants, ties by `seq`; the caller's effective prices filter and order.
    func search(
        _ search: OfferingSearch, terms: [SearchTerm], audience: PriceAudience, today: CalendarDay,
        resumption: SearchResumption?, limit: Int
    ) -> SearchHits {
        let ranked = !terms.isEmpty && search.sort == .relevance
        let filter = SearchFilter(search, in: self, audience: audience, today: today.text)
        var offset = 0
        var after: OfferingOrderKey?
        switch resumption {
        case .offset(let value): offset = value
        case .after(let key): after = key
        case nil: break
        }
        if filter.matchesNothing { return SearchHits(keys: [], more: false) }
        // The candidates: text matches with their ranks, or the offerings the filters point at.
        var ranks: [Double] = []
        let candidates: [Int32]
        if terms.isEmpty {
            candidates = filter.candidates(in: self)
        } else {
            (candidates, ranks) = textMatches(terms, within: filter.sortedCandidates(in: self))
        }
        var best = TopKeys(keeping: offset + limit + 1)
        if ranked && filter.isEmpty {
            // Ranked with nothing to filter: the offerings' own facts are not needed at all.
            for (seq, rank) in zip(candidates, ranks) { best.offer(OfferingOrderKey(value: rank, seq: seq)) }
        } else {
            for (index, seq) in candidates.enumerated() {
                guard let document = documents[Int(seq)], let price = filter.effectivePrice(of: document, seq) else { continue }
                let value: Double = switch search.sort {
                case .relevance: ranked ? ranks[index] : 0
                case .priceAsc: Double(price)
                case .priceDesc: -Double(price)
                case .rating: -Double(providers[Int(document.provider)].ratingScore)
                }
                let key = OfferingOrderKey(value: value, seq: seq)
                if let after, !(after < key) { continue }
                best.offer(key)
            }
        }
        let keys = best.sorted()
        let page = keys.dropFirst(offset)
        return SearchHits(keys: Array(page.prefix(limit)), more: page.count > limit)
    }

    /// Every offering that has every term, in `seq` order, with its FTS5 `bm25()` rank.
    ///
    /// bm25 as `fts5_aux.c` computes it, operation for operation so that ranks are equal, not
    /// merely close: k1 = 1.2, b = 0.75, every column weighted 1; a phrase's IDF is
    /// log((N − n + 0.5) / (n + 0.5)), at least 1e-6, where n is how many offerings have it; the
    /// rank is minus the sum over phrases in query order.
    /// `within` (ascending), when given, narrows the matches to those offerings before they are
    /// scored; a phrase's IDF still counts every offering that has it.
    func textMatches(_ terms: [SearchTerm], within: [Int32]? = nil) -> (seqs: [Int32], ranks: [Double]) {
        let phrases = terms.map(phrasePostings)
        guard documentCount > 0, phrases.allSatisfy({ !$0.docs.isEmpty }) else { return ([], []) }
        var seqs: [Int32] = []
        var ranks: [Double] = []
        let k1 = 1.2, b = 0.75
        let rowCount = Int64(documentCount)
        let averageLength = Double(tokenTotal) / Double(rowCount)
        let idf = phrases.map { phrase -> Double in
            let hits = Int64(phrase.docs.count)
            let value = log((Double(rowCount - hits) + 0.5) / (Double(hits) + 0.5))
            return value <= 0 ? 1e-6 : value
        }
        // Walk the shortest list; find each of its offerings in the others, moving only forward
        // (galloping: steps of 1, 2, 4, … then a binary search within the last step).
        let order = phrases.indices.sorted { phrases[$0].docs.count < phrases[$1].docs.count }
        var positions = Array(repeating: 0, count: phrases.count)
        var frequencies = Array(repeating: 0.0, count: phrases.count)
        // The shortest list drives: a phrase's, or the filter's when that is shorter.
        let byFilter = within.map { $0.count < phrases[order[0]].docs.count } ?? false
        let driver: Int? = byFilter ? nil : order[0]
        let others = byFilter ? order : Array(order.dropFirst())
        let driverDocs = byFilter ? within! : phrases[order[0]].docs
        var filterPosition = 0
        candidates: for (index, seq) in driverDocs.enumerated() {
            if let driver { frequencies[driver] = Double(phrases[driver].counts[index]) }
            for other in others {
                let position = phrases[other].docs.withUnsafeBufferPointer { docs in
                    Self.gallop(docs, from: positions[other], to: seq)
                }
                positions[other] = position
                guard position < phrases[other].docs.count, phrases[other].docs[position] == seq else { continue candidates }
                frequencies[other] = Double(phrases[other].counts[position])
            }
            if !byFilter, let within {
                filterPosition = within.withUnsafeBufferPointer { Self.gallop($0, from: filterPosition, to: seq) }
                guard filterPosition < within.count, within[filterPosition] == seq else { continue candidates }
            }
            let documentLength = Double(lengths[Int(seq)])
            var score = 0.0
            for phrase in phrases.indices {
                score += idf[phrase] * ((frequencies[phrase] * (k1 + 1.0)) / (frequencies[phrase] + k1 * (1 - b + b * documentLength / averageLength)))
            }
            seqs.append(seq)
            ranks.append(-1.0 * score)
        }
        return (seqs, ranks)
    }

    /// The first position at or after `start` whose value is at least `target`.
    private static func gallop(_ docs: UnsafeBufferPointer<Int32>, from start: Int, to target: Int32) -> Int {
        guard start < docs.count, docs[start] < target else { return start }
        var low = start
        var step = 1
        while low + step < docs.count, docs[low + step] < target {
            low += step
            step *= 2
        }
        var high = min(low + step, docs.count)
        low += 1
        while low < high {
            let middle = (low + high) / 2
            if docs[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A term's postings; for a prefix, the union of every term that starts with it, counts added.
    private func phrasePostings(_ term: SearchTerm) -> Postings {
        guard term.isPrefix else {
            return termIDs[term.token].map { postings[Int($0)] } ?? Postings()
        }
        let prefix = Array(term.token.utf8)
        let start = termsInOrder.partitioningIndex { !termNames[Int($0)].utf8.lexicographicallyPrecedes(prefix) }
        var matching: [Int32] = []
        for id in termsInOrder[start...] {
            guard termNames[Int(id)].utf8.starts(with: prefix) else { break }
            if !postings[Int(id)].docs.isEmpty { matching.append(id) }
        }
        if matching.count <= 1 { return matching.first.map { postings[Int($0)] } ?? Postings() }
        if let known = prefixUnions.union(of: term.token, at: applied) { return known }
        let union = unionOfTerms(matching)
        prefixUnions.keep(union, of: term.token, at: applied)
        return union
    }

    private func unionOfTerms(_ matching: [Int32]) -> Postings {
        if matching.count <= 8 { return Postings(merging: matching.map { postings[Int($0)] }) }
        // Many terms: add their counts up per offering, then read them back in `seq` order.
        var counts = [UInt16](repeating: 0, count: documents.count)
        var total = 0
        for id in matching {
            for (seq, count) in zip(postings[Int(id)].docs, postings[Int(id)].counts) {
                if counts[Int(seq)] == 0 { total += 1 }
                counts[Int(seq)] &+= count
            }
        }
        var union = Postings()
        union.docs.reserveCapacity(total)
        union.counts.reserveCapacity(total)
        for (seq, count) in counts.enumerated() where count > 0 {
            union.docs.append(Int32(seq))
            union.counts.append(count)
        }
        return union
    }
}

/// A search's filters, resolved against one catalogue and one audience.
struct SearchFilter {
    private let catalogue: SearchCatalogue
    private let categories: Set<Int32>?
    private let area: Int32?
    private let tags: [Int32]
    private let providerType: String?
    private let minPrice: Int64?
    private let maxPrice: Int64?
    private let minRatingTenths: Int64?
    private let minRegulatorRank: Int64?
    private let councilRates: [Int32: [RatePeriod]]?
    private let today: String
    /// A filter names a value no listed offering has.
    let matchesNothing: Bool
    /// Nothing to filter by: every offering passes, whatever its price.
    let isEmpty: Bool

    init(_ search: OfferingSearch, in catalogue: SearchCatalogue, audience: PriceAudience, today: String) {
        self.catalogue = catalogue
        let categoryIDs = search.categoryIDs.map { Set($0.compactMap { catalogue.categories.ids[$0] }) }
        categories = categoryIDs
        area = search.area.flatMap { catalogue.areas.ids[$0.code] }
        let tagIDs = search.attributeTags.compactMap { catalogue.tags.ids[$0] }
        tags = tagIDs
        providerType = search.providerType?.rawValue
        minPrice = search.minPricePence
        maxPrice = search.maxPricePence
        minRatingTenths = search.minRatingTenths.map(Int64.init)
        minRegulatorRank = search.minRegulatorRating.map { Int64($0.rank) }
        if case .council(let council) = audience {
            councilRates = catalogue.rates[council.rawValue] ?? [:]
        } else {
            councilRates = nil
        }
        self.today = today
        isEmpty = search.categoryIDs == nil && search.area == nil && search.attributeTags.isEmpty && search.providerType == nil
            && search.minPricePence == nil && search.maxPricePence == nil && search.minRatingTenths == nil
            && search.minRegulatorRating == nil
        matchesNothing = categoryIDs?.isEmpty == true || (search.area != nil && area == nil) || tagIDs.count < search.attributeTags.count
    }

    /// The caller's effective price of the listed offering `seq` if it passes every filter, else `nil`.
    func effectivePrice(of document: SearchDocument, _ seq: Int32) -> Int64? {
        if let categories, !categories.contains(document.category) { return nil }
        if let area, !document.areas.contains(area) { return nil }
        for tag in tags where !document.tags.contains(tag) { return nil }
        let provider = catalogue.providers[Int(document.provider)]
        if let providerType, provider.type != providerType { return nil }
        if let minRegulatorRank, (provider.registeredRank.map { $0 < minRegulatorRank } ?? true) { return nil }
        if let minRatingTenths, provider.ratingCount == 0 || provider.ratingSum * 10 < minRatingTenths * provider.ratingCount {
            return nil
        }
        var price = document.publicPricePence
        if let councilRates, let rate = councilRates[seq]?.first(where: { $0.covers(today) }) { price = rate.pence }
        if let minPrice, price < minPrice { return nil }
        if let maxPrice, price > maxPrice { return nil }
        return price
    }

    /// The shortest ascending list of offerings every result must be in (an area's, a tag's, or a
    /// single category's), to narrow text matches before they are scored; `nil` when none applies.
    func sortedCandidates(in catalogue: SearchCatalogue) -> [Int32]? {
        var lists: [[Int32]] = []
        if let area { lists.append(catalogue.areas.docs[Int(area)]) }
        for tag in tags { lists.append(catalogue.tags.docs[Int(tag)]) }
        if let categories, categories.count == 1, let category = categories.first { lists.append(catalogue.categories.docs[Int(category)]) }
        return lists.min(by: { $0.count < $1.count })
    }

    /// The offerings worth looking at when there is no text: the shortest list of an area, a tag
    /// or the categories asked for; else every listed offering.
    func candidates(in catalogue: SearchCatalogue) -> [Int32] {
        var lists: [[Int32]] = []
        if let area { lists.append(catalogue.areas.docs[Int(area)]) }
        for tag in tags { lists.append(catalogue.tags.docs[Int(tag)]) }
        if let categories { lists.append(categories.flatMap { catalogue.categories.docs[Int($0)] }) }
        if let shortest = lists.min(by: { $0.count < $1.count }) { return shortest }
        return catalogue.documents.indices.compactMap { catalogue.documents[$0] == nil ? nil : Int32($0) }
    }
}

/// The `capacity` smallest keys offered, without sorting them all: offers pile up in a buffer
/// that is cut back to the best `capacity` whenever it doubles; after the first cut, an offer no
/// better than the worst kept is turned away at once.
struct TopKeys {
    private let capacity: Int
    private var buffer: [OfferingOrderKey] = []
    private var worstKept: OfferingOrderKey?

    init(keeping capacity: Int) {
        self.capacity = capacity
    }

    mutating func offer(_ key: OfferingOrderKey) {
        if let worstKept, !(key < worstKept) { return }
        buffer.append(key)
        if buffer.count >= max(2 * capacity, 1024) {
            buffer.sort()
            buffer.removeLast(buffer.count - capacity)
            worstKept = buffer.last
        }
    }

    func sorted() -> [OfferingOrderKey] { Array(buffer.sorted().prefix(capacity)) }
}
