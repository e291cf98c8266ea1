import Foundation
import Testing

@Suite("Health, metrics and pagination")
struct SystemTests {
    @Test func healthChecksTheDatabase() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/health")
            #expect(answer.status == .ok)
            #expect(try answer.string("database") == "ok")
        }
    }

    @Test func metricsCountRequests() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            _ = try await client.send(.get, "/v1/categories")
            let answer = try await client.send(.get, "/metrics")
            #expect(answer.status == .ok)
            #expect(answer.text.contains("hb_requests"))
            #expect(answer.text.contains("/v1/categories"))
        }
    }

    @Test func cursorsWalkEveryItemOnceEvenWhenItemsAreAddedMeanwhile() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await client.send(.get, "/v1/users?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                #expect(page.status == .ok)
                seen += try page.items.compactMap { $0["id"] as? String }
                cursor = try page.json["next_cursor"] as? String
                pages += 1
                if pages == 1 {
                    _ = try await client.send(
                        .post, "/v1/users", token: admin,
                        json: ["email": "late@demo.test", "display_name": "Late", "password": "long-enough-password", "role": "budget_holder"])
                }
            } while cursor != nil && pages < 20
            #expect(Set(seen).count == seen.count)
            #expect(seen == seen.sorted())
            #expect(seen.count >= 11)
        }
    }
}
