import GRDB
import Synchronization

/// Splits text into the tokens SQLite's full-text index makes of it, by asking SQLite: a private
/// in-memory database holds an FTS5 table with the catalogue's tokenizer, and `fts5vocab` reads
/// back what it indexed. So the in-memory search index stems and folds exactly as `offering_fts`
/// does, with no second implementation of the porter stemmer to drift from it.
final class SearchTokenizer: Sendable {
    /// The tokenizer of `offering_fts` (migration v3); a test checks the two agree.
    static let definition = "porter unicode61 remove_diacritics 2"
    private static let cacheLimit = 20_000

    private let scratch: DatabaseQueue
    /// Query words seen before, and their tokens.
    private let words = Mutex<[String: [String]]>([:])

    init() throws {
        scratch = try DatabaseQueue()
        try scratch.write { db in
            try db.execute(sql: """
                CREATE VIRTUAL TABLE scratch USING fts5(text, tokenize = '\(Self.definition)');
                CREATE VIRTUAL TABLE scratch_instance USING fts5vocab(scratch, instance);
                """)
        }
    }

    /// The tokens of each text, in the order they occur.
    func tokens(of texts: [String]) throws -> [[String]] {
        guard !texts.isEmpty else { return [] }
        return try scratch.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO scratch (rowid, text) VALUES (?, ?)")
            for (index, text) in texts.enumerated() { try insert.execute(arguments: [index, text]) }
            var found = Array(repeating: [(offset: Int, term: String)](), count: texts.count)
            let rows = try Row.fetchCursor(db, sql: "SELECT doc, offset, term FROM scratch_instance")
            while let row = try rows.next() {
                found[row[0] as Int].append((row[1], row[2]))
            }
            try db.execute(sql: "DELETE FROM scratch")
            return found.map { $0.sorted { $0.offset < $1.offset }.map(\.term) }
        }
    }

    /// The tokens of one word a person typed, remembered for the next search.
    func tokens(ofWord word: String) throws -> [String] {
        if let known = words.withLock({ $0[word] }) { return known }
        let tokens = try tokens(of: [word])[0]
        words.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[word] = tokens
        }
        return tokens
    }
}
