import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Council rates: the private catalogue")
struct CouncilRateTests {
    /// Two offerings of Brightpath at 2400 and 2000 public; Harrowby agrees 1800 for the first,
    /// so for Harrowby's people it becomes the cheaper one.
    struct Fixture {
        let dearer: String
        let cheaper: String
    }

    func fixture(_ client: Client) async throws -> Fixture {
        let provider = try await client.login("provider@demo.test")
        let dearer = try await client.createOffering(provider)
        let cheaper = try await client.createOffering(provider, ["title": "Home care calls", "public_price_pence": 2000])
        let commissioner = try await client.login("commissioner@demo.test")
        let agreed = try await client.agreeRate(commissioner, offering: dearer, pence: 1800)
        try #require(agreed.status == .created, "\(agreed.text)")
        return Fixture(dearer: dearer, cheaper: cheaper)
    }

    @Test func theCouncilsPeopleSeeAndPayTheRate() async throws {
        try await TestMarket.make().test { client in
            let offerings = try await fixture(client)
            for email in ["holder@demo.test", "commissioner@demo.test", "finance@demo.test", "councilboss@demo.test"] {
                let token = try await client.login(email)
                let shown = try await client.send(.get, "/v1/offerings/\(offerings.dearer)", token: token).json
                #expect(shown["effective_price_pence"] as? Int == 1800, "\(email)")
                #expect(shown["price_source"] as? String == "council_rate", "\(email)")
                #expect(shown["public_price_pence"] as? Int == 2400, "\(email)")
                let byPrice = try await client.search("category=personal-care&sort=price_asc", token: token)
                #expect(byPrice.map { $0["id"] as? String } == [offerings.dearer, offerings.cheaper], "\(email)")
                let underNineteen = try await client.search("max_price_pence=1900", token: token)
                #expect(underNineteen.map { $0["id"] as? String } == [offerings.dearer], "\(email)")
            }
        }
    }

    @Test func nobodyElseLearnsThatARateExists() async throws {
        try await TestMarket.make().test { client in
            let offerings = try await fixture(client)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            let northfieldHolder = try await client.newUser(
                role: "budget_holder", email: "north-holder@demo.test", council: try await client.councilID(of: northfield))
            let tokens: [String?] = [
                nil, try await client.login("selffunder@demo.test"), try await client.login("broker@demo.test"),
                try await client.login("community@demo.test"), northfield, northfieldHolder,
                try await client.otherProviderStaff(), try await client.login("provider@demo.test"),
            ]
            let provider = try await client.organisationID(named: "Brightpath Home Care")
            for token in tokens {
                let shown = try await client.send(.get, "/v1/offerings/\(offerings.dearer)", token: token)
                #expect(shown.text.contains("1800") == false)
                #expect(try shown.json["effective_price_pence"] as? Int == 2400)
                #expect(try shown.json["price_source"] as? String == "public")
                // Not in the sort order, not in a price filter's results, not in the store.
                let byPrice = try await client.search("category=personal-care&sort=price_asc", token: token)
                #expect(byPrice.map { $0["id"] as? String } == [offerings.cheaper, offerings.dearer])
                #expect(try await client.search("max_price_pence=1900", token: token).isEmpty)
                let store = try await client.send(.get, "/v1/providers/\(provider)", token: token)
                #expect(!store.text.contains("1800") && !store.text.contains("rate"))
                let listed = try await client.send(.get, "/v1/providers/\(provider)/offerings", token: token)
                #expect(!listed.text.contains("1800") && !listed.text.contains("council_rate"))
            }
        }
    }

    @Test func eachCallerSeesOnlyTheRatesTheyAreEntitledTo() async throws {
        try await TestMarket.make().test { client in
            let offerings = try await fixture(client)
            let path = "/v1/offerings/\(offerings.dearer)/rates"
            let expectations: [(String, Int)] = [
                ("holder@demo.test", 1), ("commissioner@demo.test", 1), ("provider@demo.test", 1), ("admin@demo.test", 1),
                ("selffunder@demo.test", 0), ("broker@demo.test", 0), ("commissioner@northfield.demo.test", 0),
            ]
            for (email, count) in expectations {
                let rates = try await client.send(.get, path, token: try await client.login(email))
                #expect(try rates.items.count == count, "\(email)")
            }
            #expect(try await client.send(.get, "/v1/offerings/\(offerings.dearer)/rates", token: try await client.otherProviderStaff()).items.isEmpty)
            #expect(try await client.send(.get, path).status == .unauthorized)

            let commissioner = try await client.login("commissioner@demo.test")
            let harrowby = try await client.councilID(of: commissioner)
            let list = try await client.send(.get, "/v1/councils/\(harrowby)/rates", token: try await client.login("finance@demo.test"))
            #expect(try list.items.map { $0["rate_pence"] as? Int } == [1800])
            #expect(try await client.send(.get, "/v1/councils/\(harrowby)/rates", token: try await client.login("holder@demo.test")).status == .forbidden)
            #expect(try await client.send(.get, "/v1/councils/\(harrowby)/rates", token: try await client.login("provider@demo.test")).status == .notFound)
            #expect(try await client.send(.get, "/v1/councils/\(harrowby)/rates", token: try await client.login("commissioner@northfield.demo.test")).status == .notFound)
        }
    }

    @Test func overlappingValidityIsRefusedAndWritesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let offerings = try await fixture(client)  // 2026-01-01, open-ended
            let commissioner = try await client.login("commissioner@demo.test")
            let overlap = try await client.agreeRate(commissioner, offering: offerings.dearer, pence: 1700, from: "2027-01-01")
            #expect(overlap.status == .conflict, "\(overlap.text)")
            // Another council's rate for the same offering is its own business.
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.agreeRate(northfield, offering: offerings.dearer, pence: 2100).status == .created)
            // Back-to-back ranges for another offering do not overlap.
            #expect(try await client.agreeRate(commissioner, offering: offerings.cheaper, pence: 1900, from: "2025-01-01", to: "2025-12-31").status == .created)
            #expect(try await client.agreeRate(commissioner, offering: offerings.cheaper, pence: 1850, from: "2026-01-01", to: "2026-06-30").status == .created)
            #expect(try await client.agreeRate(commissioner, offering: offerings.cheaper, pence: 1800, from: "2026-06-15").status == .conflict)
        }
        #expect(try await market.count("council_rate") == 4)
        // The schema refuses an overlap even from code that skips the store's check.
        let overlap = await #expect(throws: DatabaseError.self) {
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO council_rate (id, council_id, offering_id, rate_pence, valid_from, created_at)
                    SELECT 'rat_00000000000000000000', council_id, offering_id, 1, '2030-01-01', created_at
                    FROM council_rate WHERE valid_to IS NULL LIMIT 1
                    """)
            }
        }
        #expect(overlap?.extendedResultCode == .SQLITE_CONSTRAINT_TRIGGER)
        #expect(overlap?.message == "council_rate validity overlaps another rate")
    }

    @Test func onlyTheRateValidTodayApplies() async throws {
        let market = try await TestMarket.make()  // today is 2026-09-21 on the test clock
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider)
            let commissioner = try await client.login("commissioner@demo.test")
            #expect(try await client.agreeRate(commissioner, offering: id, pence: 1500, from: "2025-01-01", to: "2025-12-31").status == .created)
            #expect(try await client.agreeRate(commissioner, offering: id, pence: 1600, from: "2027-01-01").status == .created)
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/offerings/\(id)", token: holder).json["effective_price_pence"] as? Int == 2400)
            market.clock.advance(by: 120 * 86_400)  // into 2027; tokens expire meanwhile
            let later = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/offerings/\(id)", token: later).json["effective_price_pence"] as? Int == 1600)
        }
    }

    @Test(arguments: ["provider@demo.test", "holder@demo.test", "finance@demo.test", "broker@demo.test", "selffunder@demo.test"])
    func onlyCouncilAdminsAndCommissionersAgreeRates(email: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider)
            let harrowby = try await client.councilID(of: try await client.login("commissioner@demo.test"))
            let token = try await client.login(email)
            let answer = try await client.agreeRate(token, offering: id, pence: 1000, council: harrowby)
            #expect(answer.status == (email.hasPrefix("provider") || email.hasPrefix("broker") || email.hasPrefix("selffunder") ? .notFound : .forbidden), "\(answer.text)")
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.agreeRate(northfield, offering: id, pence: 1000, council: harrowby).status == .notFound)
            #expect(try await client.send(.post, "/v1/councils/\(harrowby)/rates", json: ["offering_id": id, "rate_pence": 1, "valid_from": "2026-01-01"]).status == .unauthorized)
            let boss = try await client.login("councilboss@demo.test")
            #expect(try await client.agreeRate(boss, offering: id, pence: 1000).status == .created)
        }
        #expect(try await market.count("council_rate") == 1)
    }

    static let badRates: [([String: any Sendable], String)] = [
        (["rate_pence": -1], "rate_pence"),
        (["rate_pence": 0], "rate_pence"),
        (["rate_pence": 20_000_000], "rate_pence"),
        (["rate_pence": 9.99], "rate_pence"),
        (["valid_from": "2026-02-30"], "valid_from"),
        (["valid_from": "tomorrow"], "valid_from"),
        (["valid_from": NSNull()], "valid_from"),
        (["valid_to": "2025-12-31"], "valid_to"),
        (["offering_id": "off_nope"], "offering_id"),
        (["offering_id": "off_00000000000000000000"], "offering_id"),
    ]

    @Test(arguments: badRates)
    func badRateInputIs422AndWritesNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let id = try await client.createOffering(provider)
            let commissioner = try await client.login("commissioner@demo.test")
            let council = try await client.councilID(of: commissioner)
            var body: [String: any Sendable] = ["offering_id": id, "rate_pence": 1800, "valid_from": "2026-01-01"]
            for (key, value) in overrides {
                if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
            }
            let answer = try await client.send(.post, "/v1/councils/\(council)/rates", token: commissioner, json: body)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
        }
        #expect(try await market.count("council_rate") == 0)
    }

    @Test func aDraftCannotHaveARate() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let draft = try await client.createOffering(try await client.login("provider@demo.test"), publish: false)
            let answer = try await client.agreeRate(try await client.login("commissioner@demo.test"), offering: draft, pence: 1000)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.problemFields == ["offering_id"])
        }
        #expect(try await market.count("council_rate") == 0)
    }

    @Test func agreeingIsIdempotentPerKey() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let id = try await client.createOffering(try await client.login("provider@demo.test"))
            let commissioner = try await client.login("commissioner@demo.test")
            let council = try await client.councilID(of: commissioner)
            let body: [String: any Sendable] = ["offering_id": id, "rate_pence": 1800, "valid_from": "2026-01-01"]
            let headers: HTTPFields = [.init("Idempotency-Key")!: "rate-1"]
            let first = try await client.send(.post, "/v1/councils/\(council)/rates", token: commissioner, json: body, headers: headers)
            let again = try await client.send(.post, "/v1/councils/\(council)/rates", token: commissioner, json: body, headers: headers)
            #expect(first.status == .created && again.status == .created)
            #expect(try first.string("id") == again.string("id"))
        }
        #expect(try await market.count("council_rate") == 1)
    }
}

@Suite("Council rates: ending and extending")
struct CouncilRateEndTests {
    /// A published offering with Harrowby's open-ended rate of 1800; returns (offering, rate, council).
    func agreed(_ client: Client) async throws -> (offering: String, rate: String, council: String) {
        let offering = try await client.createOffering(try await client.login("provider@demo.test"))
        let commissioner = try await client.login("commissioner@demo.test")
        let answer = try await client.agreeRate(commissioner, offering: offering, pence: 1800)
        return (offering, try #require(try answer.string("id")), try await client.councilID(of: commissioner))
    }

    @Test func endingARateStopsItAfterItsLastDay() async throws {
        let market = try await TestMarket.make()  // today is 2026-09-21 on the test clock
        try await market.test { client in
            let (offering, rate, council) = try await agreed(client)
            let commissioner = try await client.login("commissioner@demo.test")
            let ended = try await client.send(.patch, "/v1/councils/\(council)/rates/\(rate)", token: commissioner, json: ["valid_to": "2026-09-21"])
            #expect(ended.status == .ok, "\(ended.text)")
            #expect(try ended.string("valid_to") == "2026-09-21")
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/offerings/\(offering)", token: holder).json["effective_price_pence"] as? Int == 1800)
            market.clock.advance(by: 86_400)
            let later = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/offerings/\(offering)", token: later).json["effective_price_pence"] as? Int == 2400)
            // A new rate may now start after the old one's end; reopening the old one would overlap it.
            let boss = try await client.login("councilboss@demo.test")
            #expect(try await client.agreeRate(boss, offering: offering, pence: 1700, from: "2026-09-22").status == .created)
            let reopen = try await client.send(.patch, "/v1/councils/\(council)/rates/\(rate)", token: boss, json: ["valid_to": NSNull()])
            #expect(reopen.status == .conflict)
        }
    }

    static let badEnds: [(any Sendable, String)] = [
        ("2026-09-19", "valid_to"),  // before yesterday: history stands
        ("2025-12-31", "valid_to"),  // before the rate starts
        ("2026-02-30", "valid_to"),
        (17, "valid_to"),
    ]

    @Test(arguments: badEnds)
    func badEndsAre422AndChangeNothing(value: any Sendable, field: String) async throws {
        try await TestMarket.make().test { client in
            let (_, rate, council) = try await agreed(client)
            let commissioner = try await client.login("commissioner@demo.test")
            let answer = try await client.send(.patch, "/v1/councils/\(council)/rates/\(rate)", token: commissioner, json: ["valid_to": value])
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(Set(answer.problemFields) == [field])
            let missing = try await client.send(.patch, "/v1/councils/\(council)/rates/\(rate)", token: commissioner, json: [:])
            #expect(missing.status == .unprocessableContent && missing.problemFields == ["valid_to"])
            let listed = try await client.send(.get, "/v1/councils/\(council)/rates", token: commissioner).items
            #expect(listed.first?["valid_to"] is NSNull)
        }
    }

    @Test func onlyTheCouncilsAdminsAndCommissionersChangeIt() async throws {
        try await TestMarket.make().test { client in
            let (_, rate, council) = try await agreed(client)
            let body: [String: any Sendable] = ["valid_to": "2026-12-31"]
            let path = "/v1/councils/\(council)/rates/\(rate)"
            #expect(try await client.send(.patch, path, token: try await client.login("finance@demo.test"), json: body).status == .forbidden)
            #expect(try await client.send(.patch, path, token: try await client.login("holder@demo.test"), json: body).status == .forbidden)
            #expect(try await client.send(.patch, path, token: try await client.login("provider@demo.test"), json: body).status == .notFound)
            #expect(try await client.send(.patch, path, token: try await client.login("commissioner@northfield.demo.test"), json: body).status == .notFound)
            #expect(try await client.send(.patch, path, json: body).status == .unauthorized)
            // The rate is Harrowby's: under another council's path it does not exist.
            let northfield = try await client.councilID(of: try await client.login("commissioner@northfield.demo.test"))
            let admin = try await client.login("admin@demo.test")
            #expect(try await client.send(.patch, "/v1/councils/\(northfield)/rates/\(rate)", token: admin, json: body).status == .notFound)
            #expect(try await client.send(.patch, "/v1/councils/\(council)/rates/rat_nope", token: admin, json: body).status == .badRequest)
            let listed = try await client.send(.get, "/v1/councils/\(council)/rates", token: try await client.login("commissioner@demo.test")).items
            #expect(listed.first?["valid_to"] is NSNull)
        }
    }
}
