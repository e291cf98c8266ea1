import Foundation

/// A day of the calendar, `YYYY-MM-DD`, with no time or zone: rate validity, order start dates.
///
/// Invariant: `text` is a real date (no 30 February), years 2000...2999, so that text order is
/// date order and SQLite compares the stored text correctly.
public struct CalendarDay: Sendable, Hashable, Comparable, TextCodable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (2000...2999).contains(year), (1...12).contains(month), (1...Self.length(ofMonth: month, in: year)).contains(day)
        else { return nil }
        self.text = text
    }

    /// The UTC day that `date` falls on.
    public init(_ date: Date) {
        self.init(dayNumber: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> CalendarDay { CalendarDay(dayNumber: dayNumber + days) }

    /// Whole days from this day to `later` (negative when `later` is earlier).
    public func days(until later: CalendarDay) -> Int { later.dayNumber - dayNumber }

    /// Monday to Friday (1970-01-01, day 0, was a Thursday).
    public var isWeekday: Bool { ((dayNumber % 7) + 7 + 3) % 7 < 5 }

    // MARK: Day numbers
    //
    // Days since 1970-01-01 in the proleptic Gregorian calendar, by Howard Hinnant's
    // `days_from_civil` and `civil_from_days` (public domain): arithmetic, not Foundation's
    // Calendar, because invoicing and billing periods do this for every delivery.

    /// Days since 1970-01-01.
    var dayNumber: Int {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day `dayNumber` days after 1970-01-01.
    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    static func length(ofMonth month: Int, in year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String { text }
    public static var expectedText: String { "a date such as 2026-12-01" }
    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.text < rhs.text }
}
