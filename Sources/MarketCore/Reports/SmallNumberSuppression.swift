/// Small-number suppression, the one place it is done.
///
/// - **Primary:** a figure resting on fewer than `threshold` people is withheld (a figure resting
///   on no one, such as a month with no spend, reveals no one and is shown).
/// - **Complementary:** every sum the table declares (a group's total is the sum of its members;
///   a column is the sum of its `sumOf` columns) is an equation a reader can solve. While any such
///   equation has exactly one withheld cell, the smallest other cell in it is withheld as well
///   (the total if no part is left), so no withheld figure can be worked out from what is shown.
///   The equations are those of one table; figures of different sections that overlap (a
///   provider's row and its provider type's row) are not linked, so a section with one member of
///   another's group can still show what the other withholds.
///   Withholding one cell can expose another equation, so this repeats until nothing changes.
/// - **Derived figures** (shares, rates, averages, concentration) are withheld with what they
///   were computed from, since they would reveal it.
extension ReportTable {
    /// Figures resting on fewer people than this are withheld.
    public static let smallNumberThreshold = 5

    /// A cell of the table: a row's index and a figure column's index.
    struct Cell: Hashable {
        let row: Int
        let column: Int
    }

    public func suppressingSmallNumbers(threshold: Int = ReportTable.smallNumberThreshold) -> ReportTable {
        var table = self
        for r in table.rows.indices {
            for c in table.figures.indices {
                let figure = table.rows[r].figures[c]
                if figure.value != nil, let people = figure.people, people > 0, people < threshold { table.rows[r].figures[c].suppressed = true }
            }
        }
        let equations = sumEquations()
        var changed = true
        while changed {
            changed = false
            for equation in equations where equation.count(where: { table.isSuppressed($0) }) == 1 {
                let parts = equation.dropFirst().filter { table.isShown($0) }
                // A zero is a poor complement: when the withheld cells of an equation add up to
                // zero and cannot be negative, each is known to be zero. Prefer the smallest non-zero.
                let smallest = parts.min { (table.value($0) == 0 ? 1 : 0, abs(table.value($0))) < (table.value($1) == 0 ? 1 : 0, abs(table.value($1))) }
                if let cell = smallest ?? (table.isShown(equation[0]) ? equation[0] : nil) {
                    table.rows[cell.row].figures[cell.column].suppressed = true
                    changed = true
                }
            }
            if table.withholdDerivedFigures() { changed = true }
        }
        for r in table.rows.indices {
            for c in table.figures.indices where table.rows[r].figures[c].suppressed { table.rows[r].figures[c].value = nil }
        }
        return table
    }

    /// Every declared sum as a list of cells, its total first. Cells without a value (a figure that
    /// does not apply) are known zeros and left out.
    func sumEquations() -> [[Cell]] {
        var equations: [[Cell]] = []
        let members = Dictionary(grouping: rows.indices.flatMap { r in rows[r].memberOf.map { ($0, r) } }, by: \.0)
        for (t, row) in rows.enumerated() {
            if let group = row.totalOf {
                for (c, column) in figures.enumerated() where column.summing {
                    equations.append([Cell(row: t, column: c)] + (members[group] ?? []).map { Cell(row: $0.1, column: c) })
                }
            }
            for (c, column) in figures.enumerated() where !column.sumOf.isEmpty {
                equations.append([Cell(row: t, column: c)] + column.sumOf.compactMap(figureIndex).map { Cell(row: t, column: $0) })
            }
        }
        return equations.map { $0.filter { rows[$0.row].figures[$0.column].value != nil || rows[$0.row].figures[$0.column].suppressed } }
    }

    /// Withholds figures computed from a withheld one; returns whether any was withheld.
    mutating func withholdDerivedFigures() -> Bool {
        var changed = false
        let members = Dictionary(grouping: rows.indices.flatMap { r in rows[r].memberOf.map { ($0, r) } }, by: \.0)
        for r in rows.indices {
            for (c, column) in figures.enumerated() where isShown(Cell(row: r, column: c)) {
                var withhold = column.derivedFrom.compactMap(figureIndex).contains { isSuppressed(Cell(row: r, column: $0)) }
                if column.fromWholeGroup, let group = rows[r].totalOf {
                    withhold = withhold || (members[group] ?? []).contains { member in
                        figures.indices.contains { figures[$0].summing && isSuppressed(Cell(row: member.1, column: $0)) }
                    }
                }
                if withhold {
                    rows[r].figures[c].suppressed = true
                    changed = true
                }
            }
        }
        return changed
    }

    func isSuppressed(_ cell: Cell) -> Bool { rows[cell.row].figures[cell.column].suppressed }
    func isShown(_ cell: Cell) -> Bool { !isSuppressed(cell) && rows[cell.row].figures[cell.column].value != nil }
    func value(_ cell: Cell) -> Double { rows[cell.row].figures[cell.column].value ?? 0 }
}
