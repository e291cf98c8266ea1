import Foundation
import GRDB
import MarketCore

/// A table's row type: a `Sendable` struct that names its columns once, in `CodingKeys` (raw values
/// are the table's snake_case names; no key strategy converts them on every row), and queries by
/// `Columns`, which are those keys. Records stay inside MarketStore; stores map them to MarketCore
/// values.
protocol MarketRecord: Codable, Sendable, FetchableRecord, PersistableRecord {}

/// A stored row that breaks what the schema promises (a hand edit, a faulty migration). Mapping
/// it to a domain value throws this instead of stopping the process: the request that read it
/// fails with a logged 500, and every other request goes on.
struct UnreadableRow: Error, CustomStringConvertible {
    let table: String
    let reason: String

    var description: String { "a row of \(table) is unreadable: \(reason)" }
}

// Typed ids, emails and roles are stored as plain text, not as JSON.
extension Identifier: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        String.fromDatabaseValue(dbValue).flatMap(Self.init)
    }
}

extension EmailAddress: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { value.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> EmailAddress? {
        String.fromDatabaseValue(dbValue).flatMap(EmailAddress.init)
    }
}

extension Role: DatabaseValueConvertible {}

/// A council or broker that pays in batches, stored as its id (`cnc_…` or `org_…`).
extension BatchPayer: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { id.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> BatchPayer? {
        String.fromDatabaseValue(dbValue).flatMap(BatchPayer.init(id:))
    }
}
extension OrganisationKind: DatabaseValueConvertible {}
