import Foundation
import GRDB
import HTTPTypes
import Testing

extension Client {
    /// A valid offering; `overrides` replace or add fields (`NSNull()` removes one).
    static func offeringBody(_ overrides: [String: any Sendable] = [:]) -> [String: any Sendable] {
        var body: [String: any Sendable] = [
            "title": "Home care visits", "description": "Help with washing, dressing and meals at home.",
            "category": "personal-care.home-care", "unit": "hour", "public_price_pence": 2400,
            "areas": ["HA1", "ha2"],
            "attributes": [
                "languages": ["English", "Gujarati"], "staff_genders": ["female"], "wheelchair_accessible": true,
                "times_available": ["weekday_daytime", "weekend"],
            ] as [String: any Sendable],
        ]
        for (key, value) in overrides {
            if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
        }
        return body
    }

    /// Creates an offering as provider staff `token`; published unless told otherwise. Returns its id.
    func createOffering(_ token: String, _ overrides: [String: any Sendable] = [:], publish: Bool = true) async throws -> String {
        let answer = try await send(.post, "/v1/offerings", token: token, json: Client.offeringBody(overrides))
        try #require(answer.status == .created, "\(answer.text)")
        let id = try #require(try answer.string("id"))
        if publish {
            let published = try await send(.post, "/v1/offerings/\(id)/publish", token: token)
            try #require(published.status == .ok, "\(published.text)")
        }
        return id
    }

    /// The id of the demo organisation with this name.
    func organisationID(named name: String) async throws -> String {
        let organisations = try await send(.get, "/v1/organisations?limit=100").items
        return try #require(organisations.first { $0["name"] as? String == name }?["id"] as? String)
    }

    /// A new user made by the platform admin, logged in; returns their token.
    func newUser(role: String, email: String, council: String? = nil, organisation: String? = nil) async throws -> String {
        let admin = try await login("admin@demo.test")
        var body: [String: any Sendable] = [
            "email": email, "display_name": "Test \(role)", "role": role,
        ]
        if let council { body["council_id"] = council }
        if let organisation { body["organisation_id"] = organisation }
        let created = try await send(.post, "/v1/users", token: admin, json: body)
        try #require(created.status == .created, "\(created.text)")
        return try await acceptInvitation(of: email)
    }

    /// Staff of the demo's second provider, Maya's Kitchen Cakes.
    func otherProviderStaff() async throws -> String {
        try await newUser(role: "provider", email: "cakes@demo.test", organisation: try await organisationID(named: "Maya's Kitchen Cakes"))
    }

    /// The council of a signed-in council user or funded holder.
    func councilID(of token: String) async throws -> String {
        try #require(try await me(token)["council_id"] as? String)
    }

    /// Agrees a council rate as `token` for the caller's council; returns the answer.
    func agreeRate(
        _ token: String, offering: String, pence: Int, from: String = "2026-01-01", to: String? = nil, council: String? = nil
    ) async throws -> Answer {
        var council = council
        if council == nil { council = try await councilID(of: token) }
        var body: [String: any Sendable] = ["offering_id": offering, "rate_pence": pence, "valid_from": from]
        if let to { body["valid_to"] = to }
        return try await send(.post, "/v1/councils/\(council ?? "")/rates", token: token, json: body)
    }

    /// Searches and returns the page's items.
    func search(_ query: String, token: String? = nil) async throws -> [[String: any Sendable]] {
        let answer = try await send(.get, "/v1/offerings?\(query)", token: token)
        try #require(answer.status == .ok, "\(query): \(answer.text)")
        return try answer.items
    }
}

extension TestMarket {
    /// Rows of `table` (which may carry its own `WHERE`).
    func count(_ table: String) async throws -> Int {
        try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    func count(_ table: String, where condition: String) async throws -> Int {
        try await count("\(table) WHERE \(condition)")
    }

    /// Events about orders and deliveries (not the catalogue's own, such as `offering.published`).
    func orderEvents() async throws -> Int {
        try await database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE type GLOB 'order.*' OR type GLOB 'delivery.*'") ?? -1
        }
    }
}
