import GRDB
import MarketCore

extension PageRequest {
    /// Ends a query whose `WHERE` clause is open with this page's keyset condition, newest
    /// first by `key` (a column or an integer expression), and one row more than the limit,
    /// which tells `Page` whether another page follows.
    func newestFirst(by key: String = "seq", _ sql: inout String, _ arguments: inout StatementArguments) throws {
        if let after = try afterRowNumber() {
            sql += " AND \(key) < ?"
            arguments += [after]
        }
        sql += " ORDER BY \(key) DESC LIMIT ?"
        arguments += [limit + 1]
    }
}
