import Foundation
import GRDB
import MarketCore

/// The commissioning reports: each is read in one read transaction from the same tables as
/// everything else (one consistent moment), assembled into a `ReportTable`, then small numbers
/// are withheld (`Report.init`). The queries are in `ReportStore+Money.swift`,
/// `ReportStore+Demand.swift` and `ReportStore+Service.swift`.
public struct ReportStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy) {
        self.database = database
        self.taxonomy = taxonomy
    }

    /// The report `name` of `period`, for a caller the access policy lets read it.
    public func report(_ name: ReportName, for period: CouncilPeriod, by policy: AccessPolicy) async throws -> Report {
        try policy.authorizeReport(name, of: period.council)
        return try await report(name, for: period).report
    }

    /// The report `name` of `period`, for the operator's command line, with the aggregate SQL it
    /// ran (its parameters written in), for running the same queries in the `sqlite3` shell.
    public func report(_ name: ReportName, for period: CouncilPeriod) async throws -> (report: Report, sql: [String]) {
        let now = database.clock.now()
        let today = database.today
        return try await database.read { db in
            guard let councilName = try String.fetchOne(db, sql: "SELECT name FROM council WHERE id = ?", arguments: [period.council])
            else { throw MarketError.notFound(resource: "council") }
            let query = ReportQuery(period: period, now: now, today: today, taxonomy: taxonomy, db: db)
            let (figures, notes) = try query.figures(of: name)
            let report = Report(
                name: name, period: period, councilName: councilName, generatedAt: ISO8601DateFormatter().string(from: now),
                figures: figures, notes: notes)
            return (report, query.statements.list)
        }
    }
}

/// One report being read: the period, the connection and the lookups every report shares.
struct ReportQuery {
    let period: CouncilPeriod
    let now: Date
    let today: CalendarDay
    let taxonomy: CategoryTaxonomy
    let db: Database
    /// The aggregate statements run, with their parameters written in.
    let statements = StatementLog()

    init(period: CouncilPeriod, now: Date, today: CalendarDay, taxonomy: CategoryTaxonomy, db: Database) {
        self.period = period
        self.now = now
        self.today = today
        self.taxonomy = taxonomy
        self.db = db
    }

    final class StatementLog {
        var list: [String] = []
    }

    func figures(of name: ReportName) throws -> (ReportTable, [String]) {
        switch name {
        case .spend: try spend()
        case .marketShare: try marketShare()
        case .prices: try prices()
        case .utilisation: try utilisation()
        case .unmetDemand: try unmetDemand()
        case .supplyGaps: try supplyGaps()
        case .communityUsage: try communityUsage()
        case .ratings: try ratings()
        case .orderFlow: try orderFlow()
        case .refusals: try refusals()
        }
    }

    /// The named parameters every query may use: the council and the range as `from` (a day) and
    /// `until` (the day after `to`), which compare right with both days and timestamps.
    var parameters: [String: String] {
        ["council": period.council.rawValue, "from": period.from.text, "to": period.to.text, "until": period.to.adding(days: 1).text]
    }

    /// Runs one of the report's queries (all of them come through here, and are logged).
    func rows(_ sql: String, _ extra: [String: String] = [:]) throws -> [Row] {
        try Row.fetchAll(db, sql: sql, arguments: logged(sql, extra))
    }

    /// A query's rows one at a time, for those too many to hold at once (each row is valid
    /// until the next); logged as `rows`.
    func cursor(_ sql: String, _ extra: [String: String] = [:]) throws -> RowCursor {
        try Row.fetchCursor(db, sql: sql, arguments: logged(sql, extra))
    }

    /// Logs `sql` with its parameters written in, and returns the parameters.
    private func logged(_ sql: String, _ extra: [String: String]) -> StatementArguments {
        let parameters = self.parameters.merging(extra) { $1 }
        var inlined = sql
        // Longest names first, so that `:from` is not written into `:previous_from`.
        for (name, value) in parameters.sorted(by: { $0.key.count > $1.key.count }) {
            inlined = inlined.replacingOccurrences(of: ":" + name, with: "'" + value.replacingOccurrences(of: "'", with: "''") + "'")
        }
        statements.list.append(inlined)
        return StatementArguments(parameters)
    }

    func categoryName(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "Any category" }
        return taxonomy.category(id)?.name ?? id
    }

    /// Organisation names by id, for the providers a report names.
    func organisationNames(_ ids: some Sequence<String>) throws -> [String: String] {
        let ids = Array(Set(ids))
        guard !ids.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM organisation WHERE id IN (\(marks))", arguments: StatementArguments(Array(chunk))) {
                names[row["id"]] = row["name"]
            }
        }
        return names
    }

    /// Each month of the period, `YYYY-MM`, in order.
    var months: [String] {
        var months: [String] = []
        var day = period.from
        while day <= period.to {
            let month = String(day.text.prefix(7))
            if months.last != month { months.append(month) }
            day = day.adding(days: 1)
        }
        return months
    }
}

/// Percentages and ratios that are `nil` rather than a division by zero.
func percent(_ part: Double, of whole: Double) -> Double? { whole == 0 ? nil : part / whole * 100 }

/// A share of money: pence stay whole numbers until the ratio is taken.
func percent(pence part: Int64, of whole: Int64) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) * 100 }

extension Array where Element == Double {
    /// The values at fractions `qs` (0...1) of the values, nearest rank, sorting them once.
    func quantiles(_ qs: [Double]) -> [Double?] {
        guard !isEmpty else { return qs.map { _ in nil } }
        let sorted = self.sorted()
        return qs.map { q in
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
        }
    }
}
