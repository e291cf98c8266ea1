import Foundation
import MarketStore
import Testing

@Suite("Demo budgets")
struct DemoBudgetTests {
    /// The demo market's holders: the funded holder and the self-funder have their records, the
    /// broker acts for two people, the ledgers hold, and seeding again changes nothing.
    @Test func theDemoBudgetsAreUsableAndSeedOnce() async throws {
        let market = try await TestMarket.make(seedBudgets: true)
        try await market.test { client in
            let holder = try await client.login("holder@demo.test")
            let holderID = try #require(try await client.me(holder)["budget_holder_id"] as? String)
            let budget = try await client.send(.get, "/v1/budget-holders/\(holderID)/budget", token: holder).json
            #expect((budget["streams"] as? [Any])?.count == 2)
            #expect(try await client.me(try await client.login("selffunder@demo.test"))["budget_holder_id"] is String)
            let broker = try await client.login("broker@demo.test")
            #expect(try await client.send(.get, "/v1/budget-holders", token: broker).items.count == 2)
            #expect(try await client.send(.get, "/v1/budget-holders", token: try await client.login("councilboss@demo.test")).items.count == 2)
        }
        let seed = DemoSeed(database: market.database, taxonomy: market.services.taxonomy, accounts: market.services.accounts)
        _ = try await seed.load(from: repositoryRoot.appendingPathComponent("seed-data/demo.json"), includingCommunity: false)
        #expect(try await market.count("budget_holder") == 3)
        #expect(try await market.count("funding_stream") == 4)
        #expect(try await market.count("delegation") == 2)
        try await market.expectLedgerHolds()
    }
}
