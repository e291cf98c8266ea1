import Foundation
import MarketCore
import MarketStore
import Testing

/// Small-number suppression on constructed tables, where what a naive table would give away is
/// known by hand.
@Suite("Small-number suppression")
struct SuppressionTests {
    /// Spend by provider: C rests on 2 people. Withholding C alone would leave it as the total
    /// less A and B (10,500 − 6,000 − 4,000 = 500), so the smallest other provider is withheld too.
    @Test func aTotalDoesNotGiveAwayTheOneWithheldFigure() {
        var table = ReportTable(
            sections: [ReportSection("provider", "By provider")], labels: [.label("provider", "Provider")],
            figures: [
                ReportColumn("spend_pence", "Spend", .pence, summing: true),
                ReportColumn("share_percent", "Share", .percent, derivedFrom: ["spend_pence"]),
            ])
        for (name, pence, people) in [("A", 6_000, 10), ("B", 4_000, 6), ("C", 500, 2)] {
            table.append(ReportRow(
                section: "provider", labels: [name],
                figures: [ReportFigure(pence, people: people), ReportFigure(Double(pence) / 105, people: people)], memberOf: ["all"]))
        }
        table.append(ReportRow(section: "provider", labels: [nil], figures: [ReportFigure(10_500, people: 18), .none], totalOf: "all"))

        let suppressed = table.suppressingSmallNumbers()
        #expect(spend(suppressed) == [6_000, nil, nil, 10_500])
        #expect(suppressed.rows.map { $0.figures[0].suppressed } == [false, true, true, false])
        // The shares of the withheld go with them; the figures are gone, not just flagged.
        #expect(suppressed.rows.map { $0.figures[1].value == nil } == [false, true, true, true])
        #expect(suppressed.suppressedCount == 4)
        #expect(undisclosed(suppressed))
        // Without the total, nothing can be worked out, and only C is withheld.
        let noTotal = ReportTable(sections: table.sections, labels: table.labels, figures: table.figures, rows: table.rows.dropLast())
        #expect(spend(noTotal.suppressingSmallNumbers()) == [6_000, 4_000, nil])
    }

    /// A grid of categories by month with row and column totals: withholding one cell spreads
    /// until every row and column equation has none or at least two withheld cells.
    @Test func withholdingSpreadsAcrossRowsAndColumns() {
        // people[row][column]; the (0, 0) cell rests on 3 people.
        let values = [[300, 500, 900], [400, 800, 700]]
        let people = [[3, 9, 9], [8, 9, 9]]
        let table = grid(values: values, people: people)
        let suppressed = table.suppressingSmallNumbers()
        #expect(undisclosed(suppressed))
        let withheld = suppressed.rows.filter { $0.figures[0].suppressed }.map { $0.labels.compactMap { $0 }.joined(separator: "/") }
        // (0,0) primary; its row's smallest other (0,1) and its column's other (1,0); then (1,1)
        // so that row 1 and column 1 each keep two withheld cells.
        #expect(withheld == ["c0/m0", "c0/m1", "c1/m0", "c1/m1"])
        #expect(!suppressed.rows.contains { $0.isTotal && $0.figures[0].suppressed })
    }

    /// The same check on many seeded random grids: primary cells are always withheld and no
    /// equation is ever left with exactly one withheld cell.
    @Test func randomGridsNeverLeaveOneUnknown() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let rows = 2 + Int(generator.next() % 4), columns = 2 + Int(generator.next() % 4)
            let values = (0..<rows).map { _ in (0..<columns).map { _ in Int(generator.next() % 1_000) } }
            let people = values.map { $0.map { $0 == 0 ? 0 : 1 + Int(generator.next() % 12) } }
            let suppressed = grid(values: values, people: people).suppressingSmallNumbers()
            #expect(undisclosed(suppressed))
            for row in suppressed.rows {
                for figure in row.figures where (figure.people ?? 0) > 0 && (figure.people ?? 0) < 5 { #expect(figure.suppressed) }
            }
        }
    }

    /// A row's parts add up to another column (ratings = ★1 + … + ★5), and an average computed
    /// from them: one withheld star count takes another with it, and the average too.
    @Test func aRowsOwnSumsAndAveragesAreProtected() {
        let stars = (1...5).map { "stars_\($0)" }
        var table = ReportTable(
            sections: [ReportSection("category", "By category")], labels: [.label("category", "Category")],
            figures: [ReportColumn("ratings", "Ratings", .count, sumOf: stars)] + stars.map { ReportColumn($0, $0, .count) }
                + [ReportColumn("average", "Average", .stars, derivedFrom: stars)])
        let counts = [2, 0, 6, 9, 12]
        table.append(ReportRow(
            section: "category", labels: ["home-care"],
            figures: [ReportFigure(29, people: 29)] + counts.map { ReportFigure($0, people: $0) } + [ReportFigure(3.9, people: 29)]))
        let row = table.suppressingSmallNumbers().rows[0]
        // ★1 (2 people) withheld; ★2 is zero and would tell nothing, so ★3 goes with it.
        #expect(row.figures.map(\.suppressed) == [false, true, false, true, false, false, true])
        #expect(row.figures[0].value == 29 && row.figures[2].value == 0)
    }

    /// A concentration index on a group's total row is withheld when any member's figure is.
    @Test func concentrationGoesWithAnyWithheldShare() {
        var table = ReportTable(
            sections: [ReportSection("provider", "Providers")], labels: [.label("provider", "Provider")],
            figures: [ReportColumn("spend_pence", "Spend", .pence, summing: true), ReportColumn("hhi", "HHI", .index, fromWholeGroup: true)])
        table.append(ReportRow(section: "provider", labels: ["A"], figures: [ReportFigure(700, people: 9), .none], memberOf: ["g"]))
        table.append(ReportRow(section: "provider", labels: ["B"], figures: [ReportFigure(300, people: 7), .none], memberOf: ["g"]))
        table.append(ReportRow(section: "provider", labels: [nil], figures: [ReportFigure(1_000, people: 16), ReportFigure(5_800)], totalOf: "g"))
        #expect(table.suppressingSmallNumbers().rows[2].figures[1].value == 5_800)
        var rows = table.rows
        rows[1] = ReportRow(section: "provider", labels: ["B"], figures: [ReportFigure(300, people: 4), .none], memberOf: ["g"])
        let withheld = ReportTable(sections: table.sections, labels: table.labels, figures: table.figures, rows: rows).suppressingSmallNumbers()
        #expect(withheld.rows[2].figures[1].suppressed && withheld.rows[2].figures[1].value == nil)
    }

    /// A figure about no one (a month with no spend) is shown: zero people is not a small number.
    @Test func zeroIsNotASmallNumber() {
        var table = ReportTable(
            sections: [ReportSection("month", "Months")], labels: [.label("month", "Month")],
            figures: [ReportColumn("spend_pence", "Spend", .pence)])
        table.append(ReportRow(section: "month", labels: ["2026-01"], figures: [ReportFigure(0, people: 0)]))
        table.append(ReportRow(section: "month", labels: ["2026-02"], figures: [ReportFigure(10, people: 4)]))
        #expect(table.suppressingSmallNumbers().rows.map { $0.figures[0].suppressed } == [false, true])
    }

    // MARK: Helpers

    func spend(_ table: ReportTable) -> [Double?] { table.rows.map { $0.figures[0].value } }

    /// Categories × months of one summing figure, each row totalled and each column totalled.
    func grid(values: [[Int]], people: [[Int]]) -> ReportTable {
        var table = ReportTable(
            sections: [ReportSection("cell", "Cells")], labels: [.label("category", "Category"), .label("month", "Month")],
            figures: [ReportColumn("spend_pence", "Spend", .pence, summing: true)])
        let columns = values[0].count
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                table.append(ReportRow(
                    section: "cell", labels: ["c\(r)", "m\(c)"], figures: [ReportFigure(value, people: people[r][c])],
                    memberOf: ["row\(r)", "column\(c)"]))
            }
            table.append(ReportRow(
                section: "cell", labels: ["c\(r)", nil], figures: [ReportFigure(row.reduce(0, +), people: people[r].reduce(0, +))],
                totalOf: "row\(r)"))
        }
        for c in 0..<columns {
            table.append(ReportRow(
                section: "cell", labels: [nil, "m\(c)"],
                figures: [ReportFigure(values.reduce(0) { $0 + $1[c] }, people: people.reduce(0) { $0 + $1[c] })], totalOf: "column\(c)"))
        }
        return table
    }

    /// Rebuilds every declared sum from the public row fields, independently of the
    /// implementation, and checks none has exactly one withheld cell.
    func undisclosed(_ table: ReportTable) -> Bool {
        for (c, column) in table.figures.enumerated() {
            if column.summing {
                for total in table.rows where total.totalOf != nil {
                    let members = table.rows.filter { $0.memberOf.contains(total.totalOf!) }
                    let withheld = ([total] + members).count { $0.figures[c].suppressed }
                    if withheld == 1 { return false }
                }
            }
            if !column.sumOf.isEmpty {
                let parts = column.sumOf.compactMap(table.figureIndex)
                for row in table.rows where ([c] + parts).count(where: { row.figures[$0].suppressed }) == 1 { return false }
            }
        }
        return true
    }
}
