import Foundation
import GRDB
import MarketCore

/// A table's row type: a `Sendable` struct whose snake_case columns map to camelCase properties.
/// Records stay inside MarketStore; stores map them to MarketCore values.
protocol MarketRecord: Codable, Sendable, FetchableRecord, PersistableRecord {}

extension MarketRecord {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
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
extension OrganisationKind: DatabaseValueConvertible {}
