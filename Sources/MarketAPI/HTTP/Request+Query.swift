import Foundation
import Hummingbird
import MarketCore

extension Request {
    /// Query parameter `name` as an RFC 3339 timestamp, or a `YYYY-MM-DD` date taken as the start
    /// (or end) of that UTC day; absent is `nil`, anything else a 422 problem.
    func queryTimestamp(_ name: String, endOfDay: Bool) throws -> Date? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let day = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) {
            return endOfDay ? day.addingTimeInterval(86_399) : day
        }
        throw MarketError.invalid(name, "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp")
    }

    /// Query parameter `name` as a `YYYY-MM-DD` day; absent is `nil`, anything else a 422 problem.
    func queryDay(_ name: String) throws -> CalendarDay? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let day = CalendarDay(text) else { throw MarketError.invalid(name, "must be \(CalendarDay.expectedText)") }
        return day
    }

    /// Query parameter `name` as one of an enumeration's raw values; absent is `nil`, anything
    /// else a 422 problem that lists the values.
    func queryValue<Value: RawRepresentable & CaseIterable>(_ name: String, as type: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw MarketError.invalid(name, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Query parameter `name` as a typed identifier; absent is `nil`, a malformed one a 422 problem.
    func queryIdentifier<Entity>(_ name: String, as type: Identifier<Entity>.Type) throws -> Identifier<Entity>? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let identifier = Identifier<Entity>(text) else {
            throw MarketError.invalid(name, "is not a \(Entity.idPrefix)_ identifier")
        }
        return identifier
    }

    /// Query parameter `name` as `true` or `false`; absent is `false`, anything else a 422 problem.
    func queryFlag(_ name: String) throws -> Bool {
        switch uri.queryParameters.get(name) {
        case nil, "false": return false
        case "true": return true
        default: throw MarketError.invalid(name, "must be true or false")
        }
    }
}
