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
}
