import Foundation
import MarketCore
import Testing

/// The arithmetic in `Money`, `Quantity` and `CalendarDay` that orders rely on.
@Suite("Money and order dates")
struct MoneyTests {
    @Test(arguments: [
        (150 as Int64, 1_999 as Int64, 2_999 as Int64),  // 1.5 × £19.99 = £29.985, half up
        (125, 1_001, 1_251),                              // 1.25 × £10.01 = £12.5125
        (1, 1, 0),                                        // 0.01 × 1p rounds to nothing
        (50, 1, 1),                                       // 0.5 × 1p rounds half up
    ])
    func quantitiesArePricedToThePennyHalfUp(hundredths: Int64, unitPrice: Int64, expected: Int64) throws {
        let quantity = try #require(Quantity(hundredths: hundredths))
        #expect(Money.price(of: quantity, at: unitPrice) == expected)
    }

    @Test func overflowIsReportedNotTrapped() throws {
        let huge = try #require(Quantity(hundredths: .max / 2))
        #expect(Money.price(of: huge, at: 10) == nil)
        #expect(Money.sum([.max, 1]) == nil)
        #expect(Money.sum([1, 2, 3]) == 6)
    }

    @Test func amountsReadAsPounds() {
        #expect(Money.describe(0) == "£0.00")
        #expect(Money.describe(5) == "£0.05")
        #expect(Money.describe(123_456_789) == "£1,234,567.89")
        #expect(Money.describe(-1_050) == "-£10.50")
    }

    @Test func daysAddAcrossMonthsYearsAndLeapDays() throws {
        let day = try #require(CalendarDay("2027-12-31"))
        #expect(day.adding(days: 1).text == "2028-01-01")
        #expect(try #require(CalendarDay("2028-02-28")).adding(days: 1).text == "2028-02-29")
        #expect(try #require(CalendarDay("2026-09-28")).adding(days: 7 * 27 - 1).text == "2027-04-04")
        #expect(day.adding(days: -365).text == "2026-12-31")
    }

    /// The day arithmetic agrees with Foundation's Gregorian calendar on every day of a century,
    /// and refuses what is not a day.
    @Test func dayNumbersAgreeWithFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        var date = try #require(calendar.date(from: DateComponents(year: 2000, month: 1, day: 1)))
        let first = CalendarDay(date)
        #expect(first.text == "2000-01-01")
        var mismatches = 0
        for offset in 0..<(366 * 101) {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            let day = CalendarDay(text)
            if day?.text != text || CalendarDay(date) != day || first.adding(days: offset) != day
                || first.days(until: day ?? first) != offset || day?.adding(days: -offset) != first {
                mismatches += 1
            }
            date = date.addingTimeInterval(86_400)
        }
        #expect(mismatches == 0)
        #expect(CalendarDay(try Date("2026-12-03T23:59:59Z", strategy: Date.ISO8601FormatStyle())).text == "2026-12-03")
        for text in ["2026-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "1999-12-31",
                     "2026-1-01", "2026-+1-01", "2026/01/01", "2026-01-01 ", "２０２６-01-01", ""] {
            #expect(CalendarDay(text) == nil, "\(text)")
        }
        #expect(CalendarDay("2000-02-29") != nil && CalendarDay("2024-02-29") != nil)
    }
}
