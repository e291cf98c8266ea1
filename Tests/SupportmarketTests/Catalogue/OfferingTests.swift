import Foundation
import GRDB
import HTTPTypes
import MarketCore
import Testing

@Suite("Offerings: lifecycle, price history, who may change them")
struct OfferingTests {
    @Test func aDraftIsInvisibleOutsideItsProviderUntilPublished() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider, publish: false)
            let store = try #require(try await client.me(provider)["organisation_id"] as? String)
            let holder = try await client.login("holder@demo.test")
            let other = try await client.otherProviderStaff()
            for token in [nil, holder, other] {
                #expect(try await client.send(.get, "/v1/offerings/\(id)", token: token).status == .notFound)
                #expect(try await client.send(.get, "/v1/offerings/\(id)/price-history", token: token).status == .notFound)
                #expect(try await client.search("q=home", token: token).isEmpty)
                #expect(try await client.send(.get, "/v1/providers/\(store)/offerings", token: token).items.isEmpty)
            }
            #expect(try await client.send(.get, "/v1/providers/\(store)/offerings?status=draft").status == .unprocessableContent)
            let own = try await client.send(.get, "/v1/offerings/\(id)", token: provider)
            #expect(own.status == .ok)
            #expect(try own.string("status") == "draft")
            #expect(try await client.send(.get, "/v1/providers/\(store)/offerings?status=draft", token: provider).items.count == 1)

            let published = try await client.send(.post, "/v1/offerings/\(id)/publish", token: provider)
            #expect(try published.string("status") == "published")
            let shown = try await client.send(.get, "/v1/offerings/\(id)").json
            #expect(shown["store_name"] as? String == "Brightpath Home Care")
            #expect(shown["provider_type"] as? String == "large")
            #expect(shown["effective_price_pence"] as? Int == 2400)
            #expect(shown["price_source"] as? String == "public")
            #expect(shown["areas"] as? [String] == ["HA1", "HA2"])
            #expect(shown["rating_count"] as? Int == 0)
            #expect(try await client.search("q=home").map { $0["id"] as? String } == [id])

            let unpublished = try await client.send(.post, "/v1/offerings/\(id)/unpublish", token: provider)
            #expect(try unpublished.string("status") == "unpublished")
            #expect(try await client.send(.get, "/v1/offerings/\(id)").status == .notFound)
            #expect(try await client.search("q=home").isEmpty)
        }
    }

    @Test func unpublishingADraftIsAConflict() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider, publish: false)
            let answer = try await client.send(.post, "/v1/offerings/\(id)/unpublish", token: provider)
            #expect(answer.status == .conflict)
            #expect(try await client.send(.get, "/v1/offerings/\(id)", token: provider).string("status") == "draft")
        }
    }

    @Test func everyPriceChangeIsKeptInTheHistory() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider)
            market.clock.advance(by: 3600)
            let changed = try await client.send(.patch, "/v1/offerings/\(id)", token: provider, json: ["public_price_pence": 2600])
            #expect(changed.status == .ok)
            #expect(try changed.json["public_price_pence"] as? Int == 2600)
            // A change that leaves the price alone adds nothing to the history.
            _ = try await client.send(.patch, "/v1/offerings/\(id)", token: provider, json: ["title": "Home care calls"])
            market.clock.advance(by: 3600)
            _ = try await client.send(.patch, "/v1/offerings/\(id)", token: provider, json: ["public_price_pence": 2500])
            let history = try await client.send(.get, "/v1/offerings/\(id)/price-history").items
            #expect(history.map { $0["public_price_pence"] as? Int } == [2400, 2600, 2500])
            let firstPage = try await client.send(.get, "/v1/offerings/\(id)/price-history?limit=2").json
            let cursor = try #require(firstPage["next_cursor"] as? String)
            let rest = try await client.send(.get, "/v1/offerings/\(id)/price-history?limit=2&cursor=\(cursor)").items
            #expect(rest.map { $0["public_price_pence"] as? Int } == [2500])
            let forged = MarketCore.Cursor(key: "price_asc:1:2").encoded
            #expect(try await client.send(.get, "/v1/offerings/\(id)/price-history?cursor=\(forged)").status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/offerings/\(id)/price-history?limit=101").status == .unprocessableContent)
        }
        // The history is append-only in the schema itself.
        let error = await #expect(throws: DatabaseError.self) {
            try await market.database.writer.write { db in try db.execute(sql: "UPDATE offering_price SET public_price_pence = 1") }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_TRIGGER)
        #expect(error?.message == "offering_price is append-only")
    }

    @Test func aPatchChangesOnlyWhatItSaysAndTheResultMustBeValid() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider)
            let patched = try await client.send(.patch, "/v1/offerings/\(id)", token: provider, json: [
                "areas": ["HA3"], "attributes": ["dietary_needs": ["Halal"]] as [String: any Sendable],
            ]).json
            #expect(patched["areas"] as? [String] == ["HA3"])
            #expect(patched["title"] as? String == "Home care visits")
            let attributes = try #require(patched["attributes"] as? [String: Any])
            #expect(attributes["dietary_needs"] as? [String] == ["Halal"])
            #expect(attributes["languages"] as? [String] == [])
            #expect(try await client.search("area=HA1").isEmpty)
            #expect(try await client.search("area=HA3&attribute=dietary:halal").count == 1)

            let bad = try await client.send(.patch, "/v1/offerings/\(id)", token: provider, json: ["public_price_pence": -5, "unit": "fortnight"])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.problemFields) == ["public_price_pence", "unit"])
            #expect(try await client.send(.get, "/v1/offerings/\(id)").json["public_price_pence"] as? Int == 2400)
        }
    }

    @Test func attributeTextSurvivesStorageExactly() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            // (Tabs and control characters are refused at the edge: HostileInputTests.)
            let awkward = ["Kurdish \"Sorani\"", "back\\slash", "日本語", "emoji 🙂", "<b>&amp;</b>", "O'Brien"]
            let id = try await client.createOffering(provider, ["attributes": ["languages": awkward, "cultural_needs": ["a/b"]] as [String: any Sendable]])
            let attributes = try #require(try await client.send(.get, "/v1/offerings/\(id)").json["attributes"] as? [String: Any])
            #expect(attributes["languages"] as? [String] == awkward)
            #expect(attributes["cultural_needs"] as? [String] == ["a/b"])
            #expect(try await client.search("attribute=language:\("日本語".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")").count == 1)
        }
    }

    static let badOfferings: [([String: any Sendable], String)] = [
        (["public_price_pence": -100], "public_price_pence"),
        (["public_price_pence": 0], "public_price_pence"),
        (["public_price_pence": 10_000_001], "public_price_pence"),
        (["public_price_pence": 12.5], "public_price_pence"),
        (["public_price_pence": 1e30], "public_price_pence"),
        (["public_price_pence": NSNull()], "public_price_pence"),
        (["category": "personal-care.teleportation"], "category"),
        (["unit": "fortnight"], "unit"),
        (["areas": ["HA1", "not a district"]], "areas[1]"),
        (["areas": [String]()], "areas"),
        (["title": String(repeating: "x", count: 121)], "title"),
        (["title": "   "], "title"),
        (["description": NSNull()], "description"),
        (["attributes": ["staff_genders": ["robot"]] as [String: any Sendable]], "attributes.staff_genders[0]"),
        (["attributes": ["times_available": ["midnight"]] as [String: any Sendable]], "attributes.times_available[0]"),
        (["attributes": ["languages": [String(repeating: "x", count: 41)]] as [String: any Sendable]], "attributes.languages[0]"),
    ]

    @Test(arguments: badOfferings)
    func badInputIs422NamingTheFieldAndWritesNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let answer = try await client.send(.post, "/v1/offerings", token: provider, json: Client.offeringBody(overrides))
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
        }
        #expect(try await market.count("offering") == 0)
        #expect(try await market.count("offering_price") == 0)
    }

    @Test(arguments: ["holder@demo.test", "commissioner@demo.test", "broker@demo.test", "community@demo.test", "admin@demo.test"])
    func onlyProviderStaffCreateOfferings(email: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login(email)
            #expect(try await client.send(.post, "/v1/offerings", token: token, json: Client.offeringBody()).status == .forbidden)
            #expect(try await client.send(.post, "/v1/offerings", json: Client.offeringBody()).status == .unauthorized)
        }
        #expect(try await market.count("offering") == 0)
    }

    @Test func anotherProvidersOfferingIs404AndNotChanged() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let published = try await client.createOffering(provider)
            let draft = try await client.createOffering(provider, ["title": "Secret plan"], publish: false)
            let other = try await client.otherProviderStaff()
            let holder = try await client.login("holder@demo.test")
            for id in [published, draft] {
                #expect(try await client.send(.patch, "/v1/offerings/\(id)", token: other, json: ["public_price_pence": 1]).status == .notFound)
                #expect(try await client.send(.post, "/v1/offerings/\(id)/publish", token: other).status == .notFound)
                #expect(try await client.send(.post, "/v1/offerings/\(id)/unpublish", token: other).status == .notFound)
            }
            // Someone who can see a published offering but edits no catalogue: 403; a draft stays hidden: 404.
            #expect(try await client.send(.patch, "/v1/offerings/\(published)", token: holder, json: ["title": "x"]).status == .forbidden)
            #expect(try await client.send(.patch, "/v1/offerings/\(draft)", token: holder, json: ["title": "x"]).status == .notFound)
            #expect(try await client.send(.patch, "/v1/offerings/\(published)", json: ["title": "x"]).status == .unauthorized)
            let unchanged = try await client.send(.get, "/v1/offerings/\(published)").json
            #expect(unchanged["public_price_pence"] as? Int == 2400)
            #expect(unchanged["title"] as? String == "Home care visits")
            #expect(try await client.send(.get, "/v1/offerings/\(draft)", token: provider).json["status"] as? String == "draft")
        }
    }

    @Test func malformedAndUnknownIdentifiers() async throws {
        try await TestMarket.make().test { client in
            #expect(try await client.send(.get, "/v1/offerings/nope").status == .badRequest)
            #expect(try await client.send(.get, "/v1/offerings/off_00000000000000000000").status == .notFound)
            #expect(try await client.send(.get, "/v1/providers/off_00000000000000000000").status == .badRequest)
            // An organisation that is not a provider has no store.
            let broker = try await client.organisationID(named: "Budget Minder Harrowby")
            #expect(try await client.send(.get, "/v1/providers/\(broker)").status == .notFound)
        }
    }
}
