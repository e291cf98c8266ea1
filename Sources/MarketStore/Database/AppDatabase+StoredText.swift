import Foundation
import GRDB
import MarketCore

extension AppDatabase {
    /// A stored text that the edge's rule (`UntrustedText`) would refuse today: written before
    /// the rule existed, or by hand.
    public struct UnsafeText: Sendable, CustomStringConvertible {
        public let table: String
        public let column: String
        public let rowID: Int64
        public let reason: String

        public var description: String { "\(table).\(column) row \(rowID): \(reason)" }
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
                for column in columns {
                    let multiline = UntrustedText.allowsSeveralLines(column.name)
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT rowid, \(column.name.quotedDatabaseIdentifier) FROM \(table.quotedDatabaseIdentifier) WHERE typeof(\(column.name.quotedDatabaseIdentifier)) = 'text'")
                    while let row = try rows.next() {
                        let text: String = row[1]
                        if case .failure(let refusal) = UntrustedText.accepted(text, multiline: multiline) {
                            found.append(UnsafeText(table: table, column: column.name, rowID: row[0], reason: refusal.message))
                            if found.count >= limit { return found }
                        }
                    }
                }
            }
            return found
        }
    }
}
