import Foundation
import GRDB
import HTTPTypes
import Testing

extension Client {
    /// Adds to a council's prohibited-spend list as `token`; returns the answer.
    func prohibit(_ token: String, council: String, _ body: [String: any Sendable]) async throws -> Answer {
        try await send(.post, "/v1/councils/\(council)/prohibited-spend", token: token, json: body)
    }
}

/// What public money may not buy: a council's list, applied to every stream it funds but the
/// holder's own contribution, said by the quote, refused with the reason, and recorded.
@Suite("Prohibited spend")
struct ProhibitedSpendTests {
    @Test func aProhibitedCategoryIsRefusedWithTheReasonSaidInAdvanceAndRecorded() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let added = try await client.prohibit(scene.adminToken, council: scene.council, [
                "category": "personal-care", "reason": "Paid for by the NHS continuing-care team in Harrowby",
            ])
            #expect(added.status == .created, "\(added.text)")
            let entry = try #require(try added.string("id"))
            let listed = try await client.send(.get, "/v1/councils/\(scene.council)/prohibited-spend")  // anonymous: councils publish it
            #expect(try listed.items.map { $0["id"] as? String } == [entry])

            let body = Client.orderBody(holder: scene.holder, offering: scene.offering)
            let quote = try await client.send(.post, "/v1/order-quotes", token: scene.holderToken, json: body).json
            #expect(quote["can_order"] as? Bool == false)
            let reason = try #require((quote["streams"] as? [[String: Any]])?.first?["reason"] as? String)
            #expect(reason.contains("the council's funds may not buy the category personal-care"), "\(reason)")
            #expect(reason.contains("NHS continuing-care"), "\(reason)")

            let ledgerBefore = try await market.count("ledger_entry")
            let refused = try await client.placeOrder(scene.holderToken, body)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.problemFields == ["stream_id"])
            #expect(refused.text.contains("NHS continuing-care"), "\(refused.text)")
            #expect(try await market.count("purchase_order") == 0)
            #expect(try await market.count("ledger_entry") == ledgerBefore)
            let logged = try market.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM order_refusal") }
            #expect(logged.count == 1)
            #expect(logged.first?["reason"] as String? == "prohibited_spend")
            #expect(logged.first?["council_id"] as String? == scene.council)
            #expect(logged.first?["category"] as String? == "personal-care.home-care")

            // The holder's own money is theirs to spend: the list does not bind it.
            let own = try await client.addStream(scene.adminToken, holder: scene.holder, [
                "source": "own_contribution", "management_option": "direct_payment", "fund_holder": "holder",
            ])
            let paidByThemselves = try await client.placeOrder(scene.holderToken, body)
            #expect(paidByThemselves.status == .created, "\(paidByThemselves.text)")
            #expect(try paidByThemselves.string("stream_id") == own)

            // Withdrawn, the council's stream pays again; the entry stays on record.
            #expect(try await client.send(.delete, "/v1/councils/\(scene.council)/prohibited-spend/\(entry)", token: scene.adminToken).status == .noContent)
            #expect(try await client.send(.delete, "/v1/councils/\(scene.council)/prohibited-spend/\(entry)", token: scene.adminToken).status == .notFound)
            #expect(try await client.send(.get, "/v1/councils/\(scene.council)/prohibited-spend").items.isEmpty)
            #expect(try await market.count("prohibited_spend") == 1)
            let councilPaid = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, ["stream_id": scene.stream]))
            #expect(councilPaid.status == .created, "\(councilPaid.text)")
            try await market.expectLedgerHolds()
        }
    }

    /// One offering can be on the list without its category; a self-funder is bound by no list.
    @Test func anOfferingCanBeProhibitedAloneAndSelfFundersAreNotBound() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let other = try await client.createOffering(scene.providerToken, ["title": "Evening care calls"])
            #expect(try await client.prohibit(scene.adminToken, council: scene.council, [
                "offering_id": scene.offering, "reason": "Under investigation by trading standards",
            ]).status == .created)
            let refused = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("this offering"), "\(refused.text)")
            #expect(try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: other)).status == .created)

            let selfFunder = try await client.login("selffunder@demo.test")
            let holder = try await client.registerHolder(selfFunder, name: "Sam")
            _ = try await client.addStream(selfFunder, holder: holder, [
                "source": "own_contribution", "management_option": "direct_payment", "fund_holder": "holder",
            ])
            #expect(try await client.placeOrder(selfFunder, Client.orderBody(holder: holder, offering: scene.offering)).status == .created)
        }
    }

    @Test(arguments: [
        ("commissioner@northfield.demo.test", HTTPResponse.Status.notFound),
        ("provider@demo.test", .notFound),
        ("broker@demo.test", .notFound),
        ("finance@demo.test", .forbidden),
        ("holder@demo.test", .forbidden),
    ])
    func onlyTheCouncilsAdminsAndCommissionersKeepTheList(email: String, status: HTTPResponse.Status) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            let entry = try #require(try await client.prohibit(admin, council: council, ["category": "transport", "reason": "Motability"]).string("id"))
            let token = try await client.login(email)
            #expect(try await client.prohibit(token, council: council, ["category": "housing-support", "reason": "Rent"]).status == status)
            #expect(try await client.send(.delete, "/v1/councils/\(council)/prohibited-spend/\(entry)", token: token).status == status)
            #expect(try await client.send(.get, "/v1/councils/\(council)/prohibited-spend", token: token).items.count == 1)
            #expect(try await client.prohibit(await client.login("commissioner@demo.test"), council: council, [
                "category": "housing-support", "reason": "Rent is not social care",
            ]).status == .created)
            #expect(try await client.send(.post, "/v1/councils/\(council)/prohibited-spend", json: ["category": "transport", "reason": "x"]).status == .unauthorized)
        }
    }

    @Test(arguments: [
        ([:], "category"),
        (["category": "transport", "offering_id": "off_00000000000000000000"], "category"),
        (["category": "teleportation"], "category"),
        (["offering_id": "off_00000000000000000000"], "offering_id"),
        (["reason": "  "], "reason"),
        (["reason": String(repeating: "x", count: 501)], "reason"),
    ] as [([String: any Sendable], String)])
    func badEntriesAreRefusedAndWriteNothing(body: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            var request: [String: any Sendable] = ["reason": "Not social care"]
            if body["offering_id"] == nil, body["category"] == nil, !body.isEmpty { request["category"] = "transport" }
            request.merge(body) { $1 }
            let answer = try await client.prohibit(admin, council: council, request)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            #expect(try await market.count("prohibited_spend") == 0)
        }
    }

    @Test func theSameSubjectTwiceIsAConflictAndUnknownCouncilsAre404() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            #expect(try await client.prohibit(admin, council: council, ["category": "transport", "reason": "Motability"]).status == .created)
            #expect(try await client.prohibit(admin, council: council, ["category": "transport", "reason": "Again"]).status == .conflict)
            let unknown = "cnc_" + String(repeating: "0", count: 20)
            #expect(try await client.send(.get, "/v1/councils/\(unknown)/prohibited-spend").status == .notFound)
            let platform = try await client.login("admin@demo.test")
            #expect(try await client.prohibit(platform, council: unknown, ["category": "transport", "reason": "x"]).status == .notFound)
            #expect(try await client.send(.get, "/v1/councils/nonsense/prohibited-spend").status == .badRequest)
            #expect(try await market.count("prohibited_spend") == 1)
        }
    }
}
