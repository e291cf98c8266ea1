import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("A live server on 127.0.0.1")
struct LiveServerTests {
    /// The whole stack over a real socket: log in, call /v1/me, get a problem for a bad route.
    @Test func servesOverARealSocket() async throws {
        let market = try await TestMarket.make()
        try await market.application.test(.live) { raw in
            let client = Client(client: raw, market: market)
            let token = try await client.login("holder@demo.test")
            #expect(try await client.me(token)["role"] as? String == "budget_holder")
            let missing = try await client.send(.get, "/v1/missing")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            // With no metrics token, loopback callers read /metrics (with or without a trailing
            // slash), but not a request a proxy forwarded from elsewhere.
            #expect(try await client.send(.get, "/metrics").status == .ok)
            let slash = try await client.send(.get, "/metrics/")
            #expect(slash.status == .ok)
            let forwarded = HTTPFields([HTTPField(name: HTTPField.Name("X-Forwarded-For")!, value: "203.0.113.9")])
            #expect(try await client.send(.get, "/metrics", headers: forwarded).status == .unauthorized)
            #expect(try await client.send(.get, "/metrics/", headers: forwarded).status == .unauthorized)
        }
    }
}
