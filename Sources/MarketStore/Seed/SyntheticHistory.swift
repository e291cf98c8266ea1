import Foundation
import GRDB
import Logging
import MarketCore

/// Months of a market's past, for the reports and their benchmark, on a market that already has
/// councils and published offerings (the demo, or a synthetic market):
/// - budget holders across the councils (one in ten self-funded), each with a stream from a mix
///   of funding sources and management options, allocated between a little under and well over
///   what they will spend, so some run short and some underspend;
/// - orders of one to three lines, most from a few favourite offerings (so markets concentrate),
///   at the council's rate where it has one: most accepted within hours to days and delivered,
///   some declined or cancelled;
/// - ratings of a third of the delivered orders, each provider with its own typical score;
/// - searches by each council's people, their result counts read from the catalogue, so
///   categories and areas with few offerings show as unmet demand;
/// - daily views of the community listings, and refused orders.
///
/// Deterministic for a `seed`. Written through `HistoryWriter` (triggers on, so the ledger check
/// holds) in transactions of `holdersPerTransaction` holders, logging progress. Invoice it with
/// `supportmarket invoice-run`, as the service would.
public struct SyntheticHistory: Sendable {
    public struct Summary: Sendable {
        public var holders = 0
        public var orders = 0
        public var orderLines = 0
        public var deliveries = 0
        public var ratings = 0
        public var searches = 0
        public var communityDays = 0
        public var refusals = 0
    }

    let database: AppDatabase
    static let holdersPerTransaction = 1_000

    public init(database: AppDatabase) {
        self.database = database
    }

    struct Offering {
        let id: String, provider: String, title: String, category: String, unit: String, price: Int64
    }

    public func generate(months: Int, holders: Int, ordersPerHolderPerMonth: Double = 2, asOf: CalendarDay, seed: UInt64, logger: Logger) async throws -> Summary {
        guard (1...60).contains(months), holders >= 1 else { throw MarketError.invalid("history", "needs 1 to 60 months and at least one holder") }
        var random = SplitMix64(seed: seed &+ 0x4849_5354)
        let now = database.clock.now()
        let firstDay = asOf.adding(days: -months * 365 / 12)
        let lastOrderDay = asOf.adding(days: -15)
        guard firstDay < lastOrderDay else { throw MarketError.invalid("history-months", "must cover more than a fortnight") }
        let market = try await database.read { db in
            (
                offerings: try Row.fetchAll(db, sql: """
                    SELECT id, provider_id, title, category, unit, public_price_pence FROM offering
                    WHERE status = 'published' ORDER BY seq LIMIT 20000
                    """).map { Offering(id: $0["id"], provider: $0["provider_id"], title: $0["title"], category: $0["category"], unit: $0["unit"], price: $0["public_price_pence"]) },
                councils: try String.fetchAll(db, sql: "SELECT id FROM council ORDER BY id"),
                rates: try Row.fetchAll(db, sql: """
                    SELECT council_id, offering_id, rate_pence FROM council_rate WHERE valid_to IS NULL OR valid_to >= ?
                    """, arguments: [asOf]).reduce(into: [String: Int64]()) { $0["\($1["council_id"] as String)|\($1["offering_id"] as String)"] = $1["rate_pence"] },
                supply: try Row.fetchAll(db, sql: """
                    SELECT district, category, count(*) AS offerings FROM offering_area GROUP BY district, category
                    """).reduce(into: [String: Int]()) { $0["\($1["district"] as String)|\($1["category"] as String)"] = $1["offerings"] },
                communityResources: try Row.fetchAll(db, sql: "SELECT id, council_id FROM community_resource ORDER BY seq")
                    .map { (id: $0["id"] as String, council: $0["council_id"] as String?) }
            )
        }
        guard !market.offerings.isEmpty, !market.councils.isEmpty else {
            throw MarketError.conflict("a history needs published offerings and a council: seed a market first")
        }
        // A few of each provider's offerings, for orders of more than one line.
        let byProvider = Dictionary(grouping: market.offerings, by: \.provider).mapValues { Array($0.prefix(8)) }
        let districts = Array(Set(market.supply.keys.map { String($0.prefix { $0 != "|" }) })).sorted()
        // In an order of the seed's, so the most searched-for categories are not the first by name.
        let categories = Array(Set(market.offerings.map(\.category))).sorted().shuffled(using: &random)
        let actor = UserID.random(using: &random)
        var summary = Summary()

        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -524288; PRAGMA synchronous = OFF")
        }
        try await database.write { db in
            try HistoryWriter.insertActor(db, id: actor, email: "history\(actor.rawValue.suffix(8))@synthetic.test", at: now)
        }

        // Holders and their orders and ratings, a batch of holders per transaction.
        let sources = ["adult_social_care", "adult_social_care", "adult_social_care", "nhs_health", "childrens_services", "independent_living_fund"]
        let options = ["direct_payment", "council_managed"]
        var written = 0
        while written < holders {
            let count = min(Self.holdersPerTransaction, holders - written)
            let batch = try await database.write { [summary, written] db in
                var batch = summary
                var random = SplitMix64(seed: Self.mixed(seed, written))
                let writer = HistoryWriter(db, actor: actor.rawValue)
                for index in written..<(written + count) {
                    let council: String? = index % 10 == 9 ? nil : market.councils[index % market.councils.count]
                    let holder = BudgetHolderID.random(using: &random)
                    let favourites = (0..<4).map { _ in market.offerings[Self.skewed(market.offerings.count, &random)] }
                    let orderCount = max(1, Int((Double(months) * ordersPerHolderPerMonth * (0.4 + Double(random.next(upperBound: 120)) / 100)).rounded()))
                    var orders: [(id: OrderID, provider: String, lines: [HistoryWriter.Line], placedAt: Date, outcome: HistoryWriter.Outcome)] = []
                    for _ in 0..<orderCount {
                        let placedOn = firstDay.adding(days: random.next(upperBound: firstDay.days(until: lastOrderDay)))
                        let first = random.next(upperBound: 10) < 8 ? favourites[random.next(upperBound: favourites.count)]
                            : market.offerings[Self.skewed(market.offerings.count, &random)]
                        let sameProvider = byProvider[first.provider] ?? [first]
                        let lineOfferings = [first] + (0..<random.next(upperBound: 3)).map { _ in sameProvider[random.next(upperBound: sameProvider.count)] }
                        let lines = Array(Set(lineOfferings.map(\.id))).sorted().compactMap { id in lineOfferings.first { $0.id == id } }.map { offering in
                            let rate = council.flatMap { market.rates["\($0)|\(offering.id)"] }
                            return HistoryWriter.Line(
                                offeringID: offering.id, title: offering.title, category: offering.category, unit: offering.unit,
                                unitPricePence: rate ?? offering.price, priceSource: rate == nil ? "public" : "council_rate",
                                quantity: 1 + (random.next(upperBound: 4) == 0 ? 1 : 0))
                        }
                        let placedAt = HistoryWriter.noon(placedOn) + TimeInterval(random.next(upperBound: 36_000)) - 18_000
                        let roll = random.next(upperBound: 100)
                        let hours = TimeInterval(1 + random.next(upperBound: Self.acceptHours(first.provider)))
                        let outcome: HistoryWriter.Outcome = roll < 8 ? .declined(after: hours * 3_600)
                            : roll < 15 ? .cancelled(after: hours * 3_600)
                            : .delivered(acceptedAfter: hours * 3_600, deliveredOn: lines.indices.map { placedOn.adding(days: 2 + $0 + random.next(upperBound: 10)) })
                        orders.append((OrderID.random(using: &random), first.provider, lines, placedAt, outcome))
                    }
                    let spend = orders.reduce(Int64(0)) { total, order in total + order.lines.reduce(0) { $0 + $1.unitPricePence * Int64($1.quantity) } }
                    let stream = HistoryWriter.Stream(
                        id: .random(using: &random), source: council == nil ? "own_contribution" : sources[random.next(upperBound: sources.count)],
                        managementOption: options[random.next(upperBound: options.count)], from: firstDay, to: firstDay.adding(days: 364 + 365 * ((months - 1) / 12)),
                        allocatedPence: spend * Int64(100 + random.next(upperBound: 150)) / 100 + 1)
                    try writer.holder(holder, council: council, reference: council == nil ? nil : "H-\(seed)-\(index + 1)", stream: stream, at: HistoryWriter.noon(firstDay))
                    batch.holders += 1
                    for order in orders.sorted(by: { $0.placedAt < $1.placedAt }) {
                        try writer.order(
                            order.id, holder: holder, stream: stream.id, provider: order.provider, lines: order.lines, placedAt: order.placedAt,
                            outcome: order.outcome, deliveryIDs: &random)
                        batch.orders += 1
                        batch.orderLines += order.lines.count
                        guard case let .delivered(_, days) = order.outcome else { continue }
                        batch.deliveries += order.lines.reduce(0) { $0 + $1.quantity }
                        if random.next(upperBound: 3) == 0 {
                            let quality = Self.typicalStars(order.provider)
                            let stars = min(5, max(1, quality + random.next(upperBound: 3) - 1))
                            try writer.rating(
                                .random(using: &random), order: order.id, provider: order.provider, holder: holder, council: council,
                                category: order.lines[0].category, stars: stars, at: HistoryWriter.noon(days.max()!.adding(days: 1)))
                            batch.ratings += 1
                        }
                    }
                }
                return batch
            }
            summary = batch
            written += count
            logger.info("synthetic history written", metadata: [
                "history.holders": "\(written)", "history.holders.total": "\(holders)", "history.orders": "\(summary.orders)",
                "history.order_lines": "\(summary.orderLines)",
            ])
        }

        // Searches, community views and refusals, month by month.
        let searchesPerCouncilMonth = max(20, holders * 3 / max(market.councils.count, 1))
        var day = firstDay
        while day < asOf {
            let monthEnd = min(day.adding(days: 30), asOf)
            let (searches, usage, refusals) = try await database.write { [day] db in
                var random = SplitMix64(seed: Self.mixed(seed, 1_000_000 + firstDay.days(until: day)))
                let writer = HistoryWriter(db, actor: actor.rawValue)
                var searches = 0, usage = 0, refusals = 0
                for council in market.councils {
                    for _ in 0..<searchesPerCouncilMonth {
                        let category = categories[Self.skewed(categories.count, &random)]
                        let area = districts.isEmpty ? nil : districts[random.next(upperBound: districts.count)]
                        let found = area.map { market.supply["\($0)|\(category)"] ?? 0 } ?? 0
                        try writer.search(
                            council: council, category: category, area: area, resultCount: min(found, 20), moreResults: found > 20,
                            at: HistoryWriter.noon(day.adding(days: random.next(upperBound: day.days(until: monthEnd)))))
                        searches += 1
                    }
                    for _ in 0..<random.next(upperBound: 9) {
                        let offering = market.offerings[random.next(upperBound: market.offerings.count)]
                        try writer.refusal(
                            council: council, category: offering.category, offering: offering.id, provider: offering.provider,
                            reason: random.next(upperBound: 2) == 0 ? "prohibited_spend" : "regulator_registration",
                            on: day.adding(days: random.next(upperBound: day.days(until: monthEnd))))
                        refusals += 1
                    }
                }
                var date = day
                while date < monthEnd {
                    for resource in market.communityResources {
                        let views = random.next(upperBound: 25)
                        try writer.communityUsage(resource: resource.id, day: date, views: views, clickThroughs: views / (2 + random.next(upperBound: 4)))
                        usage += 1
                    }
                    date = date.adding(days: 1)
                }
                return (searches, usage, refusals)
            }
            summary.searches += searches
            summary.communityDays += usage
            summary.refusals += refusals
            day = monthEnd
        }
        try await database.write { db in try db.execute(sql: "PRAGMA analysis_limit = 1000; ANALYZE") }
        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA synchronous = FULL; PRAGMA cache_size = -16384")
        }
        return summary
    }

    /// The seed of one batch: the history's seed and the batch's number, well mixed.
    static func mixed(_ seed: UInt64, _ batch: Int) -> UInt64 {
        var generator = SplitMix64(seed: seed ^ (UInt64(batch) &* 0x9E37_79B9_7F4A_7C15))
        return generator.next()
    }

    /// An index in `0..<count` that favours the first ones (about a fifth of the draws go to the
    /// first twentieth), as spend gathers on a few providers.
    static func skewed(_ count: Int, _ random: inout SplitMix64) -> Int {
        let u = Double(random.next(upperBound: 1_000_000)) / 1_000_000
        return min(count - 1, Int(Double(count) * u * u * u))
    }

    /// A provider's typical stars (1...5), fixed by its id.
    static func typicalStars(_ provider: String) -> Int { 2 + Int(provider.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF } % 4) }

    /// The longest a provider takes to accept, in hours (1...96), fixed by its id.
    static func acceptHours(_ provider: String) -> Int { 4 + Int(provider.utf8.reduce(7) { ($0 &* 17 &+ Int($1)) & 0xFFFF } % 92) }
}
