import Foundation

/// How often a council is invoiced for the support its people received.
public enum BillingCycle: String, Sendable, Codable, CaseIterable {
    /// Monday to Sunday.
    case weekly
    /// Four weeks at a time, from a day the council sets (`BillingSettings.fourWeeklyFrom`).
    case fourWeekly = "four_weekly"
    /// Calendar months: the default, and the only cycle for self-funders.
    case monthly
}

/// A council's invoicing terms. A council that has set none gets `standard`.
public struct BillingSettings: Sendable, Equatable, Codable {
    public let cycle: BillingCycle
    /// The first day of a four-weekly cycle; periods run in steps of 28 days from it, both ways.
    public let fourWeeklyFrom: CalendarDay?
    /// A delivery neither confirmed nor disputed this many days after it was recorded is
    /// confirmed by the service (deemed confirmed) before the next invoicing run.
    public let deemedConfirmedAfterDays: Int
    /// Where the council takes part in Peppol: e-invoices addressed to it name it.
    public let peppolID: PeppolID?

    public static let standard = BillingSettings(cycle: .monthly, fourWeeklyFrom: nil, deemedConfirmedAfterDays: 7)
    public static let deemedDaysRange = 1...60

    public init(cycle: BillingCycle, fourWeeklyFrom: CalendarDay?, deemedConfirmedAfterDays: Int, peppolID: PeppolID? = nil) {
        self.cycle = cycle
        self.fourWeeklyFrom = fourWeeklyFrom
        self.deemedConfirmedAfterDays = deemedConfirmedAfterDays
        self.peppolID = peppolID
    }

    /// Checked input: a four-weekly cycle needs its first day; nothing else does.
    public init(
        cycle: String?, fourWeeklyFrom: CalendarDay?, deemedConfirmedAfterDays: Int?, peppolID: String? = nil
    ) throws(MarketError) {
        var v = Validator()
        let parsed: BillingCycle? = v.oneOf(cycle ?? BillingCycle.monthly.rawValue, "cycle")
        if parsed == .fourWeekly {
            v.check(fourWeeklyFrom != nil, "four_weekly_from", "is required for a four_weekly cycle: the first day of a period")
        } else {
            v.check(fourWeeklyFrom == nil, "four_weekly_from", "is only for a four_weekly cycle")
        }
        let days = deemedConfirmedAfterDays ?? Self.standard.deemedConfirmedAfterDays
        v.check(Self.deemedDaysRange.contains(days), "deemed_confirmed_after_days",
                "must be a whole number of days from \(Self.deemedDaysRange.lowerBound) to \(Self.deemedDaysRange.upperBound)")
        let peppolID = PeppolID.validated(peppolID, "peppol_id", &v)
        try v.throwIfInvalid()
        self.init(cycle: parsed ?? .monthly, fourWeeklyFrom: fourWeeklyFrom, deemedConfirmedAfterDays: days, peppolID: peppolID)
    }

    /// The billing period that `day` falls in.
    public func period(containing day: CalendarDay) -> BillingPeriod {
        switch cycle {
        case .monthly:
            let first = CalendarDay(String(day.text.prefix(8)) + "01") ?? day
            let next = first.adding(days: 32)
            let nextFirst = CalendarDay(String(next.text.prefix(8)) + "01") ?? next
            return BillingPeriod(start: first, end: nextFirst.adding(days: -1))
        case .weekly:
            let start = day.adding(days: -day.daysSinceMonday)
            return BillingPeriod(start: start, end: start.adding(days: 6))
        case .fourWeekly:
            let anchor = fourWeeklyFrom ?? day
            let offset = anchor.days(until: day)
            let steps = offset >= 0 ? offset / 28 : -((-offset + 27) / 28)
            let start = anchor.adding(days: steps * 28)
            return BillingPeriod(start: start, end: start.adding(days: 27))
        }
    }
}

/// The days an invoice covers, both inclusive.
public struct BillingPeriod: Sendable, Hashable, Codable, Comparable {
    public let start: CalendarDay
    public let end: CalendarDay

    public init(start: CalendarDay, end: CalendarDay) {
        self.start = start
        self.end = end
    }

    /// Closed on `day`: it ended before that day, so nothing more can be delivered in it.
    public func isClosed(on day: CalendarDay) -> Bool { end < day }

    public static func < (lhs: BillingPeriod, rhs: BillingPeriod) -> Bool { lhs.start < rhs.start }
}

extension CalendarDay {
    /// 0 for a Monday, 6 for a Sunday.
    public var daysSinceMonday: Int {
        // 2001-01-01 was a Monday.
        let days = CalendarDay("2001-01-01")!.days(until: self)
        return ((days % 7) + 7) % 7
    }
}
