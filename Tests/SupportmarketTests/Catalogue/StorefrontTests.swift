import Foundation
import GRDB
import HTTPTypes
import MarketStore
import Testing

@Suite("Provider stores")
struct StorefrontTests {
    @Test func theProvidersStaffEditTheirStoreAndAnyoneReadsIt() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.organisationID(named: "Brightpath Home Care")
            let patched = try await client.send(.patch, "/v1/providers/\(id)", token: provider, json: [
                "name": "Brightpath Care", "description": "Home care across Harrowby.", "areas": ["ha1", "HA2"],
                "phone": "020 8123 4567", "registration_number": "1-101234567",
            ])
            #expect(patched.status == .ok, "\(patched.text)")
            let store = try await client.send(.get, "/v1/providers/\(id)").json
            #expect(store["name"] as? String == "Brightpath Care")
            #expect(store["provider_type"] as? String == "large")
            #expect(store["areas"] as? [String] == ["HA1", "HA2"])
            #expect(store["registration_number"] as? String == "1-101234567")
            #expect(store["rating_count"] as? Int == 0)
            // The store's name is the directory's name.
            #expect(try await client.send(.get, "/v1/organisations/\(id)").json["name"] as? String == "Brightpath Care")
            let cleared = try await client.send(.patch, "/v1/providers/\(id)", token: provider, json: ["description": ""]).json
            #expect(cleared["description"] is NSNull)
        }
    }

    @Test func anotherProvidersStoreIs404AndOthersMayNotEdit() async throws {
        try await TestMarket.make().test { client in
            let id = try await client.organisationID(named: "Brightpath Home Care")
            let other = try await client.otherProviderStaff()
            #expect(try await client.send(.patch, "/v1/providers/\(id)", token: other, json: ["name": "Mine"]).status == .notFound)
            for email in ["holder@demo.test", "commissioner@demo.test", "broker@demo.test"] {
                let answer = try await client.send(.patch, "/v1/providers/\(id)", token: try await client.login(email), json: ["name": "Mine"])
                #expect(answer.status == .forbidden, "\(email)")
            }
            #expect(try await client.send(.patch, "/v1/providers/\(id)", json: ["name": "Mine"]).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/providers/\(id)").json["name"] as? String == "Brightpath Home Care")
        }
    }

    @Test(arguments: [
        (["areas": ["HA1", "nowhere"]] as [String: any Sendable], "areas[1]"),
        (["provider_type": "huge"], "provider_type"),
        (["name": ""], "name"),
        (["website": "ftp://x"], "website"),
        (["registration_number": "no spaces allowed"], "registration_number"),
        (["email": "not-an-email"], "email"),
    ])
    func badStoreInputIs422AndChangesNothing(body: [String: any Sendable], field: String) async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.organisationID(named: "Brightpath Home Care")
            let answer = try await client.send(.patch, "/v1/providers/\(id)", token: provider, json: body.merging(["description": "changed"]) { a, _ in a })
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field))
            #expect(try await client.send(.get, "/v1/providers/\(id)").json["description"] is NSNull)
        }
    }

    @Test func aNewProviderOpensAnEmptyStoreOfItsType() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let missingType = try await client.send(.post, "/v1/organisations", token: admin, json: ["kind": "provider", "name": "Typeless"])
            #expect(missingType.status == .unprocessableContent)
            #expect(missingType.problemFields == ["provider_type"])
            let brokerWithType = try await client.send(.post, "/v1/organisations", token: admin, json: ["kind": "broker", "name": "B", "provider_type": "micro"])
            #expect(brokerWithType.status == .unprocessableContent)
            let created = try await client.send(.post, "/v1/organisations", token: admin, json: ["kind": "provider", "name": "New PA", "provider_type": "individual_pa"])
            let id = try #require(try created.string("id"))
            let store = try await client.send(.get, "/v1/providers/\(id)").json
            #expect(store["provider_type"] as? String == "individual_pa")
            #expect(store["areas"] as? [String] == [])
        }
    }
}

@Suite("Demo catalogue")
struct DemoCatalogueTests {
    @Test func theDemoMarketHasHundredsOfOfferingsInEveryCategoryOnceHoweverOftenItIsSeeded() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let offerings = try await market.count("offering")
        #expect(offerings >= 300)
        try await market.test { client in
            let categories = try await client.send(.get, "/v1/categories").json
            let roots = try #require(categories["categories"] as? [[String: Any]])
            let leaves = roots.flatMap { ($0["children"] as? [[String: Any]]) ?? [] }.compactMap { $0["id"] as? String }
            #expect(leaves.count > 40)
            for leaf in leaves {
                #expect(try await client.search("category=\(leaf)&limit=1").count == 1, "\(leaf)")
            }
            // The demo holder sees some of Harrowby's agreed rates.
            let holder = try await client.login("holder@demo.test")
            let ratesSeen = try await client.search("limit=100", token: holder).filter { $0["price_source"] as? String == "council_rate" }
            #expect(!ratesSeen.isEmpty)
        }
        let seed = DemoSeed(database: market.database, taxonomy: market.services.taxonomy, accounts: market.services.accounts)
        _ = try await seed.load(from: repositoryRoot.appendingPathComponent("seed-data/demo.json"))
        #expect(try await market.count("offering") == offerings)
        #expect(try await market.count("council_rate") > 0)
    }
}
