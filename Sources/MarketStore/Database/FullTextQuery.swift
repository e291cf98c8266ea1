/// Turns what a person typed into a safe SQLite FTS5 query: every word becomes a quoted prefix
/// term (`"care"*`), joined by AND. FTS5 syntax typed by the user (`"`, `*`, `NEAR(`, `OR`, `-`)
/// is treated as text, so a search never fails with a syntax error.
package struct FullTextQuery: Sendable, Equatable {
    /// The FTS5 `MATCH` expression; `nil` when the text holds no searchable word.
    package let matchExpression: String?

    package static let maximumTerms = 12

    package init(_ text: String) {
        let words = text
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .prefix(Self.maximumTerms)
            .map { "\"\($0.lowercased())\"*" }
        matchExpression = words.isEmpty ? nil : words.joined(separator: " ")
    }
}
