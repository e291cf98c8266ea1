/// The figures of a report: one rectangular table whose rows are grouped into sections (spend
/// "by category", "by month", …), so that JSON, CSV and HTML show the same rows in the same order.
///
/// Invariants: every row has one label per `labels` column and one figure per `figures` column;
/// a row's section is one of `sections`. The sums the table declares (a group's members add up
/// to its total row; a column adds up to its `sumOf` columns in the same row) are what
/// `suppressingSmallNumbers` protects: no withheld figure can be worked out from them.
public struct ReportTable: Sendable, Equatable {
    public let sections: [ReportSection]
    public let labels: [ReportColumn]
    public let figures: [ReportColumn]
    public internal(set) var rows: [ReportRow]

    public init(sections: [ReportSection], labels: [ReportColumn], figures: [ReportColumn], rows: some Sequence<ReportRow> = []) {
        self.sections = sections
        self.labels = labels
        self.figures = figures
        self.rows = Array(rows)
    }

    public mutating func append(_ row: ReportRow) {
        precondition(row.labels.count == labels.count && row.figures.count == figures.count, "a row has one cell per column")
        rows.append(row)
    }

    public func figureIndex(_ key: String) -> Int? { figures.firstIndex { $0.key == key } }
    public func labelIndex(_ key: String) -> Int? { labels.firstIndex { $0.key == key } }

    /// The rows of one section, totals last as they were appended.
    public func rows(in section: String) -> [ReportRow] { rows.filter { $0.section == section } }

    /// Whether `row` totals other rows of its own section (drawn in bold, never charted), rather
    /// than rows of another section (a category's line above its providers' shares).
    public func isSectionTotal(_ row: ReportRow) -> Bool {
        guard let group = row.totalOf else { return false }
        return rows.contains { $0.section == row.section && $0.memberOf.contains(group) }
    }

    /// How many figures are withheld.
    public var suppressedCount: Int { rows.reduce(0) { $0 + $1.figures.count(where: \.suppressed) } }
}

/// A part of a report with a heading, and the chart drawn above its table in the HTML page.
public struct ReportSection: Sendable, Equatable {
    public let key: String
    public let title: String
    public let chart: ReportChart?

    public init(_ key: String, _ title: String, chart: ReportChart? = nil) {
        self.key = key
        self.title = title
        self.chart = chart
    }
}

/// A chart of one figure against one label: bars (largest first) or a line (in row order, for
/// months). Totals are never drawn.
public struct ReportChart: Sendable, Equatable {
    public enum Kind: String, Sendable { case bars, line }

    public let kind: Kind
    public let label: String
    public let figure: String

    public static func bars(of figure: String, by label: String) -> ReportChart { ReportChart(kind: .bars, label: label, figure: figure) }
    public static func line(of figure: String, by label: String) -> ReportChart { ReportChart(kind: .line, label: label, figure: figure) }
}

/// What a figure's number means, so each format writes it right (pence as whole numbers and £
/// in HTML, percentages to one decimal place).
public enum ReportUnit: String, Sendable, CaseIterable {
    case text, pence, count, percent, ratio, hours, stars, index
}

/// A column of the table. Figure columns may say how they relate to others:
/// - `summing`: a group's total row holds the sum of its members' values;
/// - `sumOf`: the value is the sum of these columns in the same row;
/// - `derivedFrom`: computed from these columns in the same row, so withheld with any of them;
/// - `fromWholeGroup` (total rows only): computed from every member of the group (a concentration
///   index), so withheld when any member's figure is.
public struct ReportColumn: Sendable, Equatable {
    public let key: String
    public let title: String
    public let unit: ReportUnit
    public let summing: Bool
    public let sumOf: [String]
    public let derivedFrom: [String]
    public let fromWholeGroup: Bool
    /// A label that is a machine key (a category id, a provider id): in JSON and CSV, not on the page.
    public let isIdentifier: Bool

    public init(
        _ key: String, _ title: String, _ unit: ReportUnit, summing: Bool = false, sumOf: [String] = [], derivedFrom: [String] = [],
        fromWholeGroup: Bool = false, isIdentifier: Bool = false
    ) {
        self.key = key
        self.title = title
        self.unit = unit
        self.summing = summing
        self.sumOf = sumOf
        self.derivedFrom = derivedFrom
        self.fromWholeGroup = fromWholeGroup
        self.isIdentifier = isIdentifier
    }

    public static func label(_ key: String, _ title: String) -> ReportColumn { ReportColumn(key, title, .text) }
    public static func identifier(_ key: String, _ title: String) -> ReportColumn { ReportColumn(key, title, .text, isIdentifier: true) }
}

/// One row: its section, labels, figures, the groups it is a member of and the group it totals.
public struct ReportRow: Sendable, Equatable {
    public let section: String
    public let labels: [String?]
    public internal(set) var figures: [ReportFigure]
    /// Groups whose total row this row adds up to (with the other members).
    public let memberOf: [String]
    /// The group this row is the total of, if it is a total row.
    public let totalOf: String?

    public init(section: String, labels: [String?], figures: [ReportFigure], memberOf: [String] = [], totalOf: String? = nil) {
        self.section = section
        self.labels = labels
        self.figures = figures
        self.memberOf = memberOf
        self.totalOf = totalOf
    }

    public var isTotal: Bool { totalOf != nil }
}

/// One number and how many distinct people it rests on.
///
/// `people` is `nil` for figures about no one (views of public listings, catalogue prices). Where
/// the records hold no person (searches, refusals) it is the number of records, which is never
/// fewer than the people behind them. A withheld figure has no value.
public struct ReportFigure: Sendable, Equatable {
    public internal(set) var value: Double?
    public let people: Int?
    public internal(set) var suppressed: Bool

    public init(_ value: Double?, people: Int? = nil) {
        self.value = value
        self.people = people
        self.suppressed = false
    }

    public init(_ value: Int64?, people: Int? = nil) { self.init(value.map(Double.init), people: people) }
    public init(_ value: Int?, people: Int? = nil) { self.init(value.map(Double.init), people: people) }

    /// A figure that does not apply to its row (a concentration index on a provider's row).
    public static let none = ReportFigure(Double?.none)
}
