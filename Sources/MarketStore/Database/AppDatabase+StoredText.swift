import Foundation
import GRDB
import MarketCore

extension AppDatabase {
    /// A stored text that the edge's rule (`UntrustedText`) would refuse today: written before
    /// the rule existed, or by hand.
    public struct UnsafeText: Sendable, CustomStringConvertible {
        public let table: String
        public let column: String
        /// The row, by its primary key (`id = bnk_…`).
        public let row: String
        public let reason: String

        public var description: String { "\(table).\(column) where \(row): \(reason)" }
    }

    /// Every stored text that `UntrustedText` would refuse (several lines allowed only in the
    /// columns whose names allow them), reading each text column of each table once in one read
    /// transaction. Columns that hold JSON or files (`*_json`, `payload`, `body`, `content`,
    /// `response*`) are written by the service itself and skipped. The bank-file export refuses
    /// a batch that would carry any of these (`BankFiles.unsafeTexts`).
    public func unsafeStoredText(limit: Int = 1_000) async throws -> [UnsafeText] {
        try await writer.read { db in
            var found: [UnsafeText] = []
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%_fts%' ORDER BY name
                """)
            for table in tables {
                let columns = try db.columns(in: table).filter { column in
                    let type = column.type.uppercased()
                    let name = column.name
                    return (type.contains("TEXT") || type.isEmpty) && !name.hasSuffix("_json") && !name.hasPrefix("response")
                        && !["payload", "body", "content", "sql"].contains(name)
                }
                let key = try db.primaryKey(table).columns
                let keyList = key.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
                for column in columns {
                    let multiline = UntrustedText.allowsSeveralLines(column.name)
                    let name = column.name.quotedDatabaseIdentifier
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT \(name), \(keyList) FROM \(table.quotedDatabaseIdentifier) WHERE typeof(\(name)) = 'text'")
                    while let row = try rows.next() {
                        let text: String = row[0]
                        if case .failure(let refusal) = UntrustedText.accepted(text, multiline: multiline) {
                            let where_ = key.enumerated().map { "\($0.element) = \(row[$0.offset + 1] as DatabaseValue)" }.joined(separator: " AND ")
                            found.append(UnsafeText(table: table, column: column.name, row: where_, reason: refusal.message))
                            if found.count >= limit { return found }
                        }
                    }
                }
            }
            return found
        }
    }
}
