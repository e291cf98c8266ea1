import Foundation
import GRDB
import MarketStore
import Testing

extension Client {
    /// Registers a budget holder as `token`; returns its id.
    func registerHolder(_ token: String, name: String = "Test Holder", council: String? = nil, user: String? = nil) async throws -> String {
        var body: [String: any Sendable] = ["display_name": name]
        if let council { body["council_id"] = council }
        if let user { body["user_id"] = user }
        let answer = try await send(.post, "/v1/budget-holders", token: token, json: body)
        try #require(answer.status == .created, "\(answer.text)")
        return try #require(try answer.string("id"))
    }

    /// A valid funding stream body; `overrides` replace or add fields (`NSNull()` removes one).
    static func streamBody(_ overrides: [String: any Sendable] = [:]) -> [String: any Sendable] {
        var body: [String: any Sendable] = [
            "source": "adult_social_care", "management_option": "council_managed", "fund_holder": "council",
            "period_from": "2026-04-01", "period_to": "2027-03-31", "allocation_pence": 100_000,
        ]
        for (key, value) in overrides {
            if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
        }
        return body
    }

    /// Adds a stream to `holder` as `token`; returns its id.
    func addStream(_ token: String, holder: String, _ overrides: [String: any Sendable] = [:]) async throws -> String {
        let answer = try await send(.post, "/v1/budget-holders/\(holder)/streams", token: token, json: Client.streamBody(overrides))
        try #require(answer.status == .created, "\(answer.text)")
        return try #require(try answer.string("id"))
    }

    /// An order body for one line.
    static func orderBody(
        holder: String, offering: String, quantity: any Sendable = 2, start: String = "2026-09-28",
        _ overrides: [String: any Sendable] = [:]
    ) -> [String: any Sendable] {
        var body: [String: any Sendable] = [
            "budget_holder_id": holder, "start_date": start,
            "lines": [["offering_id": offering, "quantity": quantity] as [String: any Sendable]],
        ]
        for (key, value) in overrides {
            if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
        }
        return body
    }

    func placeOrder(_ token: String, _ body: [String: any Sendable]) async throws -> Answer {
        try await send(.post, "/v1/orders", token: token, json: body)
    }

    /// The stream's balance as `GET .../budget` shows it.
    func stream(_ token: String, holder: String, id: String) async throws -> [String: any Sendable] {
        let budget = try await send(.get, "/v1/budget-holders/\(holder)/budget", token: token)
        try #require(budget.status == .ok, "\(budget.text)")
        let streams = try #require(try budget.json["streams"] as? [[String: any Sendable]])
        return try #require(streams.first { $0["id"] as? String == id })
    }
}

/// A funded Harrowby holder with the demo holder's own account, one stream, and an offering of
/// Brightpath's to buy: the common start of order tests.
struct OrderScene: Sendable {
    let holderToken: String
    let providerToken: String
    let adminToken: String
    let holder: String
    let stream: String
    let offering: String
    let council: String

    /// `allocation` pence on one council-managed stream; the offering costs `price` an hour.
    static func make(_ client: Client, allocation: Int = 100_000, price: Int = 2_000, unit: String = "hour") async throws -> OrderScene {
        let holderToken = try await client.login("holder@demo.test")
        let providerToken = try await client.login("provider@demo.test")
        let adminToken = try await client.login("councilboss@demo.test")
        let council = try await client.councilID(of: adminToken)
        let user = try #require(try await client.me(holderToken)["user_id"] as? String)
        let holder = try await client.registerHolder(adminToken, name: "Amira Patel", user: user)
        let stream = try await client.addStream(adminToken, holder: holder, ["allocation_pence": allocation])
        let offering = try await client.createOffering(providerToken, ["public_price_pence": price, "unit": unit])
        return OrderScene(
            holderToken: holderToken, providerToken: providerToken, adminToken: adminToken, holder: holder, stream: stream,
            offering: offering, council: council)
    }
}

extension TestMarket {
    /// Runs the ledger invariant check and fails the test on any violation.
    func expectLedgerHolds(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let report = try await LedgerCheck(database: database).run()
        #expect(report.violations.isEmpty, "\(report.violations)", sourceLocation: sourceLocation)
    }
}
