import Foundation
import HTTPTypes
import Testing

/// A private safeguarding channel: anyone raises a concern with a council; only that council's
/// admins read it; the person who raised it sees its status; nobody else learns it exists.
@Suite("Safeguarding concerns")
struct ConcernTests {
    @Test func onlyTheCouncilsAdminsReadAConcernAndTheRaiserSeesItsStatus() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            let providerToken = try await client.login("provider@demo.test")
            let provider = try #require(try await client.me(providerToken)["organisation_id"] as? String)
            let community = try await client.login("community@demo.test")

            let raised = try await client.send(.post, "/v1/concerns", token: community, json: [
                "council_id": council, "about_provider_id": provider, "urgency": "urgent",
                "description": "A carer shouted at Mr B during the lunch club and took his wallet",
            ])
            #expect(raised.status == .created, "\(raised.text)")
            let id = try #require(try raised.string("id"))
            #expect(try raised.string("emergency")?.contains("999") == true)
            #expect(try raised.json["details"] is NSNull, "the raiser sees a status, not the contents")
            #expect(try raised.string("status") == "received")

            // The council's admins read it whole; nobody else, not the provider concerned, not
            // commissioners, other councils or platform admins, can tell it exists.
            let read = try await client.send(.get, "/v1/concerns/\(id)", token: admin)
            #expect(read.status == .ok)
            let details = try #require(try read.json["details"] as? [String: any Sendable])
            #expect(details["about_provider_id"] as? String == provider)
            #expect((details["description"] as? String)?.contains("wallet") == true)
            for email in ["provider@demo.test", "commissioner@demo.test", "finance@demo.test", "commissioner@northfield.demo.test",
                          "admin@demo.test", "holder@demo.test", "broker@demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/concerns/\(id)", token: token).status == .notFound, "\(email)")
                #expect(try await client.send(.get, "/v1/concerns", token: token).items.isEmpty, "\(email)")
                #expect(try await client.send(.post, "/v1/concerns/\(id)/acknowledge", token: token).status == .notFound, "\(email)")
            }
            #expect(try await client.send(.get, "/v1/concerns/\(id)").status == .unauthorized)
            #expect(try await client.send(.get, "/v1/concerns", token: admin).items.count == 1)
            let mine = try #require(try await client.send(.get, "/v1/concerns", token: community).items.first)
            #expect(mine["details"] is NSNull && mine["status"] as? String == "received")

            // Acknowledged, then closed with an outcome; the raiser follows the status only.
            #expect(try await client.send(.post, "/v1/concerns/\(id)/acknowledge", token: community).status == .forbidden)
            #expect(try await client.send(.post, "/v1/concerns/\(id)/acknowledge", token: admin).status == .ok)
            #expect(try await client.send(.post, "/v1/concerns/\(id)/acknowledge", token: admin).status == .conflict)
            #expect(try await client.send(.post, "/v1/concerns/\(id)/close", token: admin, json: [:]).status == .unprocessableContent)
            let closed = try await client.send(
                .post, "/v1/concerns/\(id)/close", token: admin, json: ["outcome": "Referred to the police; the carer is suspended"])
            #expect(try closed.status == .ok && closed.string("status") == "closed")
            let followed = try await client.send(.get, "/v1/concerns/\(id)", token: community)
            #expect(try followed.string("status") == "closed" && !followed.text.contains("police"))
            #expect(try await client.send(.get, "/v1/concerns?status=closed", token: admin).items.count == 1)

            // The event names the concern and the council, nothing of what happened or about whom.
            let payload = try await market.database.read { db in
                try String.fetchOne(db, sql: "SELECT payload FROM outbox_event WHERE type = 'concern.raised'")
            }
            #expect(payload?.contains(council) == true && payload?.contains(provider) == false && payload?.contains("wallet") == false)
            #expect(try await market.count("audit_event WHERE subject_type = 'concern'") == 3)
            // Never in public: the provider's store and ratings say nothing.
            #expect(!(try await client.send(.get, "/v1/providers/\(provider)").text.contains(id)))
        }
    }

    @Test func aConcernAboutAHolderGoesToTheirCouncil() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin, name: "Mr B")
            let provider = try await client.login("provider@demo.test")
            let raised = try await client.send(.post, "/v1/concerns", token: provider, json: [
                "about_budget_holder_id": holder, "urgency": "immediate", "description": "He has not eaten for days",
            ])
            #expect(raised.status == .created, "\(raised.text)")
            #expect(try raised.string("council_id") == (try await client.councilID(of: admin)))
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.send(.get, "/v1/concerns/\(try raised.string("id") ?? "")", token: northfield).status == .notFound)
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            let holder = try await client.login("holder@demo.test")
            let cases: [([String: any Sendable], [String])] = [
                (["council_id": council, "description": "x"], ["about"]),
                (["council_id": council, "about": "a neighbour", "about_provider_id": "org_00000000000000000000", "description": "x"], ["about"]),
                (["council_id": council, "about": "a neighbour"], ["description"]),
                (["council_id": council, "about": "a neighbour", "description": "x", "urgency": "later"], ["urgency"]),
                (["about": "a neighbour", "description": "x"], ["council_id"]),
                (["council_id": "nonsense", "about": "a neighbour", "description": "x"], ["council_id"]),
                (["council_id": "cnc_00000000000000000000", "about": "a neighbour", "description": "x"], ["council_id"]),
                (["council_id": council, "about_provider_id": "org_00000000000000000000", "description": "x"], ["about_provider_id"]),
                (["council_id": council, "about": "a neighbour", "description": String(repeating: "x", count: 4_001)], ["description"]),
            ]
            for (body, fields) in cases {
                let answer = try await client.send(.post, "/v1/concerns", token: holder, json: body)
                #expect(answer.status == .unprocessableContent && answer.problemFields == fields, "\(body): \(answer.text)")
            }
            #expect(try await market.count("concern") == 0)
            #expect(try await client.send(.get, "/v1/concerns?status=open", token: admin).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/concerns/nonsense", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/v1/concerns/scn_00000000000000000000", token: admin).status == .notFound)
        }
    }
}
