import Foundation

extension ReportUnit {
    /// Whether values are whole numbers (pence, counts, the concentration index).
    public var isWhole: Bool { self == .pence || self == .count || self == .index }

    /// The value as data: whole units as integers, the rest rounded to what they mean (a
    /// percentage or hours to 0.1, stars to 0.01).
    public func rounded(_ value: Double) -> Double {
        switch self {
        case .pence, .count, .index, .text: value.rounded()
        case .percent, .ratio, .hours: (value * 10).rounded() / 10
        case .stars: (value * 100).rounded() / 100
        }
    }

    /// The value as CSV and JSON carry it: `1234`, `12.5`.
    public func machineText(_ value: Double) -> String {
        let rounded = rounded(value)
        if isWhole || rounded == rounded.rounded(.towardZero) { return String(Int64(rounded)) }
        return String(format: self == .stars ? "%.2f" : "%.1f", rounded)
    }

    /// The value as people read it: `£12.34`, `1,234`, `12.5%`, `3.25★`.
    public func humanText(_ value: Double) -> String {
        switch self {
        case .pence:
            let pence = Int64(value.rounded())
            let pounds = grouped(abs(pence) / 100)
            return (pence < 0 ? "−£" : "£") + pounds + String(format: ".%02lld", abs(pence) % 100)
        case .count, .index, .text: return (value < 0 ? "−" : "") + grouped(Int64(abs(value.rounded())))
        case .percent: return String(format: "%.1f%%", rounded(value))
        case .ratio: return String(format: "%.1f", rounded(value))
        case .hours: return String(format: "%.1f h", rounded(value))
        case .stars: return String(format: "%.2f", rounded(value))
        }
    }

    private func grouped(_ whole: Int64) -> String {
        var digits = String(whole)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return groups.joined(separator: ",")
    }
}

extension Report {
    /// What a withheld figure shows in CSV and HTML.
    public static let withheldMark = "*"

    /// The label a total row shows in its first label column.
    public static let totalLabel = "Total"

    /// A row's labels for people: a total row says so in its first label.
    public func displayLabels(_ row: ReportRow) -> [String] {
        row.labels.enumerated().map { index, label in label ?? (row.isTotal && index == 0 ? Self.totalLabel : "") }
    }

    /// RFC 4180 CSV: a header (`section`, the labels, the figures), then every row in order; a
    /// withheld figure is `*`, a figure that does not apply is empty.
    public var csv: String {
        var text = CSV.row(["section"] + table.labels.map(\.key) + table.figures.map(\.key))
        for row in table.rows {
            let figures = zip(table.figures, row.figures).map { column, figure in
                figure.suppressed ? Self.withheldMark : figure.value.map(column.unit.machineText) ?? ""
            }
            text += CSV.row([row.section] + displayLabels(row) + figures)
        }
        return text
    }

    /// A file name for the report: `spend-<council>-<from>-<to>`.
    public var fileName: String { "\(name.rawValue)-\(period.council)-\(period.from)-\(period.to)" }
}
