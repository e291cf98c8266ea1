import Foundation
import GRDB
import Logging
import MarketCore
import Synchronization

/// The published catalogue in memory, so that a search ranks and filters without SQLite scoring
/// every full-text match (issue 16: "home care" matched 15,238 offerings, and bm25 over all of
/// them took 33 ms before any page was chosen).
///
/// - Built from the database on first use (or by `warm()` when the server starts), from the
///   full-text index's own tokens, so it stems exactly as SQLite does.
/// - Kept current by `search_change`, which triggers write in every transaction that changes what
///   a search sees. Each search reads that log's last id in its own read transaction and first
///   applies whatever is newer, so a committed change shows in the very next search.
/// - While it is first being built, searches run in SQL (`CatalogueStore.search` falls back).
final class SearchIndex: Sendable {
    private enum Phase {
        case empty
        case building
        case ready(SearchCatalogue)
    }

    private let phase = Mutex<Phase>(.empty)
    /// `nil` if its in-memory database could not be opened: then every search runs in SQL.
    let tokenizer: SearchTokenizer?
    /// Pages answered from this index, while nothing has changed.
    let pages: SearchPageCache
    /// Listed offerings decoded from their rows, by `seq`, with the version they were decoded at.
    private let decoded = Mutex<[Int64: (version: Int64, offering: Offering)]>([:])
    static let decodedCapacity = 50_000
    /// The server's logger, once `warm` has been called; builds before that (tests) say nothing.
    private let logger = Mutex<Logger?>(nil)

    init(pageCache: Bool) {
        pages = SearchPageCache(enabled: pageCache)
        tokenizer = try? SearchTokenizer()
    }

    /// The catalogue caught up to `db`'s transaction from `search_change`, or `nil` while another
    /// caller builds it for the first time. It may be newer than the transaction (another search
    /// caught it up further): `snapshot` is the transaction's own place in `search_change`.
    func catalogue(_ db: Database) throws -> (catalogue: SearchCatalogue, snapshot: Int64)? {
        guard tokenizer != nil else { return nil }
        let last = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'search_change'") ?? 0
        return try catalogue(db, upTo: last).map { ($0, last) }
    }

    private func catalogue(_ db: Database, upTo last: Int64) throws -> SearchCatalogue? {
        let claimed: Bool = phase.withLock { phase in
            guard case .empty = phase else { return false }
            phase = .building
            return true
        }
        if claimed {
            do {
                let built = try build(db, upTo: last)
                phase.withLock { $0 = .ready(built) }
                return built
            } catch {
                phase.withLock { $0 = .empty }
                throw error
            }
        }
        return try phase.withLock { phase throws -> SearchCatalogue? in
            guard case .ready(var catalogue) = phase else { return nil }
            guard catalogue.applied < last else { return catalogue }
            phase = .building  // so that `catalogue` is the only reference, and changes in place
            defer { phase = .ready(catalogue) }
            try catchUp(&catalogue, db, upTo: last)
            return catalogue
        }
    }

    /// Builds the index now, if nobody has yet (`serve` calls this at start), and logs builds from now on.
    func warm(_ database: AppDatabase, logger: Logger) async {
        self.logger.withLock { $0 = logger }
        do {
            _ = try await database.read { db in try self.catalogue(db)?.snapshot }
        } catch {
            logger.error("the search index could not be built; searches run in SQL", metadata: ["error.message": "\(error)"])
        }
    }

    /// The offering `seq` decoded at `version` before, if it was.
    func decodedOffering(_ seq: Int64, version: Int64) -> Offering? {
        decoded.withLock { $0[seq] }.flatMap { $0.version == version ? $0.offering : nil }
    }

    func keepDecoded(_ offering: Offering, seq: Int64, version: Int64) {
        decoded.withLock { decoded in
            if decoded.count >= Self.decodedCapacity { decoded.removeAll(keepingCapacity: true) }
            decoded[seq] = (version, offering)
        }
    }

    // MARK: Building

    private func build(_ db: Database, upTo last: Int64) throws -> SearchCatalogue {
        let start = ContinuousClock.now
        var catalogue = SearchCatalogue()
        catalogue.applied = last
        try loadProviders(&catalogue, db, only: nil)
        var areas: [Int32: [String]] = [:]
        let areaRows = try Row.fetchCursor(db, sql: "SELECT offering_seq, district FROM offering_area")
        while let row = try areaRows.next() { areas[row[0], default: []].append(row[1]) }
        var tags: [Int32: [String]] = [:]
        let tagRows = try Row.fetchCursor(db, sql: "SELECT offering_seq, tag FROM offering_tag")
        while let row = try tagRows.next() { tags[row[0], default: []].append(row[1]) }
        let listings = try Row.fetchCursor(db, sql: "SELECT seq, provider_id, category, public_price_pence FROM offering_listing ORDER BY seq")
        while let row = try listings.next() {
            let seq: Int32 = row[0]
            catalogue.bulkList(SearchListing(
                seq: seq, providerID: row[1], category: row[2], publicPricePence: row[3],
                areas: areas[seq] ?? [], tags: tags[seq] ?? []))
        }
        areas = [:]
        tags = [:]
        // The full-text index's tokens, term by term, each term's offerings in ascending order.
        let instances = try Row.fetchCursor(db, sql: "SELECT term, doc FROM offering_fts_instance")
        var term = Data()
        var docs: [Int32] = []
        var counts: [UInt16] = []
        func flush() {
            if !docs.isEmpty { catalogue.appendPostings(String(decoding: term, as: UTF8.self), docs: docs, counts: counts) }
            docs.removeAll(keepingCapacity: true)
            counts.removeAll(keepingCapacity: true)
        }
        while let row = try instances.next() {
            let same = try row.withUnsafeData(atIndex: 0) { data in data == term }
            if !same {
                flush()
                term = try row.withUnsafeData(atIndex: 0) { $0 ?? Data() }
            }
            let seq: Int32 = row[1]
            if docs.last == seq { counts[counts.count - 1] &+= 1 } else {
                docs.append(seq)
                counts.append(1)
            }
        }
        flush()
        let rates = try Row.fetchCursor(db, sql: """
            SELECT o.seq, r.council_id, r.valid_from, r.valid_to, r.rate_pence
            FROM council_rate r JOIN offering_listing o ON o.id = r.offering_id ORDER BY o.seq
            """)
        var seq: Int32 = -1
        var periods: [(council: String, period: RatePeriod)] = []
        while let row = try rates.next() {
            if row[0] != seq {
                if seq >= 0 { catalogue.setRates(of: seq, periods) }
                seq = row[0]
                periods = []
            }
            periods.append((row[1], RatePeriod(from: row[2], to: row[3], pence: row[4])))
        }
        if seq >= 0 { catalogue.setRates(of: seq, periods) }
        logger.withLock { $0 }?.notice("search index built", metadata: [
            "search.offerings": "\(catalogue.documentCount)", "search.terms": "\(catalogue.termNames.count)",
            "search.tokens": "\(catalogue.tokenTotal)",
            "search.build_ms": "\(Int((ContinuousClock.now - start).inSeconds * 1000))",
        ])
        return catalogue
    }

    // MARK: Catching up

    /// Applies every change after `catalogue.applied`, reading the changed rows as `db` sees them.
    private func catchUp(_ catalogue: inout SearchCatalogue, _ db: Database, upTo last: Int64) throws {
        let oldest = try Int64.fetchOne(db, sql: "SELECT min(id) FROM search_change") ?? last + 1
        guard oldest <= catalogue.applied + 1 else {
            // Retention pruned changes this index never saw: start again.
            logger.withLock { $0 }?.notice("search index behind the change log's retention; building it again")
            catalogue = try build(db, upTo: last)
            return
        }
        var offerings = Set<Int32>()
        var providers = Set<String>()
        let changes = try Row.fetchCursor(
            db, sql: "SELECT offering_seq, provider_id FROM search_change WHERE id > ? AND id <= ?",
            arguments: [catalogue.applied, last])
        while let row = try changes.next() {
            if let seq = row[0] as Int32? { offerings.insert(seq) }
            if let provider = row[1] as String? { providers.insert(provider) }
        }
        if !providers.isEmpty { try loadProviders(&catalogue, db, only: providers) }
        for seq in offerings.sorted() { try reload(seq, into: &catalogue, db, version: last) }
        catalogue.applied = last
    }

    /// Lists `seq` as the database has it now, or takes it out if it is not listed.
    private func reload(_ seq: Int32, into catalogue: inout SearchCatalogue, _ db: Database, version: Int64) throws {
        let row = try Row.fetchOne(db, sql: """
            SELECT l.provider_id, l.category, l.public_price_pence, o.title, o.description,
                (SELECT json_group_array(DISTINCT value) FROM json_each(o.areas)) AS areas,
                (SELECT json_group_array(DISTINCT value) FROM json_each(o.tags)) AS tags
            FROM offering_listing l JOIN offering o ON o.seq = l.seq WHERE l.seq = ?
            """, arguments: [seq])
        guard let row else {
            catalogue.unlist(seq)
            catalogue.setRates(of: seq, [])
            return
        }
        guard let tokenizer else { return }  // never: `catalogue(_:)` answers nil without one
        let texts = try tokenizer.tokens(of: [row["title"], row["description"]])
        catalogue.list(
            SearchListing(
                seq: seq, providerID: row["provider_id"], category: row["category"], publicPricePence: row["public_price_pence"],
                areas: try JSONDecoder().decode([String].self, from: Data((row["areas"] as String).utf8)),
                tags: try JSONDecoder().decode([String].self, from: Data((row["tags"] as String).utf8))),
            tokens: texts[0] + texts[1], version: version)
        let periods = try Row.fetchAll(db, sql: """
            SELECT r.council_id, r.valid_from, r.valid_to, r.rate_pence FROM council_rate r JOIN offering o ON o.id = r.offering_id
            WHERE o.seq = ?
            """, arguments: [seq])
        catalogue.setRates(of: seq, periods.map { ($0[0], RatePeriod(from: $0[1], to: $0[2], pence: $0[3])) })
    }

    private func loadProviders(_ catalogue: inout SearchCatalogue, _ db: Database, only: Set<String>?) throws {
        let only = only.map { CatalogueJSON.array($0.sorted()) }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT s.organisation_id, s.provider_type, s.rating_count, s.rating_sum, s.rating_score,
                CASE WHEN r.status = 'registered' THEN r.rating_rank END AS registered_rank
            FROM provider_store s LEFT JOIN regulator_registration r ON r.provider_id = s.organisation_id
            WHERE ?1 IS NULL OR s.organisation_id IN (SELECT value FROM json_each(?1))
            """, arguments: [only])
        while let row = try rows.next() {
            catalogue.setProvider(row[0], SearchProvider(
                type: row[1], ratingCount: row[2], ratingSum: row[3], ratingScore: row[4], registeredRank: row[5]))
        }
    }
}
