import Foundation
import GRDB
import HTTPTypes
import MarketCore
import Testing

@Suite("Catalogue search and the demand log")
struct SearchTests {
    @Test func filtersNarrowTheResults() async throws {
        try await TestMarket.make().test { client in
            let brightpath = try await client.login("provider@demo.test")
            let homeCare = try await client.createOffering(brightpath)
            let nightCare = try await client.createOffering(brightpath, [
                "title": "Waking night care", "category": "personal-care.night-care", "unit": "night",
                "public_price_pence": 16_000, "areas": ["HA3"],
                "attributes": ["languages": ["Polish"], "staff_genders": ["male"]] as [String: any Sendable],
            ])
            let cakes = try await client.otherProviderStaff()
            let meals = try await client.createOffering(cakes, [
                "title": "Hot meal delivery", "description": "Freshly cooked halal meals delivered.",
                "category": "meals-household.meals", "unit": "item", "public_price_pence": 650, "areas": ["HA1"],
                "attributes": ["dietary_needs": ["halal"], "times_available": ["weekend"]] as [String: any Sendable],
            ])
            func ids(_ query: String) async throws -> Set<String> {
                Set(try await client.search(query).compactMap { $0["id"] as? String })
            }
            #expect(try await ids("category=personal-care") == [homeCare, nightCare])
            #expect(try await ids("category=personal-care.night-care") == [nightCare])
            #expect(try await ids("area=ha1") == [homeCare, meals])
            #expect(try await ids("provider_type=micro") == [meals])
            #expect(try await ids("min_price_pence=2000&max_price_pence=20000") == [homeCare, nightCare])
            #expect(try await ids("attribute=language:polish") == [nightCare])
            #expect(try await ids("attribute=wheelchair_accessible&attribute=staff_gender:female") == [homeCare])
            #expect(try await ids("attribute=dietary:HALAL&attribute=available:weekend") == [meals])
            #expect(try await ids("q=meal") == [homeCare, nightCare, meals])  // "…dressing and meals at home"
            #expect(try await ids("q=hot%20meal") == [meals])
            #expect(try await ids("q=cooked%20halal") == [meals])
            #expect(try await ids("q=night&category=meals-household").isEmpty)
            // The last word is also a prefix (search as you type); earlier words are whole words.
            #expect(try await ids("q=hot%20mea") == [meals])
            #expect(try await ids("q=ho%20meal").isEmpty)
            #expect(try await ids("q=cooking%20halal") == [meals])  // stemmed: cooking, cooked → cook
            #expect(try await ids("min_rating=1").isEmpty)
            let cheapestFirst = try await client.search("sort=price_asc").map { $0["id"] as? String }
            #expect(cheapestFirst == [meals, homeCare, nightCare])
            let dearestFirst = try await client.search("sort=price_desc").map { $0["id"] as? String }
            #expect(dearestFirst == [nightCare, homeCare, meals])
            let first = try #require(try await client.search("q=night").first)
            #expect(first["store_name"] as? String == "Brightpath Home Care")
            #expect(first["rating_count"] as? Int == 0 && first["rating_average"] as? Double == 0)
            #expect(first["unit"] as? String == "night")
        }
    }

    @Test func ratingsFilterAndOrderBySmoothedScore() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let brightpath = try await client.createOffering(try await client.login("provider@demo.test"))
            let cakes = try await client.createOffering(try await client.otherProviderStaff(), ["title": "Cake club"])
            // Ratings arrive with their own issue; here the summary columns are set directly.
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    UPDATE provider_store SET rating_count = 2, rating_sum = 10
                        WHERE organisation_id = (SELECT provider_id FROM offering WHERE id = ?);
                    UPDATE provider_store SET rating_count = 200, rating_sum = 960
                        WHERE organisation_id = (SELECT provider_id FROM offering WHERE id = ?);
                    """, arguments: [cakes, brightpath])
            }
            // Two five-star ratings do not outrank two hundred averaging 4.8.
            #expect(try await client.search("sort=rating").map { $0["id"] as? String } == [brightpath, cakes])
            #expect(try await client.search("min_rating=4.9").map { $0["id"] as? String } == [cakes])
            #expect(try await client.search("min_rating=4.8").count == 2)
            let shown = try await client.send(.get, "/v1/offerings/\(cakes)").json
            #expect(shown["rating_count"] as? Int == 2 && shown["rating_average"] as? Double == 5)
        }
    }

    /// Walks every order page by page while new offerings arrive; each original offering is seen
    /// exactly once (keyset pages are stable under inserts).
    @Test(arguments: ["sort=price_asc", "sort=price_desc", "sort=rating", "sort=relevance", "category=personal-care"])
    func cursorsWalkEveryOfferingOnceWhileOthersAreAdded(query: String) async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            var created: [String] = []
            for index in 0..<7 {
                created.append(try await client.createOffering(provider, ["title": "Care \(index)", "public_price_pence": 1000 + (index % 3) * 100]))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let answer = try await client.send(.get, "/v1/offerings?\(query)&limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
                try #require(answer.status == .ok, "\(answer.text)")
                seen += try answer.items.compactMap { $0["id"] as? String }
                cursor = try answer.json["next_cursor"] as? String
                _ = try await client.createOffering(provider, ["title": "Late \(pages)", "public_price_pence": 1000 + pages * 50])
                pages += 1
            } while cursor != nil && pages < 20
            #expect(Set(created).isSubset(of: Set(seen)), "\(query)")
            #expect(seen.count == Set(seen).count, "\(query): an offering was listed twice")
        }
    }

    static let badSearches: [(String, String)] = [
        ("limit=101", "limit"), ("limit=0", "limit"), ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("min_price_pence=-1", "min_price_pence"), ("max_price_pence=99999999999", "max_price_pence"),
        ("min_price_pence=abc", "min_price_pence"), ("min_price_pence=500&max_price_pence=100", "max_price_pence"),
        ("min_rating=6", "min_rating"), ("min_rating=nan", "min_rating"), ("min_rating=-1", "min_rating"),
        ("min_rating=-1e300", "min_rating"), ("min_rating=1e300", "min_rating"), ("min_rating=inf", "min_rating"),
        ("provider_type=huge", "provider_type"), ("sort=cheapest", "sort"), ("category=nothing", "category"),
        ("area=XYZ", "area"), ("attribute=colour:blue", "attribute"), ("attribute=staff_gender:robot", "attribute"),
        ("q=\(String(repeating: "a", count: 201))", "q"),
    ]

    @Test(arguments: badSearches)
    func badSearchesAre422NamingTheParameter(query: String, field: String) async throws {
        try await TestMarket.make().test { client in
            let answer = try await client.send(.get, "/v1/offerings?\(query)")
            #expect(answer.status == .unprocessableContent, "\(query): \(answer.text)")
            #expect(answer.problemFields.contains(field), "\(query): \(answer.text)")
        }
    }

    @Test func aCursorOfAnotherOrderIsRefused() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            for index in 0..<3 { _ = try await client.createOffering(provider, ["title": "Care \(index)"]) }
            let page = try await client.send(.get, "/v1/offerings?sort=price_asc&limit=1").json
            let cursor = try #require(page["next_cursor"] as? String)
            #expect(try await client.send(.get, "/v1/offerings?sort=rating&limit=1&cursor=\(cursor)").status == .unprocessableContent)
            let forged = MarketCore.Cursor(key: "price_asc:1:x").encoded
            #expect(try await client.send(.get, "/v1/offerings?sort=price_asc&cursor=\(forged)").status == .unprocessableContent)
            // An offset cursor near Int.max must not overflow into a crash.
            let deep = MarketCore.Cursor(key: "o:\(Int.max - 1)").encoded
            #expect(try await client.send(.get, "/v1/offerings?q=care&cursor=\(deep)").status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/community/resources?q=care&cursor=\(deep)").status == .unprocessableContent)
        }
    }

    @Test(arguments: ["%22", "*", "NEAR(", "%22unbalanced", "care%20OR", "-care", "%5Ecare", "title:care", "care)", "%E2%9C%93%F0%9F%98%80"])
    func fullTextSyntaxNeverFails(query: String) async throws {
        try await TestMarket.make().test { client in
            _ = try await client.createOffering(try await client.login("provider@demo.test"))
            let answer = try await client.send(.get, "/v1/offerings?q=\(query)")
            #expect(answer.status == .ok, "\(query): \(answer.text)")
        }
    }

    @Test func searchesAreLoggedWithoutPersonalDataAndRepeatsHeldBackForAMinute() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            _ = try await client.createOffering(try await client.login("provider@demo.test"))
            let holder = try await client.login("holder@demo.test")
            let council = try await client.councilID(of: holder)
            for _ in 0..<5 { _ = try await client.search("q=Hannah%20home&category=personal-care&area=HA1", token: holder) }
            _ = try await client.search("category=transport&area=HA9", token: holder)
            _ = try await client.search("category=personal-care&area=HA1")  // anonymous: another caller
            // A later page is the same search, not new demand.
            let page = try await client.send(.get, "/v1/offerings?limit=1&cursor=\(MarketCore.Cursor(key: "relevance:0").encoded)")
            #expect(page.status == .ok)
            // (The app's own flusher may have written some already; the table is what counts.)
            try await market.services.catalogue.demand.flush()
            #expect(try await market.count("search_demand") == 3)
            market.clock.advance(by: 61)
            _ = try await client.search("q=Hannah%20home&category=personal-care&area=HA1", token: holder)
            try await market.services.catalogue.demand.flush()
            #expect(try await market.count("search_demand") == 4)

            let rows = try await market.database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM search_demand ORDER BY id")
            }
            #expect(rows.count == 4)
            #expect(rows.map { $0["council_id"] as String? } == [council, council, nil, council])
            #expect(rows.map { $0["area"] as String? } == ["HA1", "HA9", "HA1", "HA1"])
            // "Hannah" is in no offering: typed names find nothing, and the text is not kept.
            #expect(rows.map { $0["result_count"] as Int } == [0, 0, 1, 0])
            #expect(rows.map { $0["had_text"] as Bool } == [true, false, false, true])
            // Nothing that identifies anyone: no user, no text typed.
            let columns = try await market.database.writer.read { db in try db.columns(in: "search_demand").map(\.name) }
            #expect(!columns.contains { $0.contains("user") || $0 == "text" || $0 == "query" || $0 == "q" })
            let stored = rows.map { $0.description }.joined()
            #expect(!stored.contains("Hannah") && !stored.contains("holder"))
        }
    }
}
