import Foundation
import GRDB
import MarketCore

/// The demand reports: unmet demand, supply gaps and community catalogue usage.
extension ReportQuery {
    /// A search found too little when it had fewer results than this (and no more pages).
    static let fewResults = 5

    // MARK: unmet-demand

    func unmetDemand() throws -> (ReportTable, [String]) {
        (try unmetDemandTable(), demandNotes)
    }

    /// Searches logged for the council's people, by category, by category and area, and by
    /// month. Searches are not linked to people, so a figure's count of searches stands for its
    /// people (never fewer).
    func unmetDemandTable() throws -> ReportTable {
        let cells = try rows("""
            SELECT coalesce(category, '') AS category, coalesce(area, '') AS area, substr(occurred_at, 1, 7) AS month,
                count(*) AS searches, sum(result_count = 0) AS no_results,
                sum(result_count BETWEEN 1 AND \(Self.fewResults - 1) AND more_results = 0) AS few_results
            FROM search_demand
            WHERE council_id = :council AND occurred_at >= :from AND occurred_at < :until
            GROUP BY 1, 2, 3
            """)
        var table = ReportTable(
            sections: [
                ReportSection("category", "By category", chart: .bars(of: "unmet_searches", by: "name")),
                ReportSection("category_area", "By category and area"),
                ReportSection("month", "By month", chart: .line(of: "unmet_searches", by: "month")),
            ],
            labels: [.identifier("category", "Category id"), .label("name", "Category"), .label("area", "Area"), .label("month", "Month")],
            figures: [
                ReportColumn("searches", "Searches", .count, summing: true),
                ReportColumn("no_results", "Found nothing", .count, summing: true),
                ReportColumn("few_results", "Found fewer than \(Self.fewResults)", .count, summing: true),
                ReportColumn("unmet_searches", "Unmet", .count, summing: true, sumOf: ["no_results", "few_results"]),
                ReportColumn("unmet_percent", "Unmet share", .percent, derivedFrom: ["searches", "unmet_searches"]),
            ])
        struct Counts {
            var searches = 0, none = 0, few = 0
            /// A cell's row: category, area, month, then these three counts (by position: there are many).
            mutating func add(_ row: Row) {
                searches += row[3] as Int
                none += row[4] as Int
                few += row[5] as Int
            }
            var figures: [ReportFigure] {
                [ReportFigure(searches, people: searches), ReportFigure(none, people: none), ReportFigure(few, people: few),
                    ReportFigure(none + few, people: none + few), ReportFigure(percent(Double(none + few), of: Double(searches)), people: searches)]
            }
        }
        guard !cells.isEmpty else { return table }
        var byCategory: [String: Counts] = [:], byCell: [String: [String: Counts]] = [:], byMonth: [String: Counts] = [:], total = Counts()
        for row in cells {
            let category: String = row[0], area: String = row[1], month: String = row[2]
            byCategory[category, default: Counts()].add(row)
            byCell[category, default: [:]][area, default: Counts()].add(row)
            byMonth[month, default: Counts()].add(row)
            total.add(row)
        }
        let categories = byCategory.keys.sorted { (byCategory[$0]!.none + byCategory[$0]!.few, $1) > (byCategory[$1]!.none + byCategory[$1]!.few, $0) }
        for category in categories {
            table.append(ReportRow(
                section: "category", labels: [category, categoryName(category), nil, nil], figures: byCategory[category]!.figures,
                memberOf: ["category"], totalOf: "areas:\(category)"))
        }
        table.append(ReportRow(section: "category", labels: [nil, nil, nil, nil], figures: total.figures, totalOf: "category"))
        for category in categories {
            let areas = byCell[category]!
            for area in areas.keys.sorted() {
                table.append(ReportRow(
                    section: "category_area", labels: [category, categoryName(category), area.isEmpty ? "Any area" : area, nil],
                    figures: areas[area]!.figures, memberOf: ["areas:\(category)"]))
            }
        }
        for month in months {
            table.append(ReportRow(
                section: "month", labels: [nil, nil, nil, month], figures: (byMonth[month] ?? Counts()).figures,
                memberOf: ["month"]))
        }
        table.append(ReportRow(section: "month", labels: [nil, nil, nil, nil], figures: total.figures, totalOf: "month"))
        return table
    }

    var demandNotes: [String] {
        [
            "Searches made by the council's budget holders, brokers and staff while signed in; the search log keeps no text and no one's identity, and one person's identical search is logged at most once a minute.",
            "Unmet: the search found nothing, or fewer than \(Self.fewResults) results. Searches are not linked to people, so a figure's count of searches is taken as its count of people when withholding small numbers.",
        ]
    }

    // MARK: supply-gaps

    func supplyGaps() throws -> (ReportTable, [String]) {
        // The cells are unmet demand's, after its small numbers were withheld, so that the two
        // reports never show different parts of the same figures.
        let demand = try unmetDemandTable().suppressingSmallNumbers()
        let searchesIndex = demand.figureIndex("searches")!, unmetIndex = demand.figureIndex("unmet_searches")!
        struct Cell {
            let category: String, area: String, searches: Double, unmet: Double?, providers: Int
            var perProvider: Double { searches / Double(providers + 1) }
        }
        var cells: [Cell] = []
        var withheld = 0
        // Who serves each district in each category today, read once: a cell counts the
        // providers of its category and every category below it.
        var serving: [String: Set<String>] = [:]
        let listed = try Row.fetchCursor(db, sql: """
            SELECT DISTINCT a.district, a.category, l.provider_id FROM offering_area a JOIN offering_listing l ON l.seq = a.offering_seq
            """)
        while let row = try listed.next() { serving["\(row[0] as String)|\(row[1] as String)", default: []].insert(row[2]) }
        for row in demand.rows(in: "category_area") {
            guard let category = row.labels[0], !category.isEmpty, let area = row.labels[2], PostcodeDistrict(area) != nil else { continue }
            guard let searches = row.figures[searchesIndex].value else {
                withheld += 1
                continue
            }
            let providers = taxonomy.descendantIDs(of: category).reduce(into: Set<String>()) { $0.formUnion(serving["\(area)|\($1)"] ?? []) }.count
            cells.append(Cell(category: category, area: area, searches: searches, unmet: row.figures[unmetIndex].value, providers: providers))
        }
        cells.sort { ($0.perProvider, $1.category, $1.area) > ($1.perProvider, $0.category, $0.area) }
        var byCategory: [String: [OrderOutcome]] = [:]
        for order in try orderOutcomes() { for category in order.categories { byCategory[category, default: []].append(order) } }
        var table = ReportTable(
            sections: [
                ReportSection("cell", "Searches per provider, by category and area", chart: .bars(of: "searches_per_provider", by: "name")),
                ReportSection("category_orders", "Orders and declines by category", chart: .bars(of: "declined_percent", by: "name")),
            ],
            labels: [.identifier("category", "Category id"), .identifier("area", "Area"), .label("name", "Where")],
            figures: [
                ReportColumn("rank", "Rank", .count),
                ReportColumn("searches", "Searches", .count),
                ReportColumn("unmet_searches", "Unmet", .count),
                ReportColumn("providers", "Providers serving it", .count),
                ReportColumn("searches_per_provider", "Searches per provider", .ratio),
                ReportColumn("orders", "Orders", .count),
                ReportColumn("declined", "Declined", .count),
                ReportColumn("declined_percent", "Declined share", .percent, derivedFrom: ["orders", "declined"]),
            ])
        for (rank, cell) in cells.prefix(Self.supplyGapCells).enumerated() {
            table.append(ReportRow(
                section: "cell", labels: [cell.category, cell.area, "\(categoryName(cell.category)) in \(cell.area)"],
                figures: [
                    ReportFigure(rank + 1), ReportFigure(cell.searches), ReportFigure(cell.unmet), ReportFigure(cell.providers),
                    ReportFigure(cell.perProvider), .none, .none, .none,
                ]))
        }
        for (category, orders) in byCategory.sorted(by: { ($0.value.count(where: \.declined), $1.key) > ($1.value.count(where: \.declined), $0.key) }) {
            let declined = orders.filter(\.declined)
            let people = Set(orders.map(\.person)).count
            table.append(ReportRow(
                section: "category_orders", labels: [category, nil, categoryName(category)],
                figures: [
                    .none, .none, .none, .none, .none, ReportFigure(orders.count, people: people),
                    ReportFigure(declined.count, people: Set(declined.map(\.person)).count),
                    ReportFigure(percent(Double(declined.count), of: Double(orders.count)), people: people),
                ]))
        }
        var notes = [
            "A cell is a category searched for in a postcode district. Providers serving it have a published offering in the category (or below it) in that district today.",
            "Cells are ranked by searches per provider (searches ÷ (providers + 1)); the figures are unmet demand's, after withholding small numbers.",
            "Orders carry no area, so declines (a sign that providers lack capacity) are by category.",
        ]
        if withheld > 0 { notes.append("\(withheld) cells with too few searches to show are left out of the ranking.") }
        return (table, notes)
    }

    /// How many cells the supply-gap ranking lists.
    static let supplyGapCells = 50

    // MARK: community-usage

    func communityUsage() throws -> (ReportTable, [String]) {
        let previous = period.previous
        let isStale = try CommunityResourceQuery.isStale(now: ":now").build(db).sql
        let resources = try rows("""
            SELECT r.categories, r.areas, \(isStale) AS is_stale,
                coalesce((SELECT sum(u.views) FROM community_usage u WHERE u.resource_id = r.id AND u.day BETWEEN :from AND :to), 0) AS views,
                coalesce((SELECT sum(u.click_throughs) FROM community_usage u WHERE u.resource_id = r.id AND u.day BETWEEN :from AND :to), 0) AS clicks,
                coalesce((SELECT sum(u.views) FROM community_usage u WHERE u.resource_id = r.id AND u.day BETWEEN :previous_from AND :previous_to), 0)
                    AS previous_views
            FROM community_resource r WHERE r.council_id = :council
            """, ["previous_from": previous.from.text, "previous_to": previous.to.text, "now": String.fromDatabaseValue(now.databaseValue) ?? ""])
        let monthly = try rows("""
            SELECT substr(u.day, 1, 7) AS month, sum(u.views) AS views, sum(u.click_throughs) AS clicks
            FROM community_resource r JOIN community_usage u ON u.resource_id = r.id
            WHERE r.council_id = :council AND u.day BETWEEN :from AND :to GROUP BY 1
            """)
        var table = ReportTable(
            sections: [
                ReportSection("summary", "All listings"),
                ReportSection("category", "By category", chart: .bars(of: "views", by: "name")),
                ReportSection("area", "By area", chart: .bars(of: "views", by: "name")),
                ReportSection("month", "By month", chart: .line(of: "views", by: "key")),
            ],
            labels: [.identifier("key", "Key"), .label("name", "Name")],
            figures: [
                ReportColumn("listings", "Listings", .count),
                ReportColumn("stale_listings", "Stale", .count),
                ReportColumn("stale_percent", "Stale share", .percent),
                ReportColumn("views", "Views", .count),
                ReportColumn("click_throughs", "Click-throughs", .count),
                ReportColumn("click_through_percent", "Click-through rate", .percent),
                ReportColumn("previous_views", "Views, period before", .count),
                ReportColumn("views_change_percent", "Change in views", .percent),
            ])
        struct Usage {
            var listings = 0, stale = 0, views = 0, clicks = 0, previous = 0
            mutating func add(_ row: Row) {
                listings += 1
                stale += (row["is_stale"] as Bool) ? 1 : 0
                views += row["views"] as Int
                clicks += row["clicks"] as Int
                previous += row["previous_views"] as Int
            }
            var figures: [ReportFigure] {
                [ReportFigure(listings), ReportFigure(stale), ReportFigure(percent(Double(stale), of: Double(listings))), ReportFigure(views),
                    ReportFigure(clicks), ReportFigure(percent(Double(clicks), of: Double(views))), ReportFigure(previous),
                    ReportFigure(percent(Double(views - previous), of: Double(previous)))]
            }
        }
        var all = Usage(), byCategory: [String: Usage] = [:], byArea: [String: Usage] = [:]
        for row in resources {
            all.add(row)
            for category in Set(Self.jsonStrings(row["categories"])) { byCategory[category, default: Usage()].add(row) }
            for area in Set(Self.jsonStrings(row["areas"])) { byArea[area, default: Usage()].add(row) }
        }
        table.append(ReportRow(section: "summary", labels: [nil, "All listings"], figures: all.figures))
        for (category, usage) in byCategory.sorted(by: { ($0.value.views, $1.key) > ($1.value.views, $0.key) }) {
            table.append(ReportRow(section: "category", labels: [category, categoryName(category)], figures: usage.figures))
        }
        for (area, usage) in byArea.sorted(by: { ($0.value.views, $1.key) > ($1.value.views, $0.key) }) {
            table.append(ReportRow(section: "area", labels: [area, area], figures: usage.figures))
        }
        let byMonth = Dictionary(uniqueKeysWithValues: monthly.map { ($0["month"] as String, $0) })
        for month in months {
            let views: Int = byMonth[month]?["views"] ?? 0, clicks: Int = byMonth[month]?["clicks"] ?? 0
            table.append(ReportRow(
                section: "month", labels: [month, month],
                figures: [.none, .none, .none, ReportFigure(views), ReportFigure(clicks), ReportFigure(percent(Double(clicks), of: Double(views))), .none, .none]))
        }
        return (table, [
            "Listings are the council's community catalogue today; views and click-throughs are counted per day as people open a listing or follow its link.",
            "A listing with several categories or areas counts in each, so those sections do not add up to all listings.",
            "Stale: not verified within the council's window (\(CommunityFreshness.defaultWindowDays) days unless the council set another).",
            "Views are not linked to people and the listings are public, so nothing here is withheld.",
        ])
    }

    static func jsonStrings(_ text: String) -> [String] { (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [] }
}
