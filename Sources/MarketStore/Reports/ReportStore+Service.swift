import Foundation
import GRDB
import MarketCore

/// The service reports: ratings, order flow and refused orders.
extension ReportQuery {
    // MARK: ratings

    /// Providers whose average from the council's people is below this are listed.
    static let lowRating = 3.0

    func ratings() throws -> (ReportTable, [String]) {
        let ratings = try rows("""
            SELECT r.category, coalesce(p.provider_type, 'unknown') AS provider_type, r.provider_id, r.stars, r.budget_holder_id AS person
            FROM rating r JOIN provider_store p ON p.organisation_id = r.provider_id
            WHERE r.rater_council_id = :council AND r.removed_at IS NULL AND r.created_at >= :from AND r.created_at < :until
            """).map { Rated(category: $0["category"], providerType: $0["provider_type"], provider: $0["provider_id"], stars: $0["stars"], person: $0["person"]) }
        let stars = (1...5).map { "stars_\($0)" }
        var table = ReportTable(
            sections: [
                ReportSection("category", "By category", chart: .bars(of: "average_stars", by: "name")),
                ReportSection("provider_type", "By provider type", chart: .bars(of: "average_stars", by: "name")),
                ReportSection("low_rated_provider", "Providers rated below \(Int(Self.lowRating)) stars"),
            ],
            labels: [.identifier("key", "Key"), .label("name", "Name")],
            figures: [ReportColumn("ratings", "Ratings", .count, summing: true, sumOf: stars)]
                + (1...5).map { ReportColumn("stars_\($0)", "\($0) ★", .count, summing: true) }
                + [ReportColumn("average_stars", "Average stars", .stars, derivedFrom: stars)])
        func figures(_ rows: [Rated]) -> [ReportFigure] {
            let people = Set(rows.map(\.person)).count
            let counts = Dictionary(grouping: rows, by: \.stars)
            let sum = rows.reduce(0) { $0 + $1.stars }
            return [ReportFigure(rows.count, people: people)]
                + (1...5).map { star in ReportFigure(counts[star]?.count ?? 0, people: Set((counts[star] ?? []).map(\.person)).count) }
                + [ReportFigure(rows.isEmpty ? nil : Double(sum) / Double(rows.count), people: people)]
        }
        guard !ratings.isEmpty else { return (table, ratingNotes) }
        for (section, key) in [("category", \Rated.category), ("provider_type", \Rated.providerType)] {
            let groups = Dictionary(grouping: ratings) { $0[keyPath: key] }
            for (key, rows) in groups.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
                let name = section == "category" ? categoryName(key) : humanised(key)
                table.append(ReportRow(section: section, labels: [key, name], figures: figures(rows), memberOf: [section]))
            }
            table.append(ReportRow(section: section, labels: [nil, nil], figures: figures(ratings), totalOf: section))
        }
        let byProvider = Dictionary(grouping: ratings, by: \.provider)
        // Only providers rated by enough people are named: naming one at all says something of them.
        let low = byProvider.filter { _, rows in
            Set(rows.map(\.person)).count >= ReportTable.smallNumberThreshold
                && Double(rows.reduce(0) { $0 + $1.stars }) / Double(rows.count) < Self.lowRating
        }
        let names = try organisationNames(low.keys)
        for (provider, rows) in low.sorted(by: { $0.key < $1.key }) {
            var figures = figures(rows)
            for i in 1...5 { figures[i] = .none }
            table.append(ReportRow(section: "low_rated_provider", labels: [provider, names[provider] ?? provider], figures: figures))
        }
        return (table, ratingNotes)
    }

    /// One rating, for the ratings report.
    struct Rated {
        let category: String
        let providerType: String
        let provider: String
        let stars: Int
        let person: String
    }

    var ratingNotes: [String] {
        [
            "Ratings given in the period by the council's budget holders (or those acting for them) on orders paid from council funds; removed ratings are left out.",
            "A provider is listed as rated below \(Int(Self.lowRating)) stars on these ratings alone, and only when at least \(ReportTable.smallNumberThreshold) people rated it.",
        ]
    }

    // MARK: order-flow

    func orderFlow() throws -> (ReportTable, [String]) {
        let orders = try orderOutcomes()
        var table = ReportTable(
            sections: [
                ReportSection("provider_type", "By provider type", chart: .bars(of: "median_hours_to_accept", by: "name")),
                ReportSection("category", "By category", chart: .bars(of: "declined_percent", by: "name")),
            ],
            labels: [.identifier("key", "Key"), .label("name", "Name")],
            figures: [
                ReportColumn("orders", "Orders", .count, summing: true),
                ReportColumn("accepted", "Accepted", .count, summing: true),
                ReportColumn("declined", "Declined", .count, summing: true),
                ReportColumn("cancelled", "Cancelled", .count, summing: true),
                ReportColumn("declined_percent", "Declined share", .percent, derivedFrom: ["orders", "declined"]),
                ReportColumn("cancelled_percent", "Cancelled share", .percent, derivedFrom: ["orders", "cancelled"]),
                ReportColumn("median_hours_to_accept", "Median time to accept", .hours),
                ReportColumn("p90_hours_to_accept", "90th percentile", .hours),
            ])
        func figures(_ orders: [OrderOutcome]) -> [ReportFigure] {
            // One pass: the people behind each count, and the hours to sort once.
            var everyone = Set<Int32>(), acceptedBy = Set<Int32>(), declinedBy = Set<Int32>(), cancelledBy = Set<Int32>()
            var hours: [Double] = [], declined = 0, cancelled = 0
            for order in orders {
                everyone.insert(order.person)
                if let wait = order.hoursToAccept {
                    hours.append(wait)
                    acceptedBy.insert(order.person)
                }
                if order.declined { declined += 1; declinedBy.insert(order.person) }
                if order.cancelled { cancelled += 1; cancelledBy.insert(order.person) }
            }
            let waits = hours.quantiles([0.5, 0.9])
            return [
                ReportFigure(orders.count, people: everyone.count), ReportFigure(hours.count, people: acceptedBy.count),
                ReportFigure(declined, people: declinedBy.count), ReportFigure(cancelled, people: cancelledBy.count),
                ReportFigure(percent(Double(declined), of: Double(orders.count)), people: everyone.count),
                ReportFigure(percent(Double(cancelled), of: Double(orders.count)), people: everyone.count),
                ReportFigure(waits[0], people: acceptedBy.count), ReportFigure(waits[1], people: acceptedBy.count),
            ]
        }
        guard !orders.isEmpty else { return (table, orderFlowNotes) }
        for (key, group) in Dictionary(grouping: orders, by: \.providerType).sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
            table.append(ReportRow(section: "provider_type", labels: [key, humanised(key)], figures: figures(group), memberOf: ["provider_type"]))
        }
        table.append(ReportRow(section: "provider_type", labels: [nil, nil], figures: figures(orders), totalOf: "provider_type"))
        var byCategory: [String: [OrderOutcome]] = [:]
        for order in orders { for category in order.categories { byCategory[category, default: []].append(order) } }
        for (key, group) in byCategory.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
            table.append(ReportRow(section: "category", labels: [key, categoryName(key)], figures: figures(group)))
        }
        return (table, orderFlowNotes)
    }

    /// What became of each order placed in the period by or for the council's people: one range
    /// of `order_fact` (a row per order line), read once into one outcome per order.
    func orderOutcomes() throws -> [OrderOutcome] {
        let lines = try cursor("""
            SELECT order_seq, budget_holder_id, provider_type, (julianday(accepted_at) - julianday(placed_at)) * 24,
                declined_at IS NOT NULL, cancelled_at IS NOT NULL, category
            FROM order_fact WHERE council_id = :council AND placed_at >= :from AND placed_at < :until
            """)
        var orders: [OrderOutcome] = []
        var index: [Int64: Int] = [:]
        var people: [String: Int32] = [:]
        while let row = try lines.next() {
            let seq: Int64 = row[0], category: String = row[6]
            if let known = index[seq] {
                if !orders[known].categories.contains(category) { orders[known].categories.append(category) }
                continue
            }
            let holder: String = row[1]
            let person = people[holder] ?? Int32(people.count)
            people[holder] = person
            index[seq] = orders.count
            orders.append(OrderOutcome(
                person: person, providerType: row[2], hoursToAccept: row[3], declined: row[4], cancelled: row[5], categories: [category]))
        }
        return orders
    }

    /// What became of one order, for the order-flow and supply-gap reports.
    struct OrderOutcome {
        let person: Int32
        let providerType: String
        let hoursToAccept: Double?
        let declined: Bool
        let cancelled: Bool
        var categories: [String]
    }

    var orderFlowNotes: [String] {
        [
            "Orders placed in the period by or for the council's budget holders. Time to accept is from placing to the provider's acceptance, in hours.",
            "An order for several categories counts once in each, so the category rows do not add up to the total.",
        ]
    }

    // MARK: refusals

    func refusals() throws -> (ReportTable, [String]) {
        let counts = try rows("""
            SELECT reason, category, substr(refused_on, 1, 7) AS month, count(*) AS refusals
            FROM order_refusal WHERE council_id = :council AND refused_on BETWEEN :from AND :to
            GROUP BY 1, 2, 3
            """)
        var table = ReportTable(
            sections: [
                ReportSection("reason", "By reason", chart: .bars(of: "refusals", by: "name")),
                ReportSection("reason_category", "By reason and category", chart: .bars(of: "refusals", by: "name")),
                ReportSection("month", "By month", chart: .line(of: "refusals", by: "key")),
            ],
            labels: [.identifier("reason", "Reason"), .identifier("key", "Key"), .label("name", "Name")],
            figures: [ReportColumn("refusals", "Refusals", .count, summing: true)])
        func figure(_ count: Int) -> [ReportFigure] { [ReportFigure(count, people: count)] }
        guard !counts.isEmpty else { return (table, refusalNotes) }
        func total(_ rows: [Row]) -> Int { rows.reduce(0) { $0 + ($1["refusals"] as Int) } }
        let reasons = Dictionary(grouping: counts) { $0["reason"] as String }
        for (reason, rows) in reasons.sorted(by: { $0.key < $1.key }) {
            table.append(ReportRow(
                section: "reason", labels: [reason, reason, humanised(reason)], figures: figure(total(rows)), memberOf: ["reason"],
                totalOf: "reason:\(reason)"))
        }
        table.append(ReportRow(section: "reason", labels: [nil, nil, nil], figures: figure(total(counts)), totalOf: "reason"))
        for (reason, rows) in reasons.sorted(by: { $0.key < $1.key }) {
            for (category, rows) in Dictionary(grouping: rows, by: { $0["category"] as String }).sorted(by: { (total($0.value), $1.key) > (total($1.value), $0.key) }) {
                table.append(ReportRow(
                    section: "reason_category", labels: [reason, category, "\(categoryName(category)) (\(humanised(reason).lowercased()))"],
                    figures: figure(total(rows)), memberOf: ["reason:\(reason)"]))
            }
        }
        let byMonth = Dictionary(grouping: counts) { $0["month"] as String }
        for month in months {
            table.append(ReportRow(section: "month", labels: [nil, month, month], figures: figure(total(byMonth[month] ?? [])), memberOf: ["month"]))
        }
        table.append(ReportRow(section: "month", labels: [nil, nil, nil], figures: figure(total(counts)), totalOf: "month"))
        return (table, refusalNotes)
    }

    var refusalNotes: [String] {
        [
            "Orders refused because the council's list says public money may not buy what they are for (prohibited_spend), or because regulated care was ordered from a provider not registered with its regulator (regulator_registration).",
            "A refusal records the day, the category, the offering and the provider, not who asked, so a figure's count of refusals is taken as its count of people when withholding small numbers.",
        ]
    }
}
