import Foundation
import GRDB
import Logging
import MarketCore
import MarketStore
import Passwords
import Testing

@Suite("Synthetic market for benchmarks")
struct SyntheticMarketTests {
    func generate(_ market: TestMarket, seed: UInt64) async throws -> SyntheticMarket.Summary {
        try await SyntheticMarket(database: market.database, taxonomy: market.services.taxonomy, hasher: PasswordHasher.bcrypt(cost: 4))
            .generate(.init(councils: 2, providers: 12, offerings: 1_500), seed: seed, logger: Logger(label: "test"))
    }

    @Test func itBuildsAValidMarketThatSearchServesAtCouncilPrices() async throws {
        let market = try await TestMarket.make(seedDemo: false)
        let summary = try await generate(market, seed: 7)
        #expect(summary.offerings == 1_500 && summary.providers == 12 && summary.councils == 2)
        #expect(try await market.count("offering") == 1_500)
        #expect(try await market.count("offering_price") == 1_500)
        let storedRates = try await market.count("council_rate")
        #expect(summary.councilRates > 0 && summary.councilRates == storedRates)
        let (categories, published, listed, unindexed) = try await market.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(DISTINCT category) FROM offering") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM offering WHERE status = 'published'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM offering_listing l JOIN offering o USING (seq) WHERE o.status = 'published'") ?? 0,
             try Int.fetchOne(db, sql: """
                SELECT count(*) FROM offering o WHERE o.status = 'published'
                    AND NOT EXISTS (SELECT 1 FROM offering_area a WHERE a.offering_seq = o.seq)
                """) ?? -1)
        }
        #expect(categories >= market.services.taxonomy.categoryCount - market.services.taxonomy.roots.count)
        #expect(published > 1_300 && published < 1_500)
        // The searchable catalogue is exactly the published offerings, each with its areas.
        let listingRows = try await market.count("offering_listing")
        #expect(listed == published && listingRows == published)
        #expect(unindexed == 0)

        let email = try #require(EmailAddress(SyntheticMarket.holderEmail(council: 1, seed: 7)))
        let holder = try await market.services.accounts.user(email: email)
        let issued = try await market.services.tokens.issueWithoutPassword(for: try #require(holder))
        try await market.test { client in
            let holderView = try await client.search("limit=100&sort=price_asc", token: issued.token)
            let anonymousView = try await client.search("limit=100&sort=price_asc")
            #expect(holderView.count == 100 && anonymousView.count == 100)
            #expect(!anonymousView.contains { $0["price_source"] as? String == "council_rate" })
            let holderCouncil = try await client.councilID(of: issued.token)
            let rated = try await market.database.writer.read { db in
                try String.fetchOne(db, sql: """
                    SELECT offering_id FROM council_rate WHERE council_id = ? AND valid_to IS NULL LIMIT 1
                    """, arguments: [holderCouncil])
            }
            let shown = try await client.send(.get, "/v1/offerings/\(try #require(rated))", token: issued.token).json
            #expect(shown["price_source"] as? String == "council_rate")
            let found = try await client.search("q=dementia&limit=5")
            #expect(!found.isEmpty)
        }
        // The same seed twice is refused, and leaves nothing half-written.
        await #expect(throws: MarketError.self) { try await generate(market, seed: 7) }
        #expect(try await market.count("offering") == 1_500)
    }
}
