import Foundation
import GRDB
import MarketCore
import MarketStore
import Testing

/// A small market whose reports are worked out by hand, written through `HistoryWriter` on the
/// demo market (its councils and providers), all in March to May 2026:
///
/// | | home care (`personal-care.home-care`, per hour) | day centre (`day-activities.day-centre`) |
/// |---|---|---|
/// | P1 (micro) | H1…H6 at £10 public, accepted in 2, 4, … 12 h | H1…H5 at £3, accepted in 1 h |
/// | P2 (large) | H1…H5 at £20 council rate, in 24 h; H6, H7 declined | H4…H8 at £5, in 24 h |
/// | P3 (user-led) | H7, H8 at £5, in 48 h | |
///
/// H8 also cancelled a £10 order with P1. Spend: home care £170 (8 people), day centre £40
/// (8 people); P1 £75 (6 people), P2 £125 (8), P3 £10 (2). H1…H8 hold £1,000 each.
/// A neighbouring council's H9 spent £999.99 with P1 and rated it 5; none of it may appear.
struct ReportScene {
    let council: String
    let northfield: String
    let p1: String, p2: String, p3: String
    let period = "from=2026-01-01&to=2026-06-30"

    static let homeCare = "personal-care.home-care"
    static let dayCentre = "day-activities.day-centre"

    static func build(_ market: TestMarket) async throws -> ReportScene {
        try market.setToday("2026-07-01")
        return try await write(into: market.database)
    }

    /// Writes the scene into a database seeded with the demo market and its catalogue.
    static func write(into database: AppDatabase) async throws -> ReportScene {
        try await database.writer.write { db in
            let council = try #require(try String.fetchOne(db, sql: "SELECT council_id FROM user WHERE email = 'commissioner@demo.test'"))
            let northfield = try #require(try String.fetchOne(db, sql: "SELECT council_id FROM user WHERE email = 'commissioner@northfield.demo.test'"))
            func provider(_ type: String) throws -> (id: String, offering: String) {
                let row = try #require(try Row.fetchOne(db, sql: """
                    SELECT o.provider_id, min(o.id) AS offering FROM offering o JOIN provider_store s ON s.organisation_id = o.provider_id
                    WHERE s.provider_type = ? AND o.status = 'published' GROUP BY o.provider_id ORDER BY o.provider_id LIMIT 1
                    """, arguments: [type]))
                return (row["provider_id"], row["offering"])
            }
            let (p1, p2, p3) = (try provider("micro"), try provider("large"), try provider("user_led"))
            let actor = UserID.random()
            try HistoryWriter.insertActor(db, id: actor, email: "report-scene@synthetic.test", at: Date())
            let writer = HistoryWriter(db, actor: actor.rawValue)
            var generator = SystemRandomNumberGenerator()
            let from = CalendarDay("2026-01-01")!, to = CalendarDay("2026-12-31")!
            var holders: [(BudgetHolderID, FundingStreamID)] = []
            for index in 1...9 {
                let holder = BudgetHolderID.random(), stream = FundingStreamID.random()
                try writer.holder(
                    holder, council: index == 9 ? northfield : council, reference: "H\(index)",
                    stream: .init(id: stream, source: "adult_social_care", managementOption: "direct_payment", from: from, to: to,
                        allocatedPence: index == 9 ? 200_000 : 100_000),
                    at: HistoryWriter.noon(from))
                holders.append((holder, stream))
            }
            var minute = 0.0
            @discardableResult
            func order(_ h: Int, _ provider: (id: String, offering: String), _ category: String, _ pence: Int64, councilRate: Bool = false,
                       _ outcome: HistoryWriter.Outcome) throws -> OrderID {
                let id = OrderID.random()
                minute += 1
                try writer.order(
                    id, holder: holders[h - 1].0, stream: holders[h - 1].1, provider: provider.id,
                    lines: [.init(offeringID: provider.offering, title: "Support", category: category, unit: "hour", unitPricePence: pence,
                        priceSource: councilRate ? "council_rate" : "public", quantity: 1)],
                    placedAt: HistoryWriter.noon(CalendarDay("2026-03-02")!) + minute * 60, outcome: outcome, deliveryIDs: &generator)
                return id
            }
            func delivered(_ hours: Double) -> HistoryWriter.Outcome { .delivered(acceptedAfter: hours * 3_600, deliveredOn: [CalendarDay("2026-03-10")!]) }
            let rated = HistoryWriter.noon(CalendarDay("2026-04-24")!)
            for (h, stars) in zip(1...6, [3, 2, 3, 2, 3, 2]) {
                let id = try order(h, p1, homeCare, 1_000, delivered(Double(2 * h)))
                try writer.rating(.random(), order: id, provider: p1.id, holder: holders[h - 1].0, council: council, category: homeCare, stars: stars, at: rated)
            }
            for h in 1...5 { try order(h, p2, homeCare, 2_000, councilRate: true, delivered(24)) }
            for (h, stars) in [(7, 1), (8, 2)] {
                let id = try order(h, p3, homeCare, 500, delivered(48))
                try writer.rating(.random(), order: id, provider: p3.id, holder: holders[h - 1].0, council: council, category: homeCare, stars: stars, at: rated)
            }
            for h in 1...5 { try order(h, p1, dayCentre, 300, delivered(1)) }
            for h in 4...8 { try order(h, p2, dayCentre, 500, delivered(24)) }
            for h in [6, 7] { try order(h, p2, homeCare, 2_000, .declined(after: 5 * 3_600)) }
            try order(8, p1, homeCare, 1_000, .cancelled(after: 3_600))
            let elsewhere = try order(9, p1, homeCare, 99_999, delivered(1))
            try writer.rating(.random(), order: elsewhere, provider: p1.id, holder: holders[8].0, council: northfield, category: homeCare, stars: 5, at: rated)

            let searched = HistoryWriter.noon(CalendarDay("2026-04-15")!)
            for _ in 0..<10 { try writer.search(council: council, category: homeCare, area: "HA1", resultCount: 0, moreResults: false, at: searched) }
            for _ in 0..<7 { try writer.search(council: council, category: dayCentre, area: "HA2", resultCount: 20, moreResults: true, at: searched) }
            for _ in 0..<9 { try writer.search(council: northfield, category: homeCare, area: "HA1", resultCount: 0, moreResults: false, at: searched) }
            for day in 1...6 {
                try writer.refusal(council: council, category: homeCare, offering: p1.offering, provider: p1.id, reason: "prohibited_spend", on: CalendarDay("2026-05-0\(day)")!)
            }
            for day in 1...2 {
                try writer.refusal(council: council, category: dayCentre, offering: p3.offering, provider: p3.id, reason: "regulator_registration", on: CalendarDay("2026-05-1\(day)")!)
            }
            for day in 1...5 {
                try writer.refusal(council: northfield, category: homeCare, offering: p1.offering, provider: p1.id, reason: "prohibited_spend", on: CalendarDay("2026-05-2\(day)")!)
            }
            return ReportScene(council: council, northfield: northfield, p1: p1.id, p2: p2.id, p3: p3.id)
        }
    }
}

extension Client {
    /// A report as JSON, requiring 200.
    func report(_ name: String, _ query: String, token: String) async throws -> [String: any Sendable] {
        let answer = try await send(.get, "/v1/reports/\(name)?\(query)", token: token)
        try #require(answer.status == .ok, "\(name): \(answer.text)")
        return try answer.json
    }
}

/// Reading a report's JSON rows by section and label.
struct ReportRows {
    let rows: [[String: Any]]

    init(_ report: [String: any Sendable]) {
        rows = (report["rows"] as? [[String: Any]]) ?? []
    }

    func section(_ key: String) -> [[String: Any]] { rows.filter { $0["section"] as? String == key } }

    /// The row of `section` whose label `label` is `value`; without a label, the section's
    /// grand total (the total row with no labels).
    func row(_ section: String, _ label: String? = nil, _ value: String? = nil) -> [String: Any]? {
        self.section(section).first { row in
            let labels = (row["labels"] as? [String: Any]) ?? [:]
            guard let label else { return row["total"] as? Bool == true && labels.values.allSatisfy { $0 is NSNull } }
            return labels[label] as? String == value
        }
    }

    /// A figure's value; `nil` when withheld or not applicable.
    static func value(_ row: [String: Any]?, _ figure: String) -> Double? {
        ((row?["figures"] as? [String: Any])?[figure] as? [String: Any])?["value"] as? Double
            ?? (((row?["figures"] as? [String: Any])?[figure] as? [String: Any])?["value"] as? Int).map(Double.init)
    }

    static func withheld(_ row: [String: Any]?, _ figure: String) -> Bool {
        ((row?["figures"] as? [String: Any])?[figure] as? [String: Any])?["suppressed"] as? Bool == true
    }
}

/// `spend_fact` as it stands and as a recount of the ledger gives it (written here, apart from
/// the migration's SQL): every council holder's spend and reversal, by ledger entry.
func spendFactsAndRecount(_ database: AppDatabase) async throws -> (facts: [[DatabaseValue]], recount: [[DatabaseValue]]) {
    try await database.writer.read { db in
        let facts = try Row.fetchAll(db, sql: """
            SELECT council_id, day, ledger_entry_id, budget_holder_id, pence, price_source, category, unit, provider_id, provider_type,
                source, management_option
            FROM spend_fact ORDER BY ledger_entry_id
            """)
        let recount = try Row.fetchAll(db, sql: """
            SELECT h.council_id, date(e.occurred_at), e.id, e.budget_holder_id, iif(e.kind = 'spend', e.amount_pence, -e.amount_pence),
                l.price_source, l.category, l.unit, o.provider_id, ifnull(p.provider_type, 'unknown'), s.source, s.management_option
            FROM ledger_entry e, budget_holder h, funding_stream s, delivery d, order_line l, purchase_order o
            LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
            WHERE e.kind IN ('spend', 'reversal') AND h.id = e.budget_holder_id AND h.council_id IS NOT NULL AND s.id = e.stream_id
                AND d.id = e.delivery_id AND l.order_id = d.order_id AND l.line_number = d.line_number AND o.id = d.order_id
            ORDER BY e.id
            """)
        return (facts.map { Array($0.databaseValues) }, recount.map { Array($0.databaseValues) })
    }
}

/// One confirmed delivery of two hours at £10 (2026-09-22), invoiced on 2026-10-05 through the API.
struct InvoicedDelivery {
    let scene: OrderScene
    let provider: String
    let order: String
    let delivery: String
    let financeToken: String

    static func make(_ client: Client, _ market: TestMarket) async throws -> InvoicedDelivery {
        let scene = try await OrderScene.make(client, price: 1_000)
        let provider = try #require(try await client.me(scene.providerToken)["organisation_id"] as? String)
        _ = try await client.putBillingProfile(scene.providerToken, provider: provider)
        let order = try await client.acceptedOrder(scene, hours: 2)
        try market.setToday("2026-09-24")
        let delivery = try await client.deliver(scene, order: order, hours: 2, on: "2026-09-22")
        #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: scene.holderToken).status == .ok)
        try market.setToday("2026-10-05")
        let finance = try await client.login("finance@demo.test")
        _ = try await client.runInvoicing(finance)
        return InvoicedDelivery(scene: scene, provider: provider, order: order, delivery: delivery, financeToken: finance)
    }
}

/// `order_fact` as it stands and as a recount of the orders gives it.
func orderFactsAndRecount(_ database: AppDatabase) async throws -> (facts: [[DatabaseValue]], recount: [[DatabaseValue]]) {
    try await database.writer.read { db in
        let facts = try Row.fetchAll(db, sql: """
            SELECT council_id, placed_at, order_seq, line_number, budget_holder_id, provider_type, category, accepted_at, declined_at, cancelled_at
            FROM order_fact ORDER BY order_seq, line_number
            """)
        let recount = try Row.fetchAll(db, sql: """
            SELECT h.council_id, o.placed_at, o.seq, l.line_number, o.budget_holder_id, ifnull(p.provider_type, 'unknown'), l.category,
                o.accepted_at, o.declined_at, o.cancelled_at
            FROM order_line l, purchase_order o, budget_holder h LEFT JOIN provider_store p ON p.organisation_id = o.provider_id
            WHERE o.id = l.order_id AND h.id = o.budget_holder_id AND h.council_id IS NOT NULL
            ORDER BY o.seq, l.line_number
            """)
        return (facts.map { Array($0.databaseValues) }, recount.map { Array($0.databaseValues) })
    }
}
