import Foundation

/// A report as one self-contained HTML page: a chart above each section's table, drawn as inline
/// SVG, with no scripts, fonts, images or styles from anywhere else, and printable (a section is
/// not split across pages where it fits on one).
extension Report {
    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape("\(name.title) · \(councilName) · \(period.from) to \(period.to)"))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <p class="council">\(HTML.escape(councilName))</p>
            <h1>\(HTML.escape(name.title))</h1>
            <p class="period">\(period.from) to \(period.to) · generated \(HTML.escape(generatedAt))</p>
            <p>\(HTML.escape(name.summary))</p>
            </header>
            <main>

            """
        for section in table.sections {
            let rows = table.rows(in: section.key)
            page += "<section>\n<h2>\(HTML.escape(section.title))</h2>\n"
            if rows.isEmpty {
                page += "<p class=\"empty\">Nothing in this period.</p>\n</section>\n"
                continue
            }
            if let chart = section.chart { page += figure(chart, title: section.title, rows: rows) }
            page += tableHTML(rows)
            page += "</section>\n"
        }
        page += "</main>\n<footer>\n<h2>How to read this report</h2>\n<ul>\n"
        page += "<li><strong>\(Self.withheldMark)</strong> marks a withheld figure: it rests on fewer than \(ReportTable.smallNumberThreshold) people, or it would let one that does be worked out from the totals.</li>\n"
        for note in notes { page += "<li>\(HTML.escape(note))</li>\n" }
        page += "</ul>\n</footer>\n</body>\n</html>\n"
        return page
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #0b0c0c; margin: 2rem auto; max-width: 62rem; padding: 0 1rem; line-height: 1.4; }
        h1 { font-size: 2rem; margin: 0.2rem 0; } h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; border-bottom: 3px solid #1d70b8; padding-bottom: 0.2rem; }
        .council { color: #505a5f; font-weight: 600; margin: 0; text-transform: uppercase; letter-spacing: 0.04em; } .period { color: #505a5f; margin: 0 0 0.5rem; }
        figure { margin: 0.5rem 0 1rem; } svg { max-width: 100%; height: auto; } svg text { font-family: inherit; font-size: 12px; fill: #0b0c0c; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; } th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #b1b4b6; text-align: left; vertical-align: top; }
        th { background: #f3f2f1; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.total td { font-weight: 700; border-top: 2px solid #0b0c0c; } .withheld { color: #6f777b; } .empty { color: #505a5f; font-style: italic; }
        footer { margin-top: 2.5rem; font-size: 0.9rem; color: #383f43; }
        @media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } h2 { break-after: avoid; } }
        """

    func tableHTML(_ rows: [ReportRow]) -> String {
        let labelColumns = table.labels.indices.filter { i in !table.labels[i].isIdentifier && rows.contains { $0.labels[i] != nil } }
        let figureColumns = table.figures.indices.filter { i in rows.contains { $0.figures[i].value != nil || $0.figures[i].suppressed } }
        var html = "<table>\n<thead><tr>"
        for i in labelColumns { html += "<th scope=\"col\">\(HTML.escape(table.labels[i].title))</th>" }
        for i in figureColumns { html += "<th scope=\"col\" class=\"n\">\(HTML.escape(table.figures[i].title))</th>" }
        html += "</tr></thead>\n<tbody>\n"
        for row in rows {
            let labels = displayLabels(row)
            let isTotal = table.isSectionTotal(row)
            html += isTotal ? "<tr class=\"total\">" : "<tr>"
            for (n, i) in labelColumns.enumerated() {
                html += "<td>\(HTML.escape(isTotal && n == 0 && row.labels[i] == nil ? Self.totalLabel : labels[i]))</td>"
            }
            for i in figureColumns {
                let figure = row.figures[i]
                if figure.suppressed {
                    html += "<td class=\"n withheld\" title=\"withheld\">\(Self.withheldMark)</td>"
                } else {
                    html += "<td class=\"n\">\(figure.value.map(table.figures[i].unit.humanText) ?? "")</td>"
                }
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    func figure(_ chart: ReportChart, title: String, rows: [ReportRow]) -> String {
        guard let labelIndex = table.labelIndex(chart.label), let figureIndex = table.figureIndex(chart.figure) else { return "" }
        let column = table.figures[figureIndex]
        let points = rows.filter { !table.isSectionTotal($0) }.map { row in
            (label: row.labels[labelIndex] ?? "", value: row.figures[figureIndex].value, withheld: row.figures[figureIndex].suppressed)
        }
        let title = "\(title): \(column.title)"
        let svg = switch chart.kind {
        case .bars: ReportSVG.bars(points.compactMap { p in p.value.map { (p.label, $0) } }, unit: column.unit, title: title)
        case .line: ReportSVG.line(points.map { ($0.label, $0.value) }, unit: column.unit, title: title)
        }
        let withheld = points.count(where: \.withheld)
        let caption = HTML.escape(title) + (withheld > 0 ? " (\(withheld) withheld, not drawn)" : "")
        return "<figure>\n\(svg)\n<figcaption>\(caption)</figcaption>\n</figure>\n"
    }
}

/// The charts, as SVG drawn from numbers alone.
enum ReportSVG {
    static let width = 900.0
    static let accent = "#1d70b8"

    /// Horizontal bars, largest first, at most `limit` of them.
    static func bars(_ points: [(String, Double)], unit: ReportUnit, title: String, limit: Int = 15) -> String {
        let shown = points.sorted { $0.1 > $1.1 }.prefix(limit)
        let rowHeight = 24.0, labelWidth = 280.0, valueWidth = 110.0
        let height = Double(max(shown.count, 1)) * rowHeight + 10
        let top = max(shown.map(\.1).max() ?? 0, 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        if shown.isEmpty { svg += "<text x=\"0\" y=\"18\">No figures to draw.</text>" }
        for (index, point) in shown.enumerated() {
            let y = Double(index) * rowHeight + 4
            let barWidth = max(point.1, 0) / top * (width - labelWidth - valueWidth)
            svg += "<text x=\"\(Int(labelWidth - 8))\" y=\"\(fmt(y + 15))\" text-anchor=\"end\">\(HTML.escape(truncated(point.0, 40)))</text>"
            svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(fmt(y + 2))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(rowHeight - 6))\" fill=\"\(accent)\"/>"
            svg += "<text x=\"\(fmt(labelWidth + barWidth + 6))\" y=\"\(fmt(y + 15))\">\(HTML.escape(unit.humanText(point.1)))</text>"
        }
        return svg + "</svg>"
    }

    /// A line through the points in order; a withheld point breaks the line.
    static func line(_ points: [(String, Double?)], unit: ReportUnit, title: String) -> String {
        let height = 280.0, left = 90.0, right = 40.0, top = 20.0, bottom = 50.0
        let values = points.compactMap(\.1)
        let ceiling = niceCeiling(values.max() ?? 0)
        let floor = min(values.min() ?? 0, 0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ i: Int) -> Double { left + (points.count > 1 ? Double(i) / Double(points.count - 1) * plotWidth : plotWidth / 2) }
        func y(_ v: Double) -> Double { top + plotHeight - (v - floor) / max(ceiling - floor, 1) * plotHeight }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        for step in 0...4 {
            let v = floor + (ceiling - floor) * Double(step) / 4
            svg += "<line x1=\"\(Int(left))\" x2=\"\(Int(width - right))\" y1=\"\(fmt(y(v)))\" y2=\"\(fmt(y(v)))\" stroke=\"#d8dadb\"/>"
            svg += "<text x=\"\(Int(left - 6))\" y=\"\(fmt(y(v) + 4))\" text-anchor=\"end\">\(HTML.escape(unit.humanText(v)))</text>"
        }
        if values.isEmpty { svg += "<text x=\"\(Int(left))\" y=\"\(Int(top + 20))\">No figures to draw.</text>" }
        var segment: [String] = []
        func closeSegment() {
            if segment.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(accent)\" stroke-width=\"2.5\" points=\"\(segment.joined(separator: " "))\"/>" }
            segment = []
        }
        let labelEvery = max(1, (points.count + 11) / 12)
        for (i, point) in points.enumerated() {
            if i % labelEvery == 0 {
                svg += "<text x=\"\(fmt(x(i)))\" y=\"\(Int(height - bottom + 18))\" text-anchor=\"middle\">\(HTML.escape(truncated(point.0, 12)))</text>"
            }
            guard let value = point.1 else { closeSegment(); continue }
            segment.append("\(fmt(x(i))),\(fmt(y(value)))")
            svg += "<circle cx=\"\(fmt(x(i)))\" cy=\"\(fmt(y(value)))\" r=\"3.5\" fill=\"\(accent)\"><title>\(HTML.escape("\(point.0): \(unit.humanText(value))"))</title></circle>"
        }
        closeSegment()
        return svg + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten at or above `value`, for a tidy axis.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, (log10(value)).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value } ?? value
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func truncated(_ text: String, _ length: Int) -> String { text.count > length ? String(text.prefix(length - 1)) + "…" : text }
}
