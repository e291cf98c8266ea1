import Foundation

/// A day of the calendar, `YYYY-MM-DD`, with no time or zone: rate validity, order start dates.
///
/// Invariant: `text` is a real date (no 30 February), years 2000...2999, so that text order is
/// date order and SQLite compares the stored text correctly.
public struct CalendarDay: Sendable, Hashable, Comparable, TextCodable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (2000...2999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        self.text = text
    }

    /// The UTC day that `date` falls on.
    public init(_ date: Date) {
        text = date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    /// The day `days` later (earlier when negative), by the UTC calendar.
    public func adding(days: Int) -> CalendarDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let start = (try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())) ?? Date(timeIntervalSince1970: 0)
        return CalendarDay(calendar.date(byAdding: .day, value: days, to: start) ?? start)
    }

    /// Whole days from this day to `later` (negative when `later` is earlier).
    public func days(until later: CalendarDay) -> Int {
        let strategy = Date.ISO8601FormatStyle().year().month().day()
        guard let start = try? Date(text, strategy: strategy), let end = try? Date(later.text, strategy: strategy) else { return 0 }
        return Int((end.timeIntervalSince(start) / 86_400).rounded())
    }

    public var description: String { text }
    public static var expectedText: String { "a date such as 2026-12-01" }
    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.text < rhs.text }
}
