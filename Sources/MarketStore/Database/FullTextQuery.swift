/// Turns what a person typed into a safe SQLite FTS5 query: every word must match (AND), the
/// earlier ones as whole words (after stemming, so "caring" finds "care") and the last one also
/// as a prefix, since people search as they type (`"home" "car"*`). FTS5 syntax typed by the
/// user (`"`, `*`, `NEAR(`, `OR`, `-`) is treated as text, so a search never fails with a syntax
/// error. (A prefix term on every word made narrow searches several times slower: FTS5 merges
/// the lists of every token that shares a prefix.)
package struct FullTextQuery: Sendable, Equatable {
    /// The FTS5 `MATCH` expression; `nil` when the text holds no searchable word.
    package let matchExpression: String?
    /// The words, lower-cased, in order; the last is also matched as a prefix.
    package let words: [String]

    package static let maximumTerms = 12

    package init(_ text: String) {
        words = text
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .prefix(Self.maximumTerms)
            .map { $0.lowercased() }
        matchExpression = words.isEmpty ? nil : words.map { "\"\($0)\"" }.joined(separator: " ") + "*"
    }
}
