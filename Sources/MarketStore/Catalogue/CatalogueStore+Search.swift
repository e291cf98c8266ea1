import Foundation
import GRDB
import MarketCore

extension CatalogueStore {
    /// Searches the published catalogue at the caller's effective prices, and logs the search
    /// (first pages only, without personal data) for the unmet-demand report.
    ///
    /// Relevance-ranked pages (with `q`) resume at an offset, since relevance has no stable key;
    /// every other order resumes strictly after the last item's (sort value, `seq`), so pages
    /// are stable under inserts.
    ///
    /// The in-memory `SearchIndex` chooses the page; SQL then reads that page's offerings, with
    /// the caller's prices, as it always has. SQL alone answers while the index is first built,
    /// and for a word the full-text tokenizer splits in two (a phrase, which needs positions).
    public func search(
        _ search: OfferingSearch, viewer: AccessPolicy?, caller: SearchCaller, page: PageRequest
    ) async throws -> Page<ListedOffering> {
        let audience = viewer?.priceAudience ?? .publicPrices
        let found = try await listPublished(search, audience: audience, page: page, engine: .index)
        if page.after == nil {
            demand.record(
                search, caller: caller, council: viewer?.principal.councilID,
                resultCount: found.items.count, moreResults: found.nextCursor != nil)
        }
        return found
    }

    /// A store's offerings: published ones for everyone; every status for its own staff, who may
    /// narrow the list to one status.
    public func offerings(
        of provider: OrganisationID, status: OfferingStatus?, viewer: AccessPolicy?, page: PageRequest
    ) async throws -> Page<ListedOffering> {
        _ = try await storefront(provider)
        let ownStaff = viewer?.maySeeUnpublished(of: provider) == true
        guard ownStaff || status == nil || status == .published else {
            throw MarketError.invalid("status", "only the provider's staff list offerings that are not published")
        }
        let audience = viewer?.priceAudience ?? .publicPrices
        var query = ListedOfferingQuery(
            source: ownStaff ? .everyStatus : .published, audience: audience, today: CalendarDay(database.clock.now()))
        query.filter("l.provider_id = \(provider)")
        if ownStaff, let status { query.filter("l.status = \(status.rawValue)") }
        return try await fetchPage(query, sort: .relevance, ranked: false, page: page)
    }

    /// How a search is answered; tests compare the two.
    package enum SearchEngine: Sendable {
        case index
        case sql
    }

    /// One page of the published catalogue as `audience` sees it, without logging the search.
    package func listPublished(
        _ search: OfferingSearch, audience: PriceAudience, page: PageRequest, engine: SearchEngine
    ) async throws -> Page<ListedOffering> {
        if engine == .index, let found = try await searchIndex(search, audience: audience, page: page) { return found }
        var query = ListedOfferingQuery(source: .published, audience: audience, today: CalendarDay(database.clock.now()))
        var ranked = false
        if let text = search.text {
            guard let match = FullTextQuery(text).matchExpression else { return Page(items: [], nextCursor: nil) }
            query.matchText(match)
            ranked = search.sort == .relevance
        }
        if let categories = search.categoryIDs {
            query.filter("l.category IN (SELECT value FROM json_each(\(CatalogueJSON.array(categories))))")
        }
        if let area = search.area {
            let inCategories: SQL = search.categoryIDs.map {
                "AND category IN (SELECT value FROM json_each(\(CatalogueJSON.array($0))))"
            } ?? ""
            query.filter("l.seq IN (SELECT offering_seq FROM offering_area WHERE district = \(area.code) \(inCategories))")
        }
        for tag in search.attributeTags {
            query.filter("l.seq IN (SELECT offering_seq FROM offering_tag WHERE tag = \(tag))")
        }
        if let providerType = search.providerType { query.filter("s.provider_type = \(providerType.rawValue)") }
        if let low = search.minPricePence { query.filter("\(query.effectivePrice) >= \(low)") }
        if let high = search.maxPricePence { query.filter("\(query.effectivePrice) <= \(high)") }
        if let rating = search.minRegulatorRating {
            query.filter("""
                l.provider_id IN (SELECT provider_id FROM regulator_registration
                    WHERE status = \(RegistrationStatus.registered.rawValue) AND rating_rank >= \(rating.rank))
                """)
        }
        if let tenths = search.minRatingTenths {
            query.filter("s.rating_count > 0 AND s.rating_sum * 10 >= \(tenths) * s.rating_count")
        }
        return try await fetchPage(query, sort: search.sort, ranked: ranked, page: page)
    }

    /// The page from the in-memory index, or `nil` when SQL must answer (while the index is first
    /// built, or for a word the tokenizer splits).
    package func searchIndex(_ search: OfferingSearch, audience: PriceAudience, page: PageRequest) async throws -> Page<ListedOffering>? {
        let words = search.text.map { FullTextQuery($0).words }
        if words?.isEmpty == true { return Page(items: [], nextCursor: nil) }
        let keyset = words != nil && search.sort == .relevance ? nil : OfferingKeyset(sort: search.sort, effectivePrice: "0")
        let resumption: SearchResumption? = try page.after.map { after in
            if let keyset { return .after(try keyset.orderKey(resuming: after)) }
            guard let offset = after.offset else { throw MarketError.invalid("cursor", "is not a cursor for this search") }
            return .offset(offset)
        }
        let today = CalendarDay(database.clock.now())
        return try await database.read { [index] db -> Page<ListedOffering>? in
            guard let tokenizer = index.tokenizer else { return nil }
            var terms: [SearchTerm] = []
            for (position, word) in (words ?? []).enumerated() {
                let tokens = try tokenizer.tokens(ofWord: word)
                guard tokens.count == 1 else { return nil }
                terms.append(SearchTerm(token: tokens[0], isPrefix: position == words!.count - 1))
            }
            guard let (catalogue, snapshot) = try index.catalogue(db) else { return nil }
            // A page is cached only as this transaction sees it, and only when the index is at the same place.
            let cacheable = catalogue.applied == snapshot
            let cacheKey = SearchPageCache.Key(search: search, audience: audience, limit: page.limit, after: page.after?.key)
            if cacheable, let cached = index.pages.page(cacheKey, generation: snapshot, day: today) { return cached }
            let hits = catalogue.search(
                search, terms: terms, audience: audience, today: today, resumption: resumption, limit: page.limit)
            var query = ListedOfferingQuery(source: .published, audience: audience, today: today)
            query.filter("l.seq IN (SELECT value FROM json_each(\("[" + hits.keys.map { String($0.seq) }.joined(separator: ",") + "]")))")
            // Offerings decoded before at the version listed now are unchanged: only their store,
            // rating and price columns are read again.
            let reuse = cacheable ? ListedOfferingQuery.Reuse(
                offering: { seq in
                    catalogue.documents[Int(seq)].flatMap { index.decodedOffering(seq, version: $0.version) }
                },
                keep: { seq, offering in
                    if let version = catalogue.documents[Int(seq)]?.version { index.keepDecoded(offering, seq: seq, version: version) }
                }) : nil
            let rows = try query.prepared(order: [.ascending("seq")], limit: hits.keys.count, offset: 0).fetchAll(db, reuse: reuse)
            let bySeq = Dictionary(rows.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
            let shown = hits.keys.compactMap { bySeq[Int64($0.seq)] }
            var next: MarketCore.Cursor?
            if hits.more {
                next = if let keyset {
                    MarketCore.Cursor(key: shown.last.map(keyset.key) ?? "")
                } else {
                    MarketCore.Cursor(offset: (page.after?.offset ?? 0) + page.limit)
                }
            }
            let answer = Page(items: shown.map(\.offering), nextCursor: next)
            if cacheable { index.pages.keep(answer, for: cacheKey, generation: snapshot, day: today) }
            return answer
        }
    }

    /// Runs one page of `query` in `sort` order, resuming after `page.after`.
    private func fetchPage(_ query: ListedOfferingQuery, sort: OfferingSort, ranked: Bool, page: PageRequest) async throws -> Page<ListedOffering> {
        var query = query
        let keyset = ranked ? nil : OfferingKeyset(sort: sort, effectivePrice: query.effectivePrice)
        var offset = 0
        if let after = page.after {
            if let keyset {
                try keyset.resume(after: after, &query)
            } else {
                guard let value = after.offset else { throw MarketError.invalid("cursor", "is not a cursor for this search") }
                offset = value
            }
        }
        let order = keyset?.order ?? [.ascending("rank"), .ascending("seq")]
        let prepared = query.prepared(order: order, limit: page.limit + 1, offset: offset)
        let rows = try await database.read { db in try prepared.fetchAll(db) }
        guard rows.count > page.limit else { return Page(items: rows.map(\.offering), nextCursor: nil) }
        let shown = rows.prefix(page.limit)
        let next = keyset.map { keyset in MarketCore.Cursor(key: shown.last.map(keyset.key) ?? "") }
            ?? MarketCore.Cursor(offset: offset + page.limit)
        return Page(items: shown.map(\.offering), nextCursor: next)
    }
}

/// Who is searching, only to hold back repeats from the demand log; never stored.
public struct SearchCaller: Sendable, Hashable {
    let key: String

    public static func user(_ id: UserID) -> SearchCaller { SearchCaller(key: "u:" + id.rawValue) }
    /// An anonymous caller, by network address (or `nil` when unknown).
    public static func anonymous(address: String?) -> SearchCaller { SearchCaller(key: "a:" + (address ?? "-")) }
}

/// The one query that lists offerings as a caller sees them: the row, its store's name, type and
/// rating, and the caller's effective price. For a council audience, the rate that applies
/// today (at most one, by the schema's no-overlap trigger) replaces the public price; for
/// everyone else no rate is even joined, so none can show in a price, an order or a count.
///
/// It runs in two steps in one statement: filter and order the compact rows of `source` (alias
/// `l`) to one page, then fetch the full offerings of that page only.
struct ListedOfferingQuery {
    enum Source {
        /// `offering_listing`: published offerings only, with their search indexes.
        case published
        /// `offering`: every status, for a provider's own staff and single lookups.
        case everyStatus

        var table: String {
            switch self {
            case .published: "offering_listing"
            case .everyStatus: "offering"
            }
        }
    }

    /// One term of an order, by a column of the page step: `seq`, `effective_price_pence`,
    /// `rating_score` or `rank`.
    struct OrderTerm {
        let column: String
        let descending: Bool

        static func ascending(_ column: String) -> OrderTerm { OrderTerm(column: column, descending: false) }
        static func descending(_ column: String) -> OrderTerm { OrderTerm(column: column, descending: true) }
    }

    let source: Source
    private var joins: SQL = ""
    private var condition: SQLExpression = true.sqlExpression
    /// The SQL expression of the caller's price per unit.
    let effectivePrice: SQL
    private let hasRate: SQL
    private var rank: SQL = "0"

    init(source: Source, audience: PriceAudience, today: CalendarDay) {
        self.source = source
        switch audience {
        case .publicPrices:
            effectivePrice = "l.public_price_pence"
            hasRate = "0"
        case .council(let council):
            joins = """
                LEFT JOIN council_rate r ON r.council_id = \(council) AND r.offering_id = l.id
                    AND r.valid_from <= \(today.text) AND coalesce(r.valid_to, '9999-12-31') >= \(today.text)
                """
            effectivePrice = "coalesce(r.rate_pence, l.public_price_pence)"
            hasRate = "r.rate_pence IS NOT NULL"
        }
    }

    /// Only offerings for which `sql` holds (alias `l` is the listing, `s` its store).
    mutating func filter(_ sql: SQL) {
        condition = condition && sql.sqlExpression
    }

    /// Only offerings whose title or description match; `rank` becomes their relevance.
    mutating func matchText(_ match: String) {
        joins = "\(joins) JOIN offering_fts f ON f.rowid = l.seq AND offering_fts MATCH \(match)"
        rank = "f.rank"
    }

    /// The query in `order`, ready to run on any connection.
    func prepared(order: [OrderTerm], limit: Int, offset: Int) -> Prepared {
        func render(_ prefix: String) -> String {
            order.map { prefix + $0.column + ($0.descending ? " DESC" : "") }.joined(separator: ", ")
        }
        let sql: SQL = """
            SELECT o.*, g.name AS store_name, s.provider_type AS store_provider_type, s.rating_count, s.rating_sum,
                k.effective_price_pence, k.has_rate, k.rating_score,
                rr.regulator AS regulator, rr.location_id AS regulator_location_id, rr.status AS regulator_status,
                rr.overall_rating AS regulator_rating, rr.last_inspected_on AS regulator_inspected_on,
                rr.synced_at AS regulator_synced_at
            FROM (
                SELECT l.seq AS seq, \(effectivePrice) AS effective_price_pence, \(hasRate) AS has_rate,
                    s.rating_score AS rating_score, \(rank) AS rank
                FROM \(sql: source.table) l JOIN provider_store s ON s.organisation_id = l.provider_id
                \(joins)
                WHERE \(condition)
                ORDER BY \(sql: render("")) LIMIT \(limit) OFFSET \(offset)
            ) k
            JOIN offering o ON o.seq = k.seq
            JOIN provider_store s ON s.organisation_id = o.provider_id
            JOIN organisation g ON g.id = o.provider_id
            LEFT JOIN regulator_registration rr ON rr.provider_id = o.provider_id
            ORDER BY \(sql: render("k."))
            """
        return Prepared(sql: sql)
    }

    struct Prepared: Sendable {
        let sql: SQL

        func fetchAll(_ db: Database, reuse: Reuse? = nil) throws -> [Fetched] {
            let (sql, arguments) = try sql.build(db)
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
                let seq: Int64 = row["seq"]
                let offering: Offering
                if let known = reuse?.offering(seq) {
                    offering = known
                } else {
                    offering = try OfferingRecord(row: row).offering()
                    reuse?.keep(seq, offering)
                }
                let listed = ListedOffering(
                    offering: offering, storeName: row["store_name"], providerType: row["store_provider_type"],
                    rating: RatingSummary(count: row["rating_count"], sum: row["rating_sum"]),
                    regulator: (row["regulator"] as Regulator?).map { regulator in
                        RegulatorRegistration(
                            providerID: offering.providerID, regulator: regulator, locationID: row["regulator_location_id"],
                            status: row["regulator_status"], overallRating: row["regulator_rating"],
                            lastInspectedOn: row["regulator_inspected_on"], syncedAt: row["regulator_synced_at"])
                    },
                    effectivePricePence: row["effective_price_pence"],
                    priceSource: row["has_rate"] ? .councilRate : .public)
                return Fetched(offering: listed, seq: seq, ratingScore: row["rating_score"])
            }
        }
    }

    /// Decoded offerings to use instead of decoding their rows again, and where to keep new ones.
    struct Reuse {
        let offering: (Int64) -> Offering?
        let keep: (Int64, Offering) -> Void
    }

    struct Fetched {
        let offering: ListedOffering
        let seq: Int64
        let ratingScore: Int
    }
}

/// Keyset pagination for every order but relevance: the order, the cursor key of the last item
/// (`<sort>:<value>:<seq>`) and the condition that resumes strictly after it.
struct OfferingKeyset {
    let sort: OfferingSort
    let effectivePrice: SQL

    var order: [ListedOfferingQuery.OrderTerm] {
        switch sort {
        case .relevance: [.ascending("seq")]
        case .priceAsc: [.ascending("effective_price_pence"), .ascending("seq")]
        case .priceDesc: [.descending("effective_price_pence"), .ascending("seq")]
        case .rating: [.descending("rating_score"), .ascending("seq")]
        }
    }

    private var prefix: String { sort.rawValue + ":" }

    func key(_ item: ListedOfferingQuery.Fetched) -> String {
        switch sort {
        case .relevance: "\(prefix)\(item.seq)"
        case .priceAsc, .priceDesc: "\(prefix)\(item.offering.effectivePricePence):\(item.seq)"
        case .rating: "\(prefix)\(item.ratingScore):\(item.seq)"
        }
    }

    /// The cursor's (sort value, `seq`): the value is absent for listing order.
    private func values(of cursor: MarketCore.Cursor) throws -> (value: Int64?, seq: Int64) {
        let fields = cursor.key.hasPrefix(prefix) ? cursor.key.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false) : []
        let values = fields.compactMap { Int64($0) }
        let expected = sort == .relevance ? 1 : 2
        guard fields.count == expected, values.count == expected else {
            throw MarketError.invalid("cursor", "is not a cursor for this search")
        }
        return (expected == 2 ? values[0] : nil, values[expected - 1])
    }

    /// The in-memory index's order key of the item the cursor names (`SearchCatalogue.search`).
    func orderKey(resuming cursor: MarketCore.Cursor) throws -> OfferingOrderKey {
        let (value, seq) = try values(of: cursor)
        let number = Double(value ?? 0)
        let ordered: Double = switch sort {
        case .relevance: 0
        case .priceAsc: number
        case .priceDesc, .rating: -number
        }
        // A seq past Int32 names no offering; clamping keeps "strictly after" true.
        return OfferingOrderKey(value: ordered, seq: Int32(clamping: seq))
    }

    func resume(after cursor: MarketCore.Cursor, _ query: inout ListedOfferingQuery) throws {
        let (value, seq) = try values(of: cursor)
        switch sort {
        case .relevance:
            query.filter("l.seq > \(seq)")
        case .priceAsc:
            query.filter("(\(effectivePrice) > \(value) OR (\(effectivePrice) = \(value) AND l.seq > \(seq)))")
        case .priceDesc:
            query.filter("(\(effectivePrice) < \(value) OR (\(effectivePrice) = \(value) AND l.seq > \(seq)))")
        case .rating:
            query.filter("(s.rating_score < \(value) OR (s.rating_score = \(value) AND l.seq > \(seq)))")
        }
    }
}
