import Foundation
import GRDB
import MarketAPI
import MarketCore
import MarketStore
import Testing

/// Each report's figures on the market of `ReportScene`, worked out by hand; then who may read
/// them, bad input, and the three formats.
@Suite("Commissioning reports")
struct ReportTests {
    typealias R = ReportRows

    @Test func spendByCategoryProviderAndMonth() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("spend", scene.period, token: try await client.login("commissioner@demo.test")))
            let home = rows.row("category", "key", ReportScene.homeCare), day = rows.row("category", "key", ReportScene.dayCentre)
            #expect(R.value(home, "spend_pence") == 17_000 && R.value(home, "people") == 8)
            #expect(R.value(home, "council_rate_pence") == 10_000 && R.value(home, "public_price_pence") == 7_000)
            #expect(R.value(home, "council_rate_percent") == 58.8)
            #expect(R.value(day, "spend_pence") == 4_000 && R.value(day, "council_rate_pence") == 0)
            // The neighbouring council's £999.99, and declined and cancelled orders, are not spend.
            #expect(R.value(rows.row("category"), "spend_pence") == 21_000)
            // P3 rests on 2 people; P1 (6 people) goes with it, or £210 − £125 would give P3 away.
            #expect(R.value(rows.row("provider", "key", scene.p2), "spend_pence") == 12_500)
            #expect(R.withheld(rows.row("provider", "key", scene.p3), "spend_pence"))
            #expect(R.withheld(rows.row("provider", "key", scene.p1), "spend_pence"))
            #expect(R.value(rows.row("provider_type", "key", "large"), "spend_pence") == 12_500)
            #expect(R.value(rows.row("funding_source", "key", "adult_social_care"), "spend_pence") == 21_000)
            #expect(R.value(rows.row("management_option", "key", "direct_payment"), "spend_pence") == 21_000)
            let months = rows.section("month").filter { $0["total"] as? Bool == false }
            #expect(months.compactMap { ($0["labels"] as? [String: Any])?["key"] as? String } == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"])
            #expect(months.map { R.value($0, "spend_pence") } == [0, 0, 21_000, 0, 0, 0])
        }
    }

    @Test func marketShareAndConcentration() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("market-share", scene.period, token: try await client.login("commissioner@demo.test")))
            // Day centre: P1 £15 (37.5%), P2 £25 (62.5%): HHI 37.5² + 62.5² = 5,312.5.
            let day = rows.row("category", "category", ReportScene.dayCentre)
            #expect(R.value(day, "spend_pence") == 4_000 && R.value(day, "providers") == 2)
            #expect(R.value(day, "hhi") == 5_313 && R.value(day, "top3_share_percent") == 100)
            #expect(R.value(day, "micro_user_led_share_percent") == 37.5)
            let shares = rows.section("provider").filter { ($0["labels"] as? [String: Any])?["category"] as? String == ReportScene.dayCentre }
            #expect(shares.map { R.value($0, "share_percent") } == [62.5, 37.5])
            // Home care has a withheld share (P3), so its concentration is withheld too.
            let home = rows.row("category", "category", ReportScene.homeCare)
            #expect(R.value(home, "spend_pence") == 17_000 && R.withheld(home, "hhi") && R.withheld(home, "micro_user_led_share_percent"))
        }
    }

    @Test func utilisationAndOutlook() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("utilisation", scene.period, token: try await client.login("finance@demo.test")))
            let source = rows.row("funding_source", "key", "adult_social_care")
            #expect(R.value(source, "allocated_pence") == 800_000 && R.value(source, "spent_pence") == 21_000)
            #expect(R.value(source, "committed_pence") == 0 && R.value(source, "available_pence") == 779_000)
            #expect(R.value(source, "people") == 8)
            // Half the year gone and 2.6% spent: all eight are on course to underspend.
            #expect(R.value(source, "likely_underspend") == 8 && R.value(source, "likely_to_run_out") == 0)
        }
    }

    @Test func ratingsByCategoryTypeAndLowRatedProviders() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("ratings", scene.period, token: try await client.login("commissioner@demo.test")))
            let home = rows.row("category", "key", ReportScene.homeCare)
            // Eight ratings by eight people; the counts of one, two and three stars each rest on
            // fewer than five (nobody gave four or five, which says nothing of anyone).
            #expect(R.value(home, "ratings") == 8)
            #expect((1...3).allSatisfy { R.withheld(home, "stars_\($0)") } && R.withheld(home, "average_stars"))
            #expect(R.value(home, "stars_4") == 0 && R.value(home, "stars_5") == 0)
            // P1: six people, 2.5 stars on average, so listed; P3 (two people) is not named at all.
            let low = rows.section("low_rated_provider")
            #expect(low.count == 1)
            #expect(R.value(rows.row("low_rated_provider", "key", scene.p1), "average_stars") == 2.5)
            #expect(R.value(rows.row("low_rated_provider", "key", scene.p1), "ratings") == 6)
            // The neighbouring council's 5-star rating is not counted.
            #expect(R.value(rows.row("provider_type"), "ratings") == 8)
        }
    }

    @Test func orderFlowTimesAndRates() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("order-flow", scene.period, token: try await client.login("commissioner@demo.test")))
            // Micro (P1): accepted in 1, 1, 1, 1, 1, 2, 4, 6, 8, 10, 12 hours: median 2, 90th percentile 10.
            let micro = rows.row("provider_type", "key", "micro")
            #expect(R.value(micro, "median_hours_to_accept") == 2 && R.value(micro, "p90_hours_to_accept") == 10)
            #expect(R.value(micro, "accepted") == 11)
            // User-led's two acceptances rest on two people; large's ten go with them, as the
            // smaller of the other two (23 − 11 − 10 = 2).
            let large = rows.row("provider_type", "key", "large")
            #expect(R.value(large, "median_hours_to_accept") == 24 && R.withheld(large, "accepted"))
            #expect(R.value(rows.row("provider_type"), "accepted") == 23)
            // Two declines by two people, and one cancellation by one: withheld, with their rates.
            #expect(R.withheld(large, "declined") && R.withheld(large, "declined_percent") && R.withheld(micro, "cancelled"))
            #expect(R.value(rows.row("provider_type"), "orders") == 26)
            #expect(R.withheld(rows.row("provider_type", "key", "user_led"), "orders"))
            #expect(R.value(rows.row("category", "key", ReportScene.dayCentre), "orders") == 10)
        }
    }

    @Test func refusalsByReasonAndMonth() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("refusals", scene.period, token: try await client.login("commissioner@demo.test")))
            // Six prohibited, two unregistered: the two are withheld, and so the six (8 − 6 = 2).
            #expect(R.value(rows.row("reason"), "refusals") == 8)
            #expect(R.withheld(rows.row("reason", "reason", "regulator_registration"), "refusals"))
            #expect(R.withheld(rows.row("reason", "reason", "prohibited_spend"), "refusals"))
            #expect(R.value(rows.row("month", "key", "2026-05"), "refusals") == 8)
        }
    }

    @Test func unmetDemandAndSupplyGaps() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let token = try await client.login("commissioner@demo.test")
            let demand = R(try await client.report("unmet-demand", scene.period, token: token))
            let home = demand.row("category", "category", ReportScene.homeCare)
            #expect(R.value(home, "searches") == 10 && R.value(home, "no_results") == 10 && R.value(home, "unmet_percent") == 100)
            let day = demand.row("category", "category", ReportScene.dayCentre)
            #expect(R.value(day, "searches") == 7 && R.value(day, "unmet_searches") == 0)
            #expect(R.value(demand.row("month", "month", "2026-04"), "searches") == 17)

            let gaps = R(try await client.report("supply-gaps", scene.period, token: token))
            let providers = try await market.database.writer.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT count(DISTINCT o.provider_id) FROM offering o, json_each(o.areas) a
                    WHERE o.status = 'published' AND a.value = 'HA1' AND (o.category = ? OR o.category GLOB ? || '.*')
                    """, arguments: [ReportScene.homeCare, ReportScene.homeCare]) ?? -1
            }
            let cell = gaps.section("cell").first { ($0["labels"] as? [String: Any])?["area"] as? String == "HA1" }
            #expect(R.value(cell, "searches") == 10 && R.value(cell, "unmet_searches") == 10)
            #expect(R.value(cell, "providers") == Double(providers))
            #expect(R.value(cell, "searches_per_provider") == (10 / Double(providers + 1) * 10).rounded() / 10)
            let orders = gaps.row("category_orders", "category", ReportScene.homeCare)
            #expect(R.value(orders, "orders") == 16 && R.withheld(orders, "declined"))
        }
    }

    @Test func pricesAgainstCouncilRates() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let rows = R(try await client.report("prices", scene.period, token: try await client.login("commissioner@demo.test")))
            let home = rows.section("category_unit").first {
                let labels = $0["labels"] as? [String: Any]
                return labels?["category"] as? String == ReportScene.homeCare && labels?["unit"] as? String == "hour"
            }
            #expect(R.value(home, "spend_pence") == 17_000 && R.value(home, "council_rate_spend_pence") == 10_000)
            #expect(R.value(home, "council_rate_spend_percent") == 58.8)
            let listed = try await market.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM offering WHERE status = 'published' AND category = ? AND unit = 'hour'", arguments: [ReportScene.homeCare]) ?? -1
            }
            #expect(R.value(home, "offerings") == (listed > 0 ? Double(listed) : nil))
        }
    }

    @Test func communityUsageAndItsTrend() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let publisher = try await client.login("community@demo.test")
            let resource = try await client.createResource(publisher, ["council_id": scene.council])
            try await market.database.writer.write { db in
                let writer = HistoryWriter(db, actor: "")
                try writer.communityUsage(resource: resource, day: CalendarDay("2026-02-01")!, views: 10, clickThroughs: 2)
                try writer.communityUsage(resource: resource, day: CalendarDay("2026-03-01")!, views: 20, clickThroughs: 5)
                // The period before: the same 181 days up to 2025-12-31.
                try writer.communityUsage(resource: resource, day: CalendarDay("2025-10-01")!, views: 15, clickThroughs: 1)
                try writer.communityUsage(resource: resource, day: CalendarDay("2025-06-01")!, views: 99, clickThroughs: 9)
            }
            let rows = R(try await client.report("community-usage", scene.period, token: try await client.login("commissioner@demo.test")))
            let all = rows.section("summary").first
            #expect(R.value(all, "listings") == 1 && R.value(all, "views") == 30 && R.value(all, "click_throughs") == 7)
            #expect(R.value(all, "previous_views") == 15 && R.value(all, "views_change_percent") == 100)
            #expect(R.value(rows.row("area", "key", "HA1"), "views") == 30)
            #expect(R.value(rows.row("month", "key", "2026-03"), "views") == 20)
            // Another council's commissioner sees none of it in their own report.
            let other = R(try await client.report("community-usage", scene.period, token: try await client.login("commissioner@northfield.demo.test")))
            #expect(R.value(other.section("summary").first, "listings") == 0)
        }
    }

    // MARK: The facts the spend reports read

    /// `spend_fact` is written by a trigger with each ledger spend: it equals a recount of the
    /// ledger, for the scene's spends and for an invoiced delivery credited back through the API;
    /// `order_fact` equals a recount of the orders, their acceptances included.
    @Test func spendFactsEqualARecountOfTheLedger() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        try await market.test { client in
            let scene = try await InvoicedDelivery.make(client, market).scene
            let invoice = try #require(try await client.send(.get, "/v1/invoices", token: scene.providerToken).items.first?["id"] as? String)
            let note = try await client.send(
                .post, "/v1/invoices/\(invoice)/credit-notes", token: scene.providerToken,
                json: ["reason": "one hour was not delivered", "lines": [["line_number": 1, "amount_pence": 1_000]]])
            #expect(note.status == .created, "\(note.text)")
        }
        _ = try await ReportScene.write(into: market.database)
        let (facts, recount) = try await spendFactsAndRecount(market.database)
        // The scene's 24 spends (23 here, one in the neighbouring council) and the API's spend and reversal.
        #expect(facts.count == 26)
        #expect(facts.contains { $0[4] == (-1_000).databaseValue })
        #expect(facts == recount)
        // Orders too: the scene's 27 orders (one line each; 24 accepted) and the API's, accepted since.
        let orders = try await orderFactsAndRecount(market.database)
        #expect(orders.facts.count == 28 && orders.facts == orders.recount)
        #expect(orders.facts.filter { $0[7] != .null }.count == 25)
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "spend_fact is append-only") {
            try market.database.writer.write { db in try db.execute(sql: "UPDATE spend_fact SET pence = 1") }
        }
    }

    /// Spends and orders written before v15 are copied in by the migration.
    @Test func theMigrationCopiesEarlierSpendsIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("v15-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.open(path: directory.appendingPathComponent("market.sqlite").path)
        try database.migrate(upTo: "v14-webhooks")
        let services = try AppServices(configuration: TestMarket.configuration, database: database)
        // The demo's broker finance role came in v21: a v14 market knows its holder as broker staff.
        let demo = try String(contentsOf: repositoryRoot.appendingPathComponent("seed-data/demo.json"), encoding: .utf8)
        let earlierDemo = directory.appendingPathComponent("demo.json")
        try demo.replacingOccurrences(of: "\"broker_finance\"", with: "\"broker\"").write(to: earlierDemo, atomically: true, encoding: .utf8)
        _ = try await DemoSeed(database: database, taxonomy: services.taxonomy, accounts: services.accounts).load(
            from: earlierDemo, includingCommunity: false, includingCatalogue: true,
            includingBudgets: false, includingPayments: false)
        _ = try await ReportScene.write(into: database)
        try database.migrate()
        let (facts, recount) = try await spendFactsAndRecount(database)
        #expect(facts.count == 24 && facts == recount)
        let orders = try await orderFactsAndRecount(database)
        #expect(orders.facts.count == 27 && orders.facts == orders.recount)
    }

    // MARK: Who may read them

    @Test(arguments: [
        ("commissioner@northfield.demo.test", "spend", 404), ("provider@demo.test", "spend", 404), ("broker@demo.test", "spend", 404),
        ("holder@demo.test", "spend", 403), ("finance@demo.test", "market-share", 403), ("finance@demo.test", "utilisation", 200),
        ("councilboss@demo.test", "ratings", 200), ("commissioner@demo.test", "refusals", 200), ("admin@demo.test", "order-flow", 200),
    ])
    func onlyTheCouncilsStaffReadItsReports(email: String, report: String, status: Int) async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let token = try await client.login(email)
            let answer = try await client.send(.get, "/v1/reports/\(report)?council_id=\(scene.council)&\(scene.period)", token: token)
            #expect(answer.status.code == status, "\(email) \(report): \(answer.text)")
            if status != 200 { #expect(answer.text.contains("problem") || answer.problemType != nil) }
            #expect(try await client.send(.get, "/v1/reports/\(report)?council_id=\(scene.council)&\(scene.period)").status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("spend?from=2026-01-01", "to"), ("spend?to=2026-01-01", "from"), ("spend?from=2026-02-01&to=2026-01-01", "to"),
        ("spend?from=2026-02-30&to=2026-03-01", "from"), ("spend?from=2026-01-01&to=2026-02-01&format=pdf", "format"),
        ("spend?council_id=nonsense&from=2026-01-01&to=2026-02-01", "council_id"), ("spend?from=2000-01-01&to=2026-02-01", "to"),
    ])
    func badRangesAndFormatsAreRefused(query: String, field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login("commissioner@demo.test")
            let answer = try await client.send(.get, "/v1/reports/\(query)", token: token)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            #expect(try await client.send(.get, "/v1/reports/no-such-report?from=2026-01-01&to=2026-02-01", token: token).status == .notFound)
        }
    }

    @Test func theListNamesEveryReport() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let answer = try await client.send(.get, "/v1/reports", token: try await client.login("commissioner@demo.test"))
            #expect(answer.status == .ok)
            let names = try answer.items.compactMap { $0["name"] as? String }
            #expect(names == ReportName.allCases.map(\.rawValue))
        }
    }

    // MARK: Formats

    /// CSV is the JSON's rows, read back by a CSV parser: withheld figures are `*`.
    @Test func csvCarriesTheSameFigures() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let token = try await client.login("commissioner@demo.test")
            let json = R(try await client.report("spend", scene.period, token: token))
            let answer = try await client.send(.get, "/v1/reports/spend?\(scene.period)&format=csv", token: token)
            #expect(answer.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(answer.headers[.contentDisposition]?.contains("spend-\(scene.council)-2026-01-01-2026-06-30.csv") == true)
            let csv = parseCSV(answer.text)
            #expect(csv.first == ["section", "key", "name", "spend_pence", "council_rate_pence", "public_price_pence", "council_rate_percent", "people"])
            #expect(csv.count == json.rows.count + 1)
            for (line, row) in zip(csv.dropFirst(), json.rows) {
                #expect(line[0] == row["section"] as? String)
                let spend = R.withheld(row, "spend_pence") ? "*" : R.value(row, "spend_pence").map { String(Int($0)) }
                #expect(line[3] == spend)
            }
            #expect(csv.contains { $0[0] == "provider" && $0[3] == "*" })
            // The same through the Accept header.
            let accepted = try await client.send(.get, "/v1/reports/spend?\(scene.period)", token: token, headers: [.accept: "text/csv"])
            #expect(accepted.text == answer.text)
        }
    }

    /// The page stands alone: no scripts, nothing fetched from elsewhere, and a policy that forbids both.
    @Test func htmlIsASelfContainedPageWithCharts() async throws {
        let market = try await TestMarket.make(seedCatalogue: true)
        let scene = try await ReportScene.build(market)
        try await market.test { client in
            let token = try await client.login("commissioner@demo.test")
            let answer = try await client.send(.get, "/v1/reports/spend?\(scene.period)&format=html", token: token)
            #expect(answer.status == .ok && answer.headers[.contentType] == "text/html; charset=utf-8")
            #expect(answer.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            let page = answer.text
            #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.contains("<polyline"))
            #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("<img") && !page.contains("@import"))
            #expect(page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http") == false)
            #expect(page.contains("£170.00") && page.contains("title=\"withheld\""))
        }
    }
}
