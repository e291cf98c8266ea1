import Foundation
import HTTPTypes
import Testing

extension Client {
    /// A complete billing profile body; `overrides` replace or add fields (`NSNull()` removes one).
    static func billingProfileBody(_ overrides: [String: any Sendable] = [:]) -> [String: any Sendable] {
        var body: [String: any Sendable] = [
            "legal_name": "Brightpath Care Ltd",
            "address": ["line1": "1 High Street", "town": "Harrowby", "postcode": "ha1 2ab"] as [String: any Sendable],
            "company_number": "01234567", "payment_terms_days": 30, "invoice_prefix": "BRIGHT",
            "remittance_email": "accounts@brightpath.test",
        ]
        for (key, value) in overrides {
            if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
        }
        return body
    }

    func putBillingProfile(_ token: String, provider: String, _ overrides: [String: any Sendable] = [:]) async throws -> Answer {
        try await send(.put, "/v1/providers/\(provider)/billing-profile", token: token, json: Client.billingProfileBody(overrides))
    }

    /// Runs invoicing as `token`, as of `asOf`; requires 201 and returns the run.
    func runInvoicing(_ token: String, asOf: String? = nil) async throws -> [String: any Sendable] {
        let answer = try await send(.post, "/v1/invoicing-runs", token: token, json: asOf.map { ["as_of": $0] } ?? [:])
        try #require(answer.status == .created, "\(answer.text)")
        return try answer.json
    }

    /// The caller's invoices, newest first.
    func invoices(_ token: String, query: String = "") async throws -> [[String: any Sendable]] {
        let answer = try await send(.get, "/v1/invoices\(query)", token: token)
        try #require(answer.status == .ok, "\(answer.text)")
        return try answer.items
    }

    /// A non-recurring order of `hours` hours from `scene`'s offering, placed and accepted.
    func acceptedOrder(_ scene: OrderScene, hours: Int, start: String = "2026-09-21") async throws -> String {
        let placed = try await placeOrder(scene.holderToken, Client.orderBody(
            holder: scene.holder, offering: scene.offering, quantity: hours, start: start))
        let order = try #require(try placed.string("id"), "\(placed.text)")
        let accepted = try await send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken)
        try #require(accepted.status == .ok, "\(accepted.text)")
        return order
    }

    /// Records `hours` delivered on `day` on line 1 of `order`; returns the delivery's id.
    func deliver(_ scene: OrderScene, order: String, hours: Int, on day: String) async throws -> String {
        let answer = try await send(
            .post, "/v1/orders/\(order)/deliveries", token: scene.providerToken,
            json: ["line_number": 1, "delivered_on": day, "quantity": hours])
        try #require(answer.status == .created, "\(answer.text)")
        return try #require(try answer.string("id"))
    }
}

extension TestMarket {
    /// Moves the test clock to noon UTC on `day`.
    func setToday(_ day: String) throws {
        let date = try Date(day + "T12:00:00Z", strategy: Date.ISO8601FormatStyle())
        clock.set(date)
    }
}
