import Foundation
import GRDB
import HTTPTypes
import MarketCore
import MarketStore
import Testing

extension Client {
    /// A valid group listing; `overrides` replace or add fields (`NSNull()` removes one).
    static func resourceBody(_ overrides: [String: any Sendable] = [:]) -> [String: any Sendable] {
        var body: [String: any Sendable] = [
            "kind": "group", "title": "Tuesday walking group",
            "description": "A gentle walk round the park, then tea. Everyone welcome.",
            "categories": ["community-resources.groups-clubs", "health-wellbeing.fitness"],
            "areas": ["HA1", "ha2"], "address": "Harrowby Park gates", "latitude": 51.58, "longitude": -0.34,
            "phone": "020 8123 4567", "email": "walks@timebank.example", "website": "https://timebank.example/walks",
            "accessibility_notes": "Step-free route", "languages": ["English", "Gujarati"], "opening_times": "Tuesdays 10:00",
        ]
        for (key, value) in overrides {
            if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
        }
        return body
    }

    /// Creates a resource as `token` and returns its id.
    func createResource(_ token: String, _ overrides: [String: any Sendable] = [:]) async throws -> String {
        let answer = try await send(.post, "/v1/community/resources", token: token, json: Client.resourceBody(overrides))
        try #require(answer.status == .created, "\(answer.text)")
        return try #require(try answer.string("id"))
    }
}

@Suite("Community catalogue")
struct CommunityTests {
    func resourceCount(_ market: TestMarket) async throws -> Int {
        try await market.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM community_resource") ?? -1 }
    }

    @Test func publishersListAndAnyoneReads() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            let id = try await client.createResource(publisher)
            let shown = try await client.send(.get, "/v1/community/resources/\(id)")
            #expect(shown.status == .ok)
            let json = try shown.json
            #expect(json["free"] as? Bool == true)
            #expect(json["stale"] as? Bool == false)
            #expect(json["areas"] as? [String] == ["HA1", "HA2"])
            #expect((json["publisher"] as? [String: Any])?["type"] as? String == "organisation")
            #expect(json["price_pence"] == nil)
            let listed = try await client.send(.get, "/v1/community/resources?area=ha2&category=community-resources")
            #expect(try listed.items.map { $0["id"] as? String } == [id])
            let otherArea = try await client.send(.get, "/v1/community/resources?area=HA9")
            #expect(try otherArea.items.isEmpty)
            let found = try await client.send(.get, "/v1/community/resources?q=walk")
            #expect(try found.items.map { $0["id"] as? String } == [id])
        }
    }

    @Test func councilStaffListForTheirArea() async throws {
        try await TestMarket.make().test { client in
            let commissioner = try await client.login("commissioner@demo.test")
            let council = try #require(try await client.me(commissioner)["council_id"] as? String)
            let id = try await client.createResource(commissioner, ["kind": "venue", "title": "Harrowby Idea Store"])
            let shown = try await client.send(.get, "/v1/community/resources/\(id)").json
            #expect((shown["publisher"] as? [String: Any])?["id"] as? String == council)
            #expect(shown["council_id"] as? String == council)
        }
    }

    @Test(arguments: ["provider@demo.test", "holder@demo.test", "broker@demo.test", "finance@demo.test", "selffunder@demo.test"])
    func othersCannotPublish(email: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login(email)
            let answer = try await client.send(.post, "/v1/community/resources", token: token, json: Client.resourceBody())
            #expect(answer.status == .forbidden)
            #expect(try await client.send(.post, "/v1/community/resources", json: Client.resourceBody()).status == .unauthorized)
        }
        #expect(try await resourceCount(market) == 0)
    }

    @Test func aPublisherCannotChangeAnotherOrganisationsResource() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let organisation = try #require(try await client.send(
                .post, "/v1/organisations", token: admin, json: ["kind": "community", "name": "Grapevine Steel Band"]).string("id"))
            _ = try await client.send(
                .post, "/v1/users", token: admin,
                json: ["email": "band@demo.test", "display_name": "Band",
                       "role": "community_publisher", "organisation_id": organisation])
            let other = try await client.acceptInvitation(of: "band@demo.test")
            let id = try await client.createResource(try await client.login("community@demo.test"))
            #expect(try await client.send(.patch, "/v1/community/resources/\(id)", token: other, json: ["title": "Mine now"]).status == .notFound)
            #expect(try await client.send(.post, "/v1/community/resources/\(id)/verify", token: other).status == .notFound)
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.patch, "/v1/community/resources/\(id)", token: holder, json: ["title": "x"]).status == .forbidden)
            let title = try await client.send(.get, "/v1/community/resources/\(id)").string("title")
            #expect(title == "Tuesday walking group")
        }
    }

    @Test func aPatchChangesOnlyWhatItSaysAndMustStayValid() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            let id = try await client.createResource(publisher)
            let patched = try await client.send(.patch, "/v1/community/resources/\(id)", token: publisher, json: ["title": "Thursday walks", "phone": ""])
            #expect(patched.status == .ok)
            #expect(try patched.string("title") == "Thursday walks")
            #expect(try (patched.json["contact"] as? [String: Any])?["phone"] == nil)
            #expect(try (patched.json["contact"] as? [String: Any])?["website"] as? String == "https://timebank.example/walks")
            let invalid = try await client.send(.patch, "/v1/community/resources/\(id)", token: publisher, json: ["kind": "event"])
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(invalid.problemFields) == ["starts_at", "ends_at"])
        }
    }

    @Test(arguments: [
        (["kind": "event", "starts_at": "2026-12-01T18:00:00Z", "ends_at": "2026-12-01T17:00:00Z"] as [String: any Sendable], "ends_at"),
        (["areas": ["HA1", "NOT A DISTRICT"]], "areas[1]"),
        (["areas": [String]()], "areas"),
        (["website": "ftp://timebank.example"], "website"),
        (["website": "not a url"], "website"),
        (["email": "walks-at-timebank"], "email"),
        (["phone": "call us"], "phone"),
        (["title": String(repeating: "t", count: 121)], "title"),
        (["description": String(repeating: "d", count: 4001)], "description"),
        (["kind": "pub crawl"], "kind"),
        (["categories": ["no-such-category"]], "categories[0]"),
        (["latitude": 91.0], "latitude"),
        (["longitude": NSNull()], "latitude"),
        (["starts_at": "2026-12-01T18:00:00Z"], "starts_at"),
        (["starts_at": "yesterday"], "starts_at"),
    ])
    func badInputIs422NamingTheFieldAndWritesNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let publisher = try await client.login("community@demo.test")
            let answer = try await client.send(.post, "/v1/community/resources", token: publisher, json: Client.resourceBody(overrides))
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.problemFields)")
        }
        #expect(try await resourceCount(market) == 0)
    }

    @Test func stalenessFlipsAtTheCouncilsWindowEdge() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let councilAdmin = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(councilAdmin)["council_id"] as? String)
            let window = try await client.send(.patch, "/v1/councils/\(council)", token: councilAdmin, json: ["community_stale_after_days": 30])
            #expect(window.status == .ok)
            let publisher = try await client.login("community@demo.test")
            let local = try await client.createResource(publisher, ["council_id": council])
            let elsewhere = try await client.createResource(publisher, ["title": "No council"])

            market.clock.advance(by: 30 * 86_400)
            #expect(try await client.send(.get, "/v1/community/resources/\(local)").json["stale"] as? Bool == false)
            market.clock.advance(by: 1)
            #expect(try await client.send(.get, "/v1/community/resources/\(local)").json["stale"] as? Bool == true)
            // The default window (180 days) applies where no council is set.
            #expect(try await client.send(.get, "/v1/community/resources/\(elsewhere)").json["stale"] as? Bool == false)

            let freshToken = try await client.login("community@demo.test")
            let listedForPublisher = try await client.send(.get, "/v1/community/stale-resources", token: freshToken).items
            #expect(listedForPublisher.map { $0["id"] as? String } == [local])
            let listedForCouncil = try await client.send(.get, "/v1/community/stale-resources", token: try await client.login("councilboss@demo.test")).items
            #expect(listedForCouncil.map { $0["id"] as? String } == [local])
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/community/stale-resources", token: holder).status == .forbidden)

            let verified = try await client.send(.post, "/v1/community/resources/\(local)/verify", token: freshToken)
            #expect(try verified.json["stale"] as? Bool == false)
            #expect(try await client.send(.get, "/v1/community/stale-resources", token: freshToken).items.isEmpty)
        }
    }

    @Test func councilSettingsAreTheCouncilAdminsToChange() async throws {
        try await TestMarket.make().test { client in
            let commissioner = try await client.login("commissioner@demo.test")
            let council = try #require(try await client.me(commissioner)["council_id"] as? String)
            let body: [String: any Sendable] = ["community_stale_after_days": 30]
            #expect(try await client.send(.patch, "/v1/councils/\(council)", token: commissioner, json: body).status == .forbidden)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.send(.patch, "/v1/councils/\(council)", token: northfield, json: body).status == .notFound)
            let admin = try await client.login("councilboss@demo.test")
            let zero = try await client.send(.patch, "/v1/councils/\(council)", token: admin, json: ["community_stale_after_days": 0])
            #expect(zero.status == .unprocessableContent)
            #expect(zero.problemFields == ["community_stale_after_days"])
            let unchanged = try await client.send(.get, "/v1/councils/\(council)", token: admin)
            #expect(try unchanged.json["community_stale_after_days"] as? Int == 180)
        }
    }

    @Test func pastOneOffEventsDropOutOfDefaultListings() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let publisher = try await client.login("community@demo.test")
            let now = market.clock.now()
            func at(_ days: Double) -> String { now.addingTimeInterval(days * 86_400).formatted(Date.ISO8601FormatStyle()) }
            let soon = try await client.createResource(publisher, ["kind": "event", "title": "Steel band concert", "starts_at": at(2), "ends_at": at(2.1)])
            let series = try await client.createResource(publisher, [
                "kind": "event", "title": "Weekly dance class", "starts_at": at(-30), "ends_at": at(-29.9),
                "recurrence": "weekly", "repeats_until": at(60)])
            let over = try await client.createResource(publisher, ["kind": "event", "title": "Summer fair", "starts_at": at(1), "ends_at": at(1.2)])
            market.clock.advance(by: 1.5 * 86_400)
            let current = try await client.send(.get, "/v1/community/resources?kind=event").items.compactMap { $0["id"] as? String }
            #expect(Set(current) == [soon, series])
            let all = try await client.send(.get, "/v1/community/resources?kind=event&include_past=true").items.compactMap { $0["id"] as? String }
            #expect(Set(all) == [soon, series, over])
            let window = try await client.send(.get, "/v1/community/resources?from=\(at(1.9).prefix(10))&to=\(at(2.5).prefix(10))").items.compactMap { $0["id"] as? String }
            #expect(Set(window) == [soon, series])
            let badWindow = try await client.send(.get, "/v1/community/resources?from=2026-12-10&to=2026-12-01")
            #expect(badWindow.status == .unprocessableContent)
        }
    }

    @Test(arguments: ["\"", "*", "NEAR(", "walk\"", "\"unbalanced", "OR", "-walk", "walk AND", "((", "ünïcödé"])
    func fullTextSyntaxInASearchNeverFails(query: String) async throws {
        try await TestMarket.make().test { client in
            _ = try await client.createResource(try await client.login("community@demo.test"))
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let answer = try await client.send(.get, "/v1/community/resources?q=\(encoded)")
            #expect(answer.status == .ok, "\(answer.text)")
        }
    }

    @Test(arguments: ["kind=pub", "area=XYZ123", "category=nope", "from=soon", "include_past=maybe", "limit=500"])
    func badFiltersAre422(query: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/community/resources?\(query)")
            #expect(answer.status == .unprocessableContent)
            #expect(answer.problemFields.count == 1)
        }
    }

    @Test func listsPageThroughEveryResourceOnce() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            var created: [String] = []
            for index in 0..<7 { created.append(try await client.createResource(publisher, ["title": "Group \(index)"])) }
            for path in ["/v1/community/resources?limit=3", "/v1/community/resources?q=group&limit=3"] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await client.send(.get, path + (cursor.map { "&cursor=\($0)" } ?? ""))
                    seen += try page.items.compactMap { $0["id"] as? String }
                    cursor = try page.json["next_cursor"] as? String
                } while cursor != nil
                #expect(Set(seen) == Set(created) && seen.count == created.count, "\(path)")
            }
        }
    }
}

@Suite("Demo community catalogue")
struct DemoCommunityTests {
    @Test func theDemoSeedListsResourcesOnceHoweverOftenItRuns() async throws {
        let market = try await TestMarket.make()
        let seed = DemoSeed(database: market.database, taxonomy: market.services.taxonomy, accounts: market.services.accounts)
        let file = repositoryRoot.appendingPathComponent("seed-data/demo.json")
        let first = try await seed.load(from: file)
        _ = try await seed.load(from: file)
        #expect(first.communityResources >= 5)
        let stored = try await market.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM community_resource") }
        #expect(stored == first.communityResources)
        let users = try await market.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user") }
        #expect(users == first.users)
    }
}
