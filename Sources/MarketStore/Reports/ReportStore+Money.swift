import Foundation
import GRDB
import MarketCore

/// The money reports: spend, market share, prices and budget utilisation.
extension ReportQuery {
    // MARK: spend

    func spend() throws -> (ReportTable, [String]) {
        let breakdowns: [(section: String, title: String, key: (SpendFact) -> String)] = [
            ("category", "Spend by category", \.category), ("provider", "Spend by provider", \.provider),
            ("provider_type", "Spend by provider type", \.providerType), ("funding_source", "Spend by funding source", \.source),
            ("management_option", "Spend by management option", \.managementOption), ("month", "Spend by month", \.month),
        ]
        let (groups, total) = try tallySpend(by: breakdowns.map(\.key))
        let providers = try organisationNames(groups[1].keys)
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
        func figures(_ tally: SpendTally) -> [ReportFigure] {
            [
                ReportFigure(tally.pence, people: tally.people.count), ReportFigure(tally.councilRatePence, people: tally.councilRatePeople.count),
                ReportFigure(tally.publicPence, people: tally.publicPeople.count),
                ReportFigure(percent(pence: tally.councilRatePence, of: tally.pence), people: tally.people.count),
                ReportFigure(tally.people.count, people: tally.people.count),
            ]
        }
        guard !total.people.isEmpty else { return (table, spendNotes) }
        for (breakdown, members) in zip(breakdowns, groups) {
            if breakdown.section == "month" {
                for month in months {
                    table.append(ReportRow(
                        section: "month", labels: [month, month],
                        figures: members[month].map(figures) ?? [ReportFigure(0), ReportFigure(0), ReportFigure(0), .none, ReportFigure(0)],
                        memberOf: ["month"]))
                }
            } else {
                for (key, tally) in members.sorted(by: { ($0.value.pence, $1.key) > ($1.value.pence, $0.key) }) {
                    let name = switch breakdown.section {
                    case "category": categoryName(key)
                    case "provider": providers[key] ?? key
                    default: humanised(key)
                    }
                    table.append(ReportRow(section: breakdown.section, labels: [key, name], figures: figures(tally), memberOf: [breakdown.section]))
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
        let (groups, _) = try tallySpend(by: [\.category, { "\($0.category)|\($0.provider)|\($0.providerType)" }])
        let providers = try organisationNames(groups[1].keys.map { String($0.split(separator: "|")[1]) })
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
        let shares = Dictionary(grouping: groups[1]) { String($0.key.split(separator: "|")[0]) }
        var providerRows: [ReportRow] = []
        for (category, tally) in groups[0].sorted(by: { ($0.value.pence, $1.key) > ($1.value.pence, $0.key) }) {
            let whole = tally.pence, people = tally.people.count
            let members = (shares[category] ?? []).map { entry in
                let parts = entry.key.split(separator: "|").map(String.init)
                return (provider: parts[1], type: parts[2], tally: entry.value)
            }.sorted { ($0.tally.pence, $1.provider) > ($1.tally.pence, $0.provider) }
            let percents = members.map { percent(pence: max($0.tally.pence, 0), of: whole) ?? 0 }
            let microUserLed = members.filter { ["micro", "user_led"].contains($0.type) }.reduce(Int64(0)) { $0 + max($1.tally.pence, 0) }
            let group = "category:\(category)"
            table.append(ReportRow(
                section: "category", labels: [category, categoryName(category), nil, nil, nil],
                figures: [
                    ReportFigure(whole, people: people), .none, ReportFigure(members.count),
                    ReportFigure(percents.reduce(0) { $0 + $1 * $1 }, people: people),
                    ReportFigure(percents.prefix(3).reduce(0, +), people: people),
                    ReportFigure(percent(pence: microUserLed, of: whole), people: people), ReportFigure(people, people: people),
                ],
                totalOf: group))
            for (member, sharePercent) in zip(members, percents) {
                let people = member.tally.people.count
                providerRows.append(ReportRow(
                    section: "provider",
                    labels: [category, categoryName(category), member.provider, providers[member.provider] ?? member.provider, humanised(member.type)],
                    figures: [
                        ReportFigure(member.tally.pence, people: people), ReportFigure(sharePercent, people: people), .none, .none, .none,
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
        let (spent, _) = try tallySpend(by: [\.category, { "\($0.category)|\($0.unit)" }])
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
        // Spend by category (a category's total over its units) and by category and unit.
        let byCategory = spent[0], byUnit = spent[1]
        let categories = Set(catalogue.compactMap { row -> String? in (row["with_rate"] as Int) > 0 ? row["category"] : nil })
            .union(byCategory.keys).sorted()
        for category in categories {
            let units = Set(catalogue.filter { $0["category"] == category }.map { $0["unit"] as String })
                .union(byUnit.keys.filter { $0.hasPrefix(category + "|") }.map { String($0.dropFirst(category.count + 1)) }).sorted()
            let group = "category:\(category)"
            func spendFigures(_ tally: SpendTally?) -> [ReportFigure] {
                guard let tally else { return [.none, .none, .none] }
                let people = tally.people.count
                return [ReportFigure(tally.pence, people: people), ReportFigure(tally.councilRatePence, people: tally.councilRatePeople.count),
                    ReportFigure(percent(pence: tally.councilRatePence, of: tally.pence), people: people)]
            }
            for unit in units {
                let offer = listed["\(category)|\(unit)"]
                table.append(ReportRow(
                    section: "category_unit", labels: [category, unit, "\(categoryName(category)), per \(unit)"],
                    figures: [
                        ReportFigure(offer?["offerings"] as Int?), ReportFigure(offer?["public_price"] as Double?),
                        ReportFigure(offer?["with_rate"] as Int?), ReportFigure(offer?["rate"] as Double?), ReportFigure(offer?["discount"] as Double?),
                    ] + spendFigures(byUnit["\(category)|\(unit)"]),
                    memberOf: units.count > 1 ? [group] : []))
            }
            if units.count > 1, let total = byCategory[category] {
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
                ReportFigure(percent(pence: committed + spent, of: allocated), people: people), ReportFigure(people, people: people),
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
