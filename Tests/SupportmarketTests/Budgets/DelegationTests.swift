import Foundation
import HTTPTypes
import Testing

@Suite("Delegations")
struct DelegationTests {
    @Test func aBrokerOrdersUnderADelegationUntilItIsRevoked() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let broker = try await client.login("broker@demo.test")
            let brokerOrganisation = try await client.organisationID(named: "Budget Minder Harrowby")
            // Before any delegation the broker cannot see the holder.
            #expect(try await client.send(.get, "/v1/budget-holders/\(scene.holder)", token: broker).status == .notFound)

            let granted = try await client.send(.post, "/v1/delegations", token: scene.holderToken, json: [
                "budget_holder_id": scene.holder, "grantee_organisation_id": brokerOrganisation, "rights": ["order"],
            ])
            #expect(granted.status == .created, "\(granted.text)")
            let delegation = try #require(try granted.string("id"))
            #expect(try granted.json["rights"] as? [String] == ["view", "order"])

            let order = try await client.placeOrder(broker, Client.orderBody(holder: scene.holder, offering: scene.offering))
            #expect(order.status == .created, "\(order.text)")
            #expect(try order.string("delegation_id") == delegation)
            // The holder's statement shows who acted and under which delegation.
            let statement = try await client.send(.get, "/v1/budget-holders/\(scene.holder)/statement", token: scene.holderToken).items
            let reservation = try #require(statement.first { $0["kind"] as? String == "reservation" })
            #expect(reservation["delegation_id"] as? String == delegation)
            #expect(reservation["actor_user_id"] as? String == (try await client.me(broker)["user_id"] as? String))
            #expect(try await client.send(.get, "/v1/delegations", token: broker).items.count == 1)
            #expect(try await client.send(.get, "/v1/orders", token: broker).items.count == 1)

            // The council's staff see the delegation; the broker may give it up; revocation works at once.
            #expect(try await client.send(.get, "/v1/delegations", token: scene.adminToken).items.count == 1)
            let revoked = try await client.send(.delete, "/v1/delegations/\(delegation)", token: scene.holderToken)
            #expect(revoked.status == .ok)
            #expect(try revoked.json["revoked_at"] is String)
            let refused = try await client.placeOrder(broker, Client.orderBody(holder: scene.holder, offering: scene.offering))
            #expect(refused.status == .notFound)
            #expect(try await client.send(.get, "/v1/orders", token: broker).items.isEmpty)
            #expect(try await client.send(.get, "/v1/budget-holders/\(scene.holder)/budget", token: broker).status == .notFound)
            try await market.expectLedgerHolds()
        }
    }

    @Test func aViewOnlyDelegateSeesButCannotOrderAndExpiryEndsIt() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            // A family member with their own citizen account (a self-funder here).
            let family = try await client.login("selffunder@demo.test")
            let familyUser = try #require(try await client.me(family)["user_id"] as? String)
            let granted = try await client.send(.post, "/v1/delegations", token: scene.adminToken, json: [
                "budget_holder_id": scene.holder, "grantee_user_id": familyUser, "rights": ["view"], "expires_on": "2026-09-22",
            ])
            #expect(granted.status == .created, "\(granted.text)")
            #expect(try await client.send(.get, "/v1/budget-holders/\(scene.holder)/budget", token: family).status == .ok)
            let order = try await client.placeOrder(family, Client.orderBody(holder: scene.holder, offering: scene.offering))
            #expect(order.status == .forbidden, "\(order.text)")
            #expect(try await market.count("purchase_order") == 0)
            // Two days later the delegation has expired.
            market.clock.advance(by: 2 * 86_400)
            let later = try await client.login("selffunder@demo.test")
            #expect(try await client.send(.get, "/v1/budget-holders/\(scene.holder)/budget", token: later).status == .notFound)
        }
    }

    @Test func onlyTheHolderOrTheirCouncilGrantsDelegations() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let brokerOrganisation = try await client.organisationID(named: "Budget Minder Harrowby")
            let body: [String: any Sendable] = [
                "budget_holder_id": scene.holder, "grantee_organisation_id": brokerOrganisation, "rights": ["view", "order"],
            ]
            for (email, status) in [
                ("finance@demo.test", HTTPResponse.Status.forbidden), ("broker@demo.test", .notFound),
                ("provider@demo.test", .notFound), ("commissioner@northfield.demo.test", .notFound),
                ("selffunder@demo.test", .notFound),
            ] {
                let answer = try await client.send(.post, "/v1/delegations", token: try await client.login(email), json: body)
                #expect(answer.status == status, "\(email): \(answer.text)")
            }
            #expect(try await market.count("delegation") == 0)
            let granted = try await client.send(.post, "/v1/delegations", token: scene.adminToken, json: body)
            #expect(granted.status == .created)
            let id = try #require(try granted.string("id"))
            for email in ["provider@demo.test", "commissioner@northfield.demo.test", "selffunder@demo.test", "community@demo.test"] {
                let token = try await client.login(email)
                let answer = try await client.send(.delete, "/v1/delegations/\(id)", token: token)
                #expect(answer.status == .notFound, "\(email)")
                #expect(try await client.send(.get, "/v1/delegations", token: token).items.isEmpty, "\(email)")
            }
            #expect(try await market.count("delegation") == 1)
            #expect(try await client.send(.get, "/v1/delegations").status == .unauthorized)
            #expect(try await client.send(.delete, "/v1/delegations/dlg_x", token: scene.holderToken).status == .badRequest)
        }
    }

    @Test(arguments: [
        (["rights": [] as [String]] as [String: any Sendable], "rights"),
        (["rights": ["spend_everything"]], "rights[0]"),
        (["grantee_organisation_id": NSNull()], "grantee"),
        (["grantee_user_id": "usr_00000000000000000000"], "grantee"),
        (["expires_on": "2026-09-01"], "expires_on"),
        (["budget_holder_id": NSNull()], "budget_holder_id"),
    ])
    func badDelegationsAreRefused(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            var body: [String: any Sendable] = [
                "budget_holder_id": scene.holder, "grantee_organisation_id": try await client.organisationID(named: "Budget Minder Harrowby"),
                "rights": ["view"],
            ]
            for (key, value) in overrides {
                if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
            }
            let answer = try await client.send(.post, "/v1/delegations", token: scene.holderToken, json: body)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            #expect(try await market.count("delegation") == 0)
        }
    }

    @Test func theGranteeMustBeABrokerOrAPersonsAccount() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let provider = try await client.organisationID(named: "Brightpath Home Care")
            let providerUser = try #require(try await client.me(scene.providerToken)["user_id"] as? String)
            for body: [String: any Sendable] in [
                ["grantee_organisation_id": provider], ["grantee_user_id": providerUser],
            ] {
                let answer = try await client.send(.post, "/v1/delegations", token: scene.holderToken, json: body.merging([
                    "budget_holder_id": scene.holder, "rights": ["view"],
                ]) { $1 })
                #expect(answer.status == .unprocessableContent, "\(answer.text)")
            }
            #expect(try await market.count("delegation") == 0)
        }
    }
}
