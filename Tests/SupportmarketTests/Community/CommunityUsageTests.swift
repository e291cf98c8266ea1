import Foundation
import GRDB
import MarketCore
import MarketStore
import Testing

@Suite("Community usage counts")
struct CommunityUsageTests {
    func totals(_ market: TestMarket) async throws -> (views: Int, clicks: Int) {
        try await market.database.writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT coalesce(sum(views), 0) AS v, coalesce(sum(click_throughs), 0) AS c FROM community_usage")
            return (row?["v"] ?? -1, row?["c"] ?? -1)
        }
    }

    /// Many concurrent views and click-throughs through the real HTTP stack; the counts are
    /// written by the flush service at graceful shutdown, when the test's server stops.
    @Test func concurrentCountsAddUpAndSurviveACleanShutdown() async throws {
        let market = try await TestMarket.make()
        let views = 300
        let clicks = 120
        try await market.test { client in
            let publisher = try await client.login("community@demo.test")
            let first = try await client.createResource(publisher)
            let second = try await client.createResource(publisher, ["title": "Second"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<views {
                    group.addTask {
                        let id = index.isMultiple(of: 3) ? second : first
                        let answer = try await client.send(.get, "/v1/community/resources/\(id)")
                        #expect(answer.status == .ok)
                    }
                }
                for index in 0..<clicks {
                    group.addTask {
                        let id = index.isMultiple(of: 2) ? second : first
                        let answer = try await client.send(.post, "/v1/community/resources/\(id)/click-throughs")
                        #expect(answer.status == .accepted)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send(.post, "/v1/community/resources/res_00000000000000000000/click-throughs").status == .notFound)
        }
        let (countedViews, countedClicks) = try await totals(market)
        #expect(countedViews == views)
        #expect(countedClicks == clicks)
        #expect(market.services.communityUsage.pendingCount == 0)
    }

    @Test func countsAreKeptPerDayAndAddedAcrossFlushes() async throws {
        let market = try await TestMarket.make()
        let recorder = CommunityUsageRecorder(database: market.database)
        let id = try await market.test { client in
            try await client.createResource(try await client.login("community@demo.test"))
        }
        let resource = try #require(CommunityResourceID(id))
        recorder.recordView(of: resource)
        recorder.recordView(of: resource)
        #expect(try await recorder.flush() == 1)
        recorder.recordView(of: resource)
        market.clock.advance(by: 86_400)
        recorder.recordClickThrough(of: resource)
        #expect(try await recorder.flush() == 2)
        let days = try await market.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT day, views, click_throughs FROM community_usage ORDER BY day")
                .map { [$0["views"] as Int, $0["click_throughs"] as Int] }
        }
        #expect(days == [[3, 0], [0, 1]])
    }
}
