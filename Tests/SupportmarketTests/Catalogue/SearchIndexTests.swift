import Foundation
import GRDB
import Logging
@testable import MarketCore
@testable import MarketStore
import Passwords
import Testing

/// The in-memory search index (issue 16) answers exactly as the SQL search did: the SQL search is
/// kept, and is the oracle here.
@Suite("The in-memory search index")
struct SearchIndexTests {
    /// A synthetic market of 1,500 offerings over two councils, with people's ratings on most
    /// stores and regulator registrations on some, so every filter has something to find.
    static func market() async throws -> TestMarket {
        let market = try await TestMarket.make(seedDemo: false)
        _ = try await SyntheticMarket(database: market.database, taxonomy: market.services.taxonomy, hasher: PasswordHasher.bcrypt(cost: 4))
            .generate(.init(councils: 2, providers: 12, offerings: 1_500), seed: 11, logger: Logger(label: "test"))
        try await market.database.writer.write { db in
            try db.execute(sql: """
                UPDATE provider_store SET rating_count = (rowid % 4) * 3, rating_sum = (rowid % 4) * 3 * (1 + rowid % 5);
                INSERT INTO regulator_registration (provider_id, regulator, status, overall_rating, synced_at, source)
                    SELECT organisation_id, 'cqc', CASE WHEN rowid % 3 = 0 THEN 'suspended' ELSE 'registered' END,
                        CASE rowid % 4 WHEN 0 THEN 'outstanding' WHEN 1 THEN 'good' WHEN 2 THEN 'requires_improvement' END,
                        '2026-11-01T00:00:00Z', 'import'
                    FROM provider_store WHERE rowid % 2 = 0;
                """)
        }
        return market
    }

    /// Both engines' pages of `search`, walked `pages` deep by the cursors they give, must agree
    /// item for item: the offering, its price and where the price came from, and the cursor.
    func expectSameAnswers(
        _ catalogue: CatalogueStore, _ search: OfferingSearch, audience: PriceAudience, limit: Int = 7, pages: Int = 3,
        _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var after: MarketCore.Cursor?
        for number in 1...pages {
            let page = PageRequest(limit: limit, after: after)
            let answered = try await catalogue.searchIndex(search, audience: audience, page: page)
            let indexed = try #require(answered, "the index must answer \(label)", sourceLocation: sourceLocation)
            let sql = try await catalogue.listPublished(search, audience: audience, page: page, engine: .sql)
            func shown(_ page: Page<ListedOffering>) -> [String] {
                page.items.map { "\($0.offering.id.rawValue) \($0.effectivePricePence) \($0.priceSource.rawValue)" }
            }
            #expect(shown(indexed) == shown(sql), "\(label), page \(number)", sourceLocation: sourceLocation)
            #expect(indexed.nextCursor?.key == sql.nextCursor?.key, "\(label), page \(number)", sourceLocation: sourceLocation)
            guard let next = sql.nextCursor else { return }
            after = next
        }
    }

    func councils(_ market: TestMarket) async throws -> [CouncilID] {
        try await market.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM council ORDER BY code").map { CouncilID($0)! }
        }
    }

    /// The prefix rule and stemming, on a fixed set of searches, in every order and audience.
    @Test func fixedSearchesGiveWhatSQLGives() async throws {
        let market = try await Self.market()
        let catalogue = market.services.catalogue
        let taxonomy = market.services.taxonomy
        let audiences: [PriceAudience] = [.publicPrices] + (try await councils(market)).map { .council($0) }
        let texts = [
            "care", "caring", "carer", "home care", "home car", "home c", "dem", "demen", "dementia", "dementia s",
            "dementia support", "support dementia", "Dementia SUPPORT", "cooking", "one to one", "person centred",
            "persons", "trial sessions", "dbs checked", "zzzz", "a", "s", "the", "culturally matched",
            "autism young adults", "stroke", "strokes", "end of life", "evening", "évening", "care care",
        ]
        for text in texts {
            for sort in ["relevance", "price_asc", "price_desc", "rating"] {
                let search = try OfferingSearch(text: text, sort: sort, taxonomy: taxonomy)
                for audience in audiences {
                    try await expectSameAnswers(catalogue, search, audience: audience, "q=\(text) sort=\(sort) \(audience)")
                }
            }
        }
    }

    /// Filters alone and with text, in every order, for every audience.
    @Test func filteredSearchesGiveWhatSQLGives() async throws {
        let market = try await Self.market()
        let catalogue = market.services.catalogue
        let taxonomy = market.services.taxonomy
        let (area, tag) = try await market.database.writer.read { db in
            (try String.fetchOne(db, sql: "SELECT district FROM offering_area GROUP BY district ORDER BY count(*) DESC LIMIT 1")!,
             try String.fetchOne(db, sql: "SELECT tag FROM offering_tag GROUP BY tag ORDER BY count(*) DESC LIMIT 1")!)
        }
        let audiences: [PriceAudience] = [.publicPrices] + (try await councils(market)).map { .council($0) }
        let filters: [(String, () throws -> OfferingSearch)] = [
            ("none", { try OfferingSearch(taxonomy: taxonomy) }),
            ("category", { try OfferingSearch(category: "personal-care", taxonomy: taxonomy) }),
            ("area", { try OfferingSearch(area: area, taxonomy: taxonomy) }),
            ("area and text", { try OfferingSearch(text: "support", area: area, taxonomy: taxonomy) }),
            ("tag", { try OfferingSearch(attributes: [tag], taxonomy: taxonomy) }),
            ("unknown tag", { try OfferingSearch(attributes: ["language:klingon"], taxonomy: taxonomy) }),
            ("unknown area", { try OfferingSearch(area: "ZZ9", taxonomy: taxonomy) }),
            ("price", { try OfferingSearch(minPricePence: "1500", maxPricePence: "2500", taxonomy: taxonomy) }),
            ("price and text", { try OfferingSearch(text: "care", minPricePence: "1000", maxPricePence: "2200", taxonomy: taxonomy) }),
            ("provider type", { try OfferingSearch(providerType: "micro", taxonomy: taxonomy) }),
            ("rating", { try OfferingSearch(minRating: "3.5", taxonomy: taxonomy) }),
            ("regulator", { try OfferingSearch(minRegulatorRating: "good", taxonomy: taxonomy) }),
            ("everything", {
                try OfferingSearch(
                    text: "care", category: "personal-care", area: area, minPricePence: "100", maxPricePence: "9000",
                    minRating: "1", taxonomy: taxonomy)
            }),
        ]
        for (label, make) in filters {
            for sort in OfferingSort.allCases {
                var search = try make()
                search.sort = sort
                for audience in audiences {
                    try await expectSameAnswers(catalogue, search, audience: audience, "\(label) sort=\(sort) \(audience)")
                }
            }
        }
    }

    /// 150 seeded random searches: words from the offerings' own titles, cut as if typed, with
    /// random filters, orders, page sizes and audiences.
    @Test func randomSearchesGiveWhatSQLGives() async throws {
        let market = try await Self.market()
        let catalogue = market.services.catalogue
        let taxonomy = market.services.taxonomy
        let (titles, areas) = try await market.database.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT title FROM offering ORDER BY seq LIMIT 300"),
             try String.fetchAll(db, sql: "SELECT DISTINCT district FROM offering_area ORDER BY 1"))
        }
        let words = Array(Set(titles.flatMap { $0.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init) })).sorted()
        let categories = taxonomy.roots.map(\.id)
        let audiences: [PriceAudience] = [.publicPrices] + (try await councils(market)).map { .council($0) }
        var random = SplitMix64(seed: 2026)
        for round in 0..<150 {
            var text = (0...random.next(upperBound: 3)).map { _ in words[random.next(upperBound: words.count)] }
            if random.next(upperBound: 3) == 0, let last = text.last, last.count > 1 {
                text[text.count - 1] = String(last.prefix(1 + random.next(upperBound: last.count - 1)))
            }
            let sort = OfferingSort.allCases[random.next(upperBound: 4)]
            let low = random.next(upperBound: 4) == 0 ? String(random.next(upperBound: 3000)) : nil
            let search = try OfferingSearch(
                text: random.next(upperBound: 6) == 0 ? nil : text.joined(separator: " "),
                category: random.next(upperBound: 4) == 0 ? categories[random.next(upperBound: categories.count)] : nil,
                area: random.next(upperBound: 4) == 0 ? areas[random.next(upperBound: areas.count)] : nil,
                minPricePence: low, maxPricePence: low.map { String(Int($0)! + 1500) }, sort: sort.rawValue, taxonomy: taxonomy)
            try await expectSameAnswers(
                catalogue, search, audience: audiences[random.next(upperBound: audiences.count)],
                limit: 1 + random.next(upperBound: 25), pages: 2, "round \(round): \(search)")
        }
    }

    /// Ranks are FTS5's bm25 to the last bit, not merely in the same order.
    @Test func ranksAreSQLitesBm25Exactly() async throws {
        let market = try await Self.market()
        let index = market.services.catalogue.index
        for text in ["care", "home care", "dementia s", "support", "one to one", "weekend", "c"] {
            let query = FullTextQuery(text)
            let terms = try query.words.enumerated().map { position, word in
                SearchTerm(token: try #require(index.tokenizer).tokens(ofWord: word)[0], isPrefix: position == query.words.count - 1)
            }
            let (sql, indexed) = try await market.database.read { db in
                let sql = try Row.fetchAll(
                    db, sql: "SELECT rowid, rank FROM offering_fts WHERE offering_fts MATCH ?", arguments: [query.matchExpression!]
                ).map { (Int32($0[0] as Int64), $0[1] as Double) }
                let matches = try #require(try index.catalogue(db)).catalogue.textMatches(terms)
                return (sql, Array(zip(matches.seqs, matches.ranks)))
            }
            #expect(!sql.isEmpty, "\(text)")
            #expect(Dictionary(uniqueKeysWithValues: indexed) == Dictionary(uniqueKeysWithValues: sql), "\(text)")
        }
    }

    /// The index's tokenizer is the full-text table's.
    @Test func theTokenizerIsTheFullTextIndexs() async throws {
        let market = try await TestMarket.make(seedDemo: false)
        let definition = try await market.database.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'offering_fts'")
        }
        #expect(try #require(definition).contains("tokenize = '\(SearchTokenizer.definition)'"))
        let tokens = try SearchTokenizer().tokens(of: ["Caring for carers, cooked meals", "Évening"])
        #expect(tokens == [["care", "for", "carer", "cook", "meal"], ["even"]])  // porter: evening -> even
    }

    /// An index that finds its place in the change log pruned away builds itself again.
    @Test func anIndexBehindTheRetainedChangesRebuilds() async throws {
        let market = try await Self.market()
        let catalogue = market.services.catalogue
        let search = try OfferingSearch(text: "care", taxonomy: market.services.taxonomy)
        try await expectSameAnswers(catalogue, search, audience: .publicPrices, "before")
        try await market.database.writer.write { db in
            try db.execute(sql: """
                UPDATE offering SET title = 'Zygote care' WHERE seq = (SELECT min(seq) FROM offering_listing);
                UPDATE offering SET status = 'unpublished' WHERE seq = (SELECT max(seq) FROM offering_listing);
                DELETE FROM search_change;
                UPDATE offering SET title = title || ' plus' WHERE seq = (SELECT min(seq) + 1 FROM offering_listing);
                """)
        }
        try await expectSameAnswers(catalogue, search, audience: .publicPrices, "after")
        let zygote = try await catalogue.listPublished(
            try OfferingSearch(text: "zygote", taxonomy: market.services.taxonomy), audience: .publicPrices,
            page: PageRequest(), engine: .index)
        #expect(zygote.items.count == 1)
    }
}

@Suite("Search sees every change at once")
struct SearchFreshnessTests {
    /// Each change is followed at once by the search that must show it; the index was built by
    /// the first search, before any of them.
    @Test func editsPublishingUnpublishingRatesAndRatingsShowInTheNextSearch() async throws {
        let market = try await TestMarket.make()  // today is 2026-09-21 on the test clock
        try await market.test { client in
            func ids(_ query: String, token: String? = nil) async throws -> [String] {
                try await client.search(query, token: token).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("q=zebra").isEmpty)
            let provider = try await client.login("provider@demo.test")
            let offering = try await client.createOffering(provider, ["title": "Zebra crossing companions", "public_price_pence": 2400])
            #expect(try await ids("q=zebra") == [offering])
            #expect(try await ids("q=zeb") == [offering])
            #expect(try await client.search("q=companions").first?["title"] as? String == "Zebra crossing companions")

            let edited = try await client.send(.patch, "/v1/offerings/\(offering)", token: provider, json: ["title": "Yak grooming companions"])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(try await ids("q=zebra").isEmpty)
            #expect(try await ids("q=yak%20groom") == [offering])  // stemmed: grooming -> groom
            #expect(try await client.search("q=companions").first?["title"] as? String == "Yak grooming companions")

            #expect(try await client.send(.post, "/v1/offerings/\(offering)/unpublish", token: provider).status == .ok)
            #expect(try await ids("q=yak").isEmpty)
            #expect(try await client.send(.post, "/v1/offerings/\(offering)/publish", token: provider).status == .ok)
            #expect(try await ids("q=yak") == [offering])
            let draft = try await client.createOffering(provider, ["title": "Yak draft"], publish: false)
            #expect(try await ids("q=yak") == [offering], "drafts are never shown: \(draft)")

            // A council rate shows to the council's holder in the next search: price, filter, order.
            let holder = try await client.login("holder@demo.test")
            #expect(try await ids("q=yak&max_price_pence=2000", token: holder).isEmpty)
            let commissioner = try await client.login("commissioner@demo.test")
            let agreed = try await client.agreeRate(commissioner, offering: offering, pence: 1800)
            #expect(agreed.status == .created, "\(agreed.text)")
            #expect(try await ids("q=yak&max_price_pence=2000", token: holder) == [offering])
            let shown = try #require(try await client.search("q=yak", token: holder).first)
            #expect(shown["effective_price_pence"] as? Int == 1800 && shown["price_source"] as? String == "council_rate")
            #expect(try await ids("q=yak&max_price_pence=2000").isEmpty, "anonymous callers never get the rate")
            // Ended yesterday: gone from the holder's next search.
            let council = try await client.councilID(of: commissioner)
            let rate = try #require(try agreed.string("id"))
            market.clock.advance(by: 86_400)
            let ended = try await client.send(
                .patch, "/v1/councils/\(council)/rates/\(rate)", token: commissioner, json: ["valid_to": "2026-09-21"])
            #expect(ended.status == .ok, "\(ended.text)")
            let laterHolder = try await client.login("holder@demo.test")
            #expect(try await ids("q=yak&max_price_pence=2000", token: laterHolder).isEmpty)

            // People's ratings change the store's place in sort=rating and min_rating at once.
            #expect(try await ids("q=companions&min_rating=4.5").isEmpty)
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    UPDATE provider_store SET rating_count = 40, rating_sum = 196
                        WHERE organisation_id = (SELECT provider_id FROM offering WHERE id = ?)
                    """, arguments: [offering])
            }
            #expect(try await ids("q=companions&min_rating=4.5") == [offering])

            // The store's new name is in the next answer to the very same search (a cached page).
            let providerID = try await client.organisationID(named: "Brightpath Home Care")
            #expect(try await client.search("q=companions").first?["store_name"] as? String == "Brightpath Home Care")
            let renamed = try await client.send(.patch, "/v1/providers/\(providerID)", token: provider, json: ["name": "Brightpath Care Co-op"])
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try await client.search("q=companions").first?["store_name"] as? String == "Brightpath Care Co-op")
            // However the organisation is renamed (here by SQL, as an administrator's tool might).
            try await market.database.writer.write { db in
                try db.execute(sql: "UPDATE organisation SET name = 'Brightpath Together' WHERE id = ?", arguments: [providerID])
            }
            #expect(try await client.search("q=companions").first?["store_name"] as? String == "Brightpath Together")
        }
    }
}
