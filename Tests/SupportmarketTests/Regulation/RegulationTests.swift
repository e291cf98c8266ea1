import Foundation
import GRDB
import HTTPTypes
import Logging
import MarketCore
import MarketStore
import Testing

extension Client {
    /// Sets a provider's regulator registration as the platform admin; returns the answer.
    func setRegistration(_ provider: String, _ body: [String: any Sendable], token: String? = nil) async throws -> Answer {
        let token = if let token { token } else { try await login("admin@demo.test") }
        return try await send(.put, "/v1/providers/\(provider)/regulator-registration", token: token, json: body)
    }
}

/// Regulated care (personal care, nursing) is ordered only from providers registered with their
/// regulator; stores and search show the regulator's rating beside people's, never mixed in.
@Suite("Regulator registration")
struct RegulationTests {
    @Test func regulatedCareIsOrderedOnlyFromARegisteredProvider() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)  // home care, from Brightpath (registered, CQC "good")
            let provider = try #require(try await client.me(scene.providerToken)["organisation_id"] as? String)
            let suspended = try await client.setRegistration(provider, ["regulator": "cqc", "status": "suspended", "location_id": "1-2000000101"])
            #expect(suspended.status == .ok, "\(suspended.text)")
            let body = Client.orderBody(holder: scene.holder, offering: scene.offering)
            let ledgerBefore = try await market.count("ledger_entry")

            // The quote says so before anyone orders, naming the line.
            let quote = try await client.send(.post, "/v1/order-quotes", token: scene.holderToken, json: body)
            #expect(quote.status == .ok, "\(quote.text)")
            #expect(try quote.json["can_order"] as? Bool == false)
            let refusal = try #require((try quote.json["refusals"] as? [[String: Any]])?.first)
            #expect(refusal["field"] as? String == "lines[0].offering_id")
            #expect((refusal["reason"] as? String)?.contains("Home care visits is regulated care") == true, "\(refusal)")
            #expect((refusal["reason"] as? String)?.contains("the CQC is suspended") == true, "\(refusal)")

            // The order is refused with the same reason; nothing is written but the refusal's record.
            let refused = try await client.placeOrder(scene.holderToken, body)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.problemFields == ["lines[0].offering_id"])
            #expect(refused.text.contains("the CQC is suspended"), "\(refused.text)")
            #expect(try await market.count("purchase_order") == 0)
            #expect(try await market.count("ledger_entry") == ledgerBefore)
            let logged = try market.database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM order_refusal")
            }
            #expect(logged.count == 1)
            #expect(logged.first?["reason"] as String? == "regulator_registration")
            #expect(logged.first?["council_id"] as String? == scene.council)
            #expect(logged.first?["category"] as String? == "personal-care.home-care")

            // Unregulated support from the same provider is not held back.
            let crafts = try await client.createOffering(scene.providerToken, ["title": "Craft club", "category": "day-activities.arts-crafts"])
            #expect(try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: crafts)).status == .created)

            // Registered again, the care can be ordered.
            #expect(try await client.setRegistration(provider, ["regulator": "cqc", "status": "registered"]).status == .ok)
            let placed = try await client.placeOrder(scene.holderToken, body)
            #expect(placed.status == .created, "\(placed.text)")

            // A provider with no registration on record cannot provide regulated care either.
            let cakes = try await client.otherProviderStaff()
            let unregistered = try await client.createOffering(cakes, ["title": "Tea-time care calls"])
            let none = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: unregistered))
            #expect(none.status == .unprocessableContent)
            #expect(none.text.contains("has no registration with a care regulator on record"), "\(none.text)")
            try await market.expectLedgerHolds()
        }
    }

    @Test func storesAndSearchShowTheRegulatorBesidePeoplesRatings() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let providerToken = try await client.login("provider@demo.test")
            let brightpath = try #require(try await client.me(providerToken)["organisation_id"] as? String)
            let homeCare = try await client.createOffering(providerToken)
            let cakes = try await client.otherProviderStaff()
            let cakesOffering = try await client.createOffering(cakes, ["title": "Birthday cakes", "category": "meals-household.meals"])

            let store = try await client.send(.get, "/v1/providers/\(brightpath)").json
            let regulator = try #require(store["regulator"] as? [String: Any])
            #expect(regulator["regulator"] as? String == "cqc")
            #expect(regulator["status"] as? String == "registered")
            #expect(regulator["overall_rating"] as? String == "good")
            #expect(regulator["last_inspection_date"] as? String == "2026-03-17")
            #expect(store["rating_count"] as? Int == 0 && store["rating_average"] as? Double == 0, "never mixed into people's ratings")
            let shown = try await client.send(.get, "/v1/providers/\(brightpath)/regulator-registration")
            #expect(try shown.status == .ok && shown.string("location_id") == "1-2000000101")

            let listed = try await client.search("q=home%20care")
            #expect((listed.first?["regulator"] as? [String: Any])?["overall_rating"] as? String == "good")
            func ids(_ query: String) async throws -> Set<String> { Set(try await client.search(query).compactMap { $0["id"] as? String }) }
            #expect(try await ids("min_regulator_rating=good") == [homeCare])
            #expect(try await ids("min_regulator_rating=outstanding").isEmpty)
            #expect(try await ids("min_regulator_rating=inadequate") == [homeCare], "unregistered providers never match")
            #expect(try await ids("") == [homeCare, cakesOffering])
            let cakesListed = try await client.search("q=birthday")
            #expect(cakesListed.first?["regulator"] is NSNull)

            // A rating below the filter, or a suspension, drops the provider from it at once.
            _ = try await client.setRegistration(brightpath, ["regulator": "cqc", "status": "registered", "overall_rating": "requires_improvement"])
            #expect(try await ids("min_regulator_rating=good").isEmpty)
            _ = try await client.setRegistration(brightpath, ["regulator": "cqc", "status": "suspended", "overall_rating": "outstanding"])
            #expect(try await ids("min_regulator_rating=good").isEmpty)

            let bad = try await client.send(.get, "/v1/offerings?min_regulator_rating=great")
            #expect(bad.status == .unprocessableContent && bad.problemFields == ["min_regulator_rating"])
        }
    }

    /// The import matches a location by the store's registration number (the location id, or a
    /// CQC provider id with one location in the file), reports what it cannot match or read, and
    /// run twice changes nothing more.
    @Test func theImportMatchesByRegistrationNumberIsIdempotentAndReportsMisses() async throws {
        let market = try await TestMarket.make()
        let (brightpath, cakesID) = try await market.test { client in
            let cakes = try await client.otherProviderStaff()
            let cakesID = try #require(try await client.me(cakes)["organisation_id"] as? String)
            let patched = try await client.send(.patch, "/v1/providers/\(cakesID)", token: cakes, json: ["registration_number": "1-900000001"])
            try #require(patched.status == .ok, "\(patched.text)")
            return (try await client.organisationID(named: "Brightpath Home Care"), cakesID)
        }
        let file = Data("""
            {"total": 4, "locations": [
              {"locationId": "1-2000000101", "providerId": "1-100000001", "name": "Brightpath", "registrationStatus": "Registered",
               "currentRatings": {"overall": {"rating": "Requires improvement", "reportDate": "2026-10-01"}},
               "lastInspection": {"date": "2026-09-12"}},
              {"locationId": "1-555000001", "providerId": "1-900000001", "registrationStatus": "Deregistered"},
              {"locationId": "1-777000001", "providerId": "1-777", "registrationStatus": "Registered"},
              {"locationId": "1-2000000103", "registrationStatus": "Pending"}
            ]}
            """.utf8)
        let locations = try JSONDecoder().decode(CQCLocationsFile.self, from: file)
        let store = RegulatorStore(database: market.database)
        let first = try await store.importCQC(locations, logger: Logger(label: "test"))
        #expect(first.changed.map(\.rawValue).sorted() == [brightpath, cakesID].sorted())
        #expect(first.unmatched == ["1-777000001"])
        #expect(first.invalid.count == 1 && first.invalid[0].contains("Pending"))
        let imported = try await store.registration(of: try #require(OrganisationID(brightpath)))
        #expect(imported.overallRating == .requiresImprovement && imported.lastInspectedOn == CalendarDay("2026-09-12"))
        let audited = try await market.count("audit_event")

        market.clock.advance(by: 3_600)
        let second = try await store.importCQC(locations, logger: Logger(label: "test"))
        #expect(second.changed.isEmpty && second.unchanged.count == 2)
        #expect(second.unmatched == first.unmatched && second.invalid == first.invalid)
        #expect(try await market.count("audit_event") == audited, "an unchanged registration writes no audit event")
        let resynced = try await store.registration(of: try #require(OrganisationID(brightpath)))
        #expect(resynced.sameFacts(as: imported) && resynced.syncedAt > imported.syncedAt)
        #expect(try await market.count("regulator_registration") == 5, "the demo's four and the cakes', no more")
    }

    @Test(arguments: ["provider@demo.test", "councilboss@demo.test", "commissioner@demo.test", "holder@demo.test", "broker@demo.test"])
    func onlyPlatformAdminsSetARegistration(email: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let brightpath = try await client.organisationID(named: "Brightpath Home Care")
            let token = try await client.login(email)
            let answer = try await client.setRegistration(brightpath, ["regulator": "cqc", "status": "registered", "overall_rating": "outstanding"], token: token)
            #expect(answer.status == .forbidden, "\(answer.text)")
            let shown = try await client.send(.get, "/v1/providers/\(brightpath)/regulator-registration")
            #expect(try shown.string("overall_rating") == "good")
            let anonymous = try await client.send(.put, "/v1/providers/\(brightpath)/regulator-registration", json: ["regulator": "cqc", "status": "registered"])
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(arguments: [
        (["regulator": "ofsted"], "regulator"),
        (["regulator": NSNull()], "regulator"),
        (["status": NSNull()], "status"),
        (["status": "pending"], "status"),
        (["overall_rating": "great"], "overall_rating"),
        (["status": "not_required", "overall_rating": "good"], "overall_rating"),
        (["location_id": "1 200 000"], "location_id"),
        (["location_id": String(repeating: "1", count: 33)], "location_id"),
        (["last_inspection_date": "2099-01-01"], "last_inspection_date"),
    ] as [([String: any Sendable], String)])
    func badRegistrationsAreRefusedAndChangeNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let brightpath = try await client.organisationID(named: "Brightpath Home Care")
            var body: [String: any Sendable] = ["regulator": "cqc", "status": "registered", "overall_rating": "good"]
            for (key, value) in overrides {
                if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
            }
            // Signing in is audited too (`session.*`); the refused registration writes nothing.
            let registrations = "audit_event WHERE action NOT LIKE 'session.%'"
            let audited = try await market.count(registrations)
            let answer = try await client.setRegistration(brightpath, body)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields == [field], "\(answer.text)")
            #expect(try await market.count(registrations) == audited)
        }
    }

    @Test func unknownProvidersAndMissingRegistrationsAre404() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let unknown = "org_" + String(repeating: "0", count: 20)
            #expect(try await client.send(.get, "/v1/providers/\(unknown)/regulator-registration").status == .notFound)
            #expect(try await client.setRegistration(unknown, ["regulator": "cqc", "status": "registered"]).status == .notFound)
            #expect(try await client.send(.get, "/v1/providers/nonsense/regulator-registration").status == .badRequest)
            let cakes = try await client.organisationID(named: "Maya's Kitchen Cakes")
            #expect(try await client.send(.get, "/v1/providers/\(cakes)/regulator-registration").status == .notFound)
            let broker = try await client.organisationID(named: "Budget Minder Harrowby")
            #expect(try await client.setRegistration(broker, ["regulator": "cqc", "status": "registered"]).status == .notFound)
        }
    }

    @Test func theTaxonomySaysWhatIsRegulated() async throws {
        let market = try await TestMarket.make(seedDemo: false)
        let taxonomy = market.services.taxonomy
        #expect(taxonomy.isRegulated("personal-care") && taxonomy.isRegulated("personal-care.live-in"))
        #expect(taxonomy.isRegulated("short-breaks.residential-respite") && !taxonomy.isRegulated("short-breaks"))
        #expect(!taxonomy.isRegulated("personal-assistants.day-support"), "PAs employed directly need no registration")
        try await market.test { client in
            let categories = try await client.send(.get, "/v1/categories").json["categories"] as? [[String: Any]]
            let care = try #require(categories?.first { $0["id"] as? String == "personal-care" })
            #expect(care["regulated"] as? Bool == true)
            #expect((care["children"] as? [[String: Any]])?.allSatisfy { $0["regulated"] as? Bool == true } == true)
        }
    }
}
