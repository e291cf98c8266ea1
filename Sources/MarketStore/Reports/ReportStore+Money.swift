import Foundation
import GRDB
import MarketCore

/// The money reports: spend, market share, prices and budget utilisation.
extension ReportQuery {
    // MARK: spend

    func spend() throws -> (ReportTable, [String]) {
        let breakdowns: [(section: String, title: String, column: String)] = [
            ("category", "Spend by category", "category"), ("provider", "Spend by provider", "provider"),
            ("provider_type", "Spend by provider type", "provider_type"), ("funding_source", "Spend by funding source", "source"),
            ("management_option", "Spend by management option", "management_option"), ("month", "Spend by month", "month"),
        ]
        let aggregates = """
            sum(pence) AS pence, count(DISTINCT person) AS people,
            sum(CASE WHEN price_source = 'council_rate' THEN pence ELSE 0 END) AS council_rate_pence,
            count(DISTINCT CASE WHEN price_source = 'council_rate' THEN person END) AS council_rate_people,
            count(DISTINCT CASE WHEN price_source = 'public' THEN person END) AS public_people
            """
        let sql = "WITH \(Self.spendRows) "
            + breakdowns.map { "SELECT '\($0.section)' AS section, \($0.column) AS key, \(aggregates) FROM spend_row GROUP BY \($0.column)" }
                .joined(separator: " UNION ALL ")
            + " UNION ALL SELECT 'total', NULL, \(aggregates) FROM spend_row"
        let rows = try rows(sql)
        let providers = try organisationNames(rows.filter { $0["section"] == "provider" }.compactMap { $0["key"] })
        var table = ReportTable(
            sections: breakdowns.map {
                ReportSection($0.section, $0.title, chart: $0.section == "month" ? .line(of: "spend_pence", by: "key") : .bars(of: "spend_pence", by: "name"))
            },
            labels: [.identifier("key", "Key"), .label("name", "Name")],
            figures: [
                ReportColumn("spend_pence", "Net spend", .pence, summing: true, sumOf: ["council_rate_pence", "public_price_pence"]),
                ReportColumn("council_rate_pence", "At council rates", .pence, summing: true),
                ReportColumn("public_price_pence", "At public prices", .pence, summing: true),
                ReportColumn("council_rate_percent", "Share at council rates", .percent, derivedFrom: ["council_rate_pence", "spend_pence"]),
                ReportColumn("people", "People", .count),
            ])
        func figures(_ row: Row) -> [ReportFigure] {
            let pence: Int64 = row["pence"] ?? 0, councilRate: Int64 = row["council_rate_pence"] ?? 0, people: Int = row["people"]
            return [
                ReportFigure(pence, people: people), ReportFigure(councilRate, people: row["council_rate_people"]),
                ReportFigure(pence - councilRate, people: row["public_people"]),
                ReportFigure(percent(Double(councilRate), of: Double(pence)), people: people), ReportFigure(people, people: people),
            ]
        }
        guard let total = rows.first(where: { $0["section"] == "total" }), (total["people"] as Int) > 0 else { return (table, spendNotes) }
        for breakdown in breakdowns {
            var members = rows.filter { $0["section"] == breakdown.section }
            if breakdown.section == "month" {
                let byMonth = Dictionary(uniqueKeysWithValues: members.map { ($0["key"] as String, $0) })
                for month in months {
                    let row = byMonth[month]
                    table.append(ReportRow(
                        section: "month", labels: [month, month],
                        figures: row.map(figures) ?? [ReportFigure(0), ReportFigure(0), ReportFigure(0), .none, ReportFigure(0)],
                        memberOf: ["month"]))
                }
            } else {
                members.sort { ($0["pence"] as Int64, $1["key"] as String) > ($1["pence"] as Int64, $0["key"] as String) }
                for row in members {
                    let key: String = row["key"]
                    let name = switch breakdown.section {
                    case "category": categoryName(key)
                    case "provider": providers[key] ?? key
                    default: humanised(key)
                    }
                    table.append(ReportRow(section: breakdown.section, labels: [key, name], figures: figures(row), memberOf: [breakdown.section]))
                }
            }
            table.append(ReportRow(section: breakdown.section, labels: [nil, nil], figures: figures(total), totalOf: breakdown.section))
        }
        return (table, spendNotes)
    }

    var spendNotes: [String] {
        [
            "Net spend is what the council's budget holders' confirmed deliveries cost in the period (ledger spends), less credit notes (reversals), by the day it was charged.",
            "At council rates: bought at a rate the council agreed with the provider; at public prices: at the price anyone would pay.",
        ]
    }

    // MARK: market-share

    func marketShare() throws -> (ReportTable, [String]) {
        let sql = """
            WITH \(Self.spendRows)
            SELECT category, provider, provider_type, sum(pence) AS pence, count(DISTINCT person) AS people
                FROM spend_row GROUP BY category, provider
            UNION ALL
            SELECT category, NULL, NULL, sum(pence), count(DISTINCT person) FROM spend_row GROUP BY category
            """
        let rows = try rows(sql)
        let providers = try organisationNames(rows.compactMap { $0["provider"] })
        var table = ReportTable(
            sections: [
                ReportSection("category", "Concentration by category", chart: .bars(of: "hhi", by: "category_name")),
                ReportSection("provider", "Providers' shares"),
            ],
            labels: [.identifier("category", "Category id"), .label("category_name", "Category"), .identifier("provider_id", "Provider id"),
                .label("provider_name", "Provider"), .label("provider_type", "Provider type")],
            figures: [
                ReportColumn("spend_pence", "Net spend", .pence, summing: true),
                ReportColumn("share_percent", "Share of category", .percent, derivedFrom: ["spend_pence"]),
                ReportColumn("providers", "Providers", .count),
                ReportColumn("hhi", "HHI (0–10,000)", .index, fromWholeGroup: true),
                ReportColumn("top3_share_percent", "Top three's share", .percent, fromWholeGroup: true),
                ReportColumn("micro_user_led_share_percent", "Micro and user-led share", .percent, fromWholeGroup: true),
                ReportColumn("people", "People", .count),
            ])
        let totals = rows.filter { ($0["provider"] as String?) == nil }.sorted { ($0["pence"] as Int64) > ($1["pence"] as Int64) }
        let members = Dictionary(grouping: rows.filter { ($0["provider"] as String?) != nil }) { $0["category"] as String }
        var providerRows: [ReportRow] = []
        for total in totals {
            let category: String = total["category"], whole = Double(total["pence"] as Int64), people: Int = total["people"]
            let shares = (members[category] ?? []).sorted { ($0["pence"] as Int64) > ($1["pence"] as Int64) }
            let percents = shares.map { percent(Double(max($0["pence"] as Int64, 0)), of: whole) ?? 0 }
            let microUserLed = shares.filter { ["micro", "user_led"].contains($0["provider_type"] as String) }.reduce(0.0) {
                $0 + Double(max($1["pence"] as Int64, 0))
            }
            let group = "category:\(category)"
            table.append(ReportRow(
                section: "category", labels: [category, categoryName(category), nil, nil, nil],
                figures: [
                    ReportFigure(whole, people: people), .none, ReportFigure(shares.count),
                    ReportFigure(percents.reduce(0) { $0 + $1 * $1 }, people: people),
                    ReportFigure(percents.prefix(3).reduce(0, +), people: people),
                    ReportFigure(percent(microUserLed, of: whole), people: people), ReportFigure(people, people: people),
                ],
                totalOf: group))
            for (share, sharePercent) in zip(shares, percents) {
                let provider: String = share["provider"], people: Int = share["people"]
                providerRows.append(ReportRow(
                    section: "provider",
                    labels: [category, categoryName(category), provider, providers[provider] ?? provider, humanised(share["provider_type"])],
                    figures: [
                        ReportFigure(share["pence"] as Int64, people: people), ReportFigure(sharePercent, people: people), .none, .none, .none,
                        .none, ReportFigure(people, people: people),
                    ],
                    memberOf: [group]))
            }
        }
        providerRows.forEach { table.append($0) }
        return (table, [
            "Shares are of the net spend of the council's budget holders in each category in the period.",
            "HHI (Herfindahl–Hirschman index) is the sum of the squared percentage shares: below 1,500 a competitive market, above 2,500 a highly concentrated one.",
            "A category's concentration figures are withheld when any provider's share in it is, since they would let it be worked out.",
        ])
    }

    // MARK: prices

    func prices() throws -> (ReportTable, [String]) {
        let catalogue = try rows("""
            SELECT o.category, o.unit, count(*) AS offerings, avg(o.public_price_pence) AS public_price,
                count(r.rate_pence) AS with_rate, avg(r.rate_pence) AS rate,
                avg(CASE WHEN r.rate_pence IS NOT NULL THEN 100.0 * (o.public_price_pence - r.rate_pence) / o.public_price_pence END) AS discount
            FROM offering o
            LEFT JOIN council_rate r ON r.offering_id = o.id AND r.council_id = :council
                AND r.valid_from <= :to AND (r.valid_to IS NULL OR r.valid_to >= :to)
            WHERE o.status = 'published'
            GROUP BY o.category, o.unit
            """)
        let spend = try rows("""
            WITH \(Self.spendRows)
            SELECT category, unit, sum(pence) AS pence, count(DISTINCT person) AS people,
                sum(CASE WHEN price_source = 'council_rate' THEN pence ELSE 0 END) AS council_rate_pence,
                count(DISTINCT CASE WHEN price_source = 'council_rate' THEN person END) AS council_rate_people
            FROM spend_row GROUP BY category, unit
            UNION ALL
            SELECT category, NULL, sum(pence), count(DISTINCT person), sum(CASE WHEN price_source = 'council_rate' THEN pence ELSE 0 END),
                count(DISTINCT CASE WHEN price_source = 'council_rate' THEN person END)
            FROM spend_row GROUP BY category
            """)
        var table = ReportTable(
            sections: [ReportSection("category_unit", "Prices and spend by category and unit", chart: .bars(of: "average_discount_percent", by: "name"))],
            labels: [.identifier("category", "Category"), .identifier("unit", "Unit"), .label("name", "Category and unit")],
            figures: [
                ReportColumn("offerings", "Offerings listed", .count),
                ReportColumn("average_public_price_pence", "Average public price", .pence),
                ReportColumn("offerings_at_council_rate", "With a council rate", .count),
                ReportColumn("average_council_rate_pence", "Average council rate", .pence),
                ReportColumn("average_discount_percent", "Average discount", .percent),
                ReportColumn("spend_pence", "Net spend", .pence, summing: true),
                ReportColumn("council_rate_spend_pence", "Spend at council rates", .pence, summing: true),
                ReportColumn("council_rate_spend_percent", "Share at council rates", .percent, derivedFrom: ["spend_pence", "council_rate_spend_pence"]),
            ])
        let listed = Dictionary(uniqueKeysWithValues: catalogue.map { ("\($0["category"] as String)|\($0["unit"] as String)", $0) })
        let spent = Dictionary(uniqueKeysWithValues: spend.map { ("\($0["category"] as String)|\(($0["unit"] as String?) ?? "*")", $0) })
        let categories = Set(catalogue.compactMap { row -> String? in (row["with_rate"] as Int) > 0 ? row["category"] : nil })
            .union(spend.map { $0["category"] as String }).sorted()
        for category in categories {
            let units = Set(catalogue.filter { $0["category"] == category }.map { $0["unit"] as String })
                .union(spend.compactMap { $0["category"] == category ? $0["unit"] as String? : nil }).sorted()
            let group = "category:\(category)"
            func spendFigures(_ row: Row?) -> [ReportFigure] {
                guard let row else { return [.none, .none, .none] }
                let pence: Int64 = row["pence"], councilRate: Int64 = row["council_rate_pence"], people: Int = row["people"]
                return [ReportFigure(pence, people: people), ReportFigure(councilRate, people: row["council_rate_people"]),
                    ReportFigure(percent(Double(councilRate), of: Double(pence)), people: people)]
            }
            for unit in units {
                let offer = listed["\(category)|\(unit)"]
                table.append(ReportRow(
                    section: "category_unit", labels: [category, unit, "\(categoryName(category)), per \(unit)"],
                    figures: [
                        ReportFigure(offer?["offerings"] as Int?), ReportFigure(offer?["public_price"] as Double?),
                        ReportFigure(offer?["with_rate"] as Int?), ReportFigure(offer?["rate"] as Double?), ReportFigure(offer?["discount"] as Double?),
                    ] + spendFigures(spent["\(category)|\(unit)"]),
                    memberOf: units.count > 1 ? [group] : []))
            }
            if units.count > 1, let total = spent["\(category)|*"] {
                table.append(ReportRow(
                    section: "category_unit", labels: [category, nil, "\(categoryName(category)), all units"],
                    figures: [.none, .none, .none, .none, .none] + spendFigures(total), totalOf: group))
            }
        }
        return (table, [
            "Prices are of the offerings published now; council rates are this council's rates in force on the last day of the period.",
            "The average discount is the mean, over offerings with a council rate, of how far the rate is below the public price.",
            "Spend is the net spend of the council's budget holders in the period, as in the spend report.",
        ])
    }

    // MARK: utilisation

    func utilisation() throws -> (ReportTable, [String]) {
        let streams = try rows("""
            SELECT s.budget_holder_id AS person, s.source, s.management_option, s.allocated_pence, s.committed_pence, s.spent_pence,
                s.period_from, s.period_to
            FROM budget_holder h JOIN funding_stream s ON s.budget_holder_id = h.id
            WHERE h.council_id = :council AND s.period_from <= :to AND s.period_to >= :from
            """)
        struct Stream {
            let person: String, allocated: Int64, committed: Int64, spent: Int64
            let outlook: BudgetOutlook?
        }
        var table = ReportTable(
            sections: [
                ReportSection("funding_source", "By funding source", chart: .bars(of: "spent_pence", by: "name")),
                ReportSection("management_option", "By management option", chart: .bars(of: "spent_pence", by: "name")),
            ],
            labels: [.identifier("key", "Key"), .label("name", "Name")],
            figures: [
                ReportColumn("allocated_pence", "Allocated", .pence, summing: true, sumOf: ["committed_pence", "spent_pence", "available_pence"]),
                ReportColumn("committed_pence", "Committed", .pence, summing: true),
                ReportColumn("spent_pence", "Spent", .pence, summing: true),
                ReportColumn("available_pence", "Available", .pence, summing: true),
                ReportColumn("used_percent", "Committed or spent", .percent, derivedFrom: ["allocated_pence", "available_pence"]),
                ReportColumn("people", "People", .count),
                ReportColumn("likely_underspend", "Likely to underspend", .count),
                ReportColumn("likely_to_run_out", "Likely to run out", .count),
            ])
        let all = streams.map { row in
            Stream(
                person: row["person"], allocated: row["allocated_pence"], committed: row["committed_pence"], spent: row["spent_pence"],
                outlook: BudgetOutlook(
                    allocated: row["allocated_pence"], committed: row["committed_pence"], spent: row["spent_pence"],
                    from: CalendarDay(row["period_from"] as String), to: CalendarDay(row["period_to"] as String), today: today))
        }
        func figures(_ streams: [Stream]) -> [ReportFigure] {
            let people = Set(streams.map(\.person)).count
            let allocated = streams.reduce(0) { $0 + $1.allocated }, committed = streams.reduce(0) { $0 + $1.committed }
            let spent = streams.reduce(0) { $0 + $1.spent }
            let under = Set(streams.filter { $0.outlook == .underspend }.map(\.person)).count
            let over = Set(streams.filter { $0.outlook == .runsOut }.map(\.person)).count
            return [
                ReportFigure(allocated, people: people), ReportFigure(committed, people: people), ReportFigure(spent, people: people),
                ReportFigure(allocated - committed - spent, people: people),
                ReportFigure(percent(Double(committed + spent), of: Double(allocated)), people: people), ReportFigure(people, people: people),
                ReportFigure(under, people: under), ReportFigure(over, people: over),
            ]
        }
        guard !all.isEmpty else { return (table, utilisationNotes) }
        let sources = Dictionary(grouping: streams.indices) { streams[$0]["source"] as String }
        let options = Dictionary(grouping: streams.indices) { streams[$0]["management_option"] as String }
        for (section, groups) in [("funding_source", sources), ("management_option", options)] {
            for key in groups.keys.sorted() {
                table.append(ReportRow(section: section, labels: [key, humanised(key)], figures: figures(groups[key]!.map { all[$0] }), memberOf: [section]))
            }
            table.append(ReportRow(section: section, labels: [nil, nil], figures: figures(all), totalOf: section))
        }
        return (table, utilisationNotes)
    }

    var utilisationNotes: [String] {
        [
            "Funding streams whose period overlaps the report's, with their figures as they stand today.",
            "Likely to underspend: a quarter or more of the stream's period has passed and, at the pace spent so far (counting what is already committed), less than three quarters of the allocation will be used by its end.",
            "Likely to run out: at the pace spent so far, the allocation will be used before its period ends.",
        ]
    }
}

/// Where a funding stream is heading by the end of its period, at the pace spent so far.
enum BudgetOutlook: Equatable {
    case underspend, onCourse, runsOut

    /// `nil` when the stream has not run long enough (a quarter of its period) to tell.
    init?(allocated: Int64, committed: Int64, spent: Int64, from: CalendarDay?, to: CalendarDay?, today: CalendarDay) {
        guard let from, let to, allocated > 0 else { return nil }
        let length = Double(from.days(until: to) + 1)
        let elapsed = min(max(Double(from.days(until: today) + 1), 0), length) / length
        guard elapsed >= 0.25 else { return nil }
        let projected = Double(spent) / elapsed
        if projected > Double(allocated) {
            self = .runsOut
        } else if max(projected, Double(spent + committed)) < 0.75 * Double(allocated) {
            self = .underspend
        } else {
            self = .onCourse
        }
    }
}

/// `adult_social_care` → "Adult social care".
func humanised(_ key: String) -> String {
    let words = key.replacingOccurrences(of: "_", with: " ")
    return words.prefix(1).uppercased() + words.dropFirst()
}
