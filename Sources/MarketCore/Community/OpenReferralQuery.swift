import Foundation

/// The filters of the Open Referral UK API's `/services` and `/service_at_locations`, checked
/// once, with every problem reported together. Categories come resolved from the taxonomy's
/// term and taxonomy UUIDs by the caller (`categories`: `nil` for no category filter, empty for a
/// term we do not have, which matches nothing).
///
/// How a filter reads resources that do not say: a resource states no age range, so the age
/// filters admit it (open to all ages); only events have a time and a day, so `start_time`,
/// `end_time` and `day` admit events alone.
public struct OpenReferralQuery: Sendable {
    /// A time of day, in minutes after midnight, UK time.
    public typealias Minutes = Int

    public let text: String?
    public let categories: Set<String>?
    public let minimumAge: Double?
    public let maximumAge: Double?
    public let startTime: Minutes?
    public let endTime: Minutes?
    /// 1 is Sunday … 7 is Saturday, as `Calendar` numbers weekdays.
    public let weekday: Int?
    public let modifiedAfter: Date?
    /// From `postcode`: its district must be one the resource serves.
    public let district: PostcodeDistrict?

    /// Schedules are read in UK time: that is when people attend.
    public static let timeZone = TimeZone(identifier: "Europe/London") ?? .gmt

    /// iCalendar's two-letter days, Sunday first, as `Calendar.weekday` numbers them from 1.
    public static let dayCodes = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]

    public init(
        search: String?, categories: Set<String>?, minimumAge: String?, maximumAge: String?, startTime: String?,
        endTime: String?, day: String?, modifiedAfter: String?, postcode: String?, proximity: String?
    ) throws(MarketError) {
        var v = Validator()
        let text = search?.trimmingCharacters(in: .whitespacesAndNewlines)
        v.check((text?.count ?? 0) <= 200, "search", "must be at most 200 characters")
        self.text = text?.isEmpty == false ? text : nil
        self.categories = categories
        func age(_ value: String?, _ field: String) -> Double? {
            guard let value else { return nil }
            guard let age = Double(value), age.isFinite, (0...150).contains(age) else {
                v.add(field, "must be an age in years from 0 to 150")
                return nil
            }
            return age
        }
        self.minimumAge = age(minimumAge, "minimum_age")
        self.maximumAge = age(maximumAge, "maximum_age")
        func time(_ value: String?, _ field: String) -> Minutes? {
            guard let value else { return nil }
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 }),
                let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...23).contains(hours), (0...59).contains(minutes),
                parts.count == 2 || Int(parts[2]).map({ (0...59).contains($0) }) == true
            else {
                v.add(field, "must be a time of day such as 09:30 or 09:30:00 (UK time)")
                return nil
            }
            return hours * 60 + minutes
        }
        self.startTime = time(startTime, "start_time")
        self.endTime = time(endTime, "end_time")
        if let day {
            let code = String(day.uppercased().prefix(2))
            let names = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]
            let index = day.count == 2 ? Self.dayCodes.firstIndex(of: code) : names.firstIndex(of: day.uppercased())
            v.check(index != nil, "day", "must be a day such as MO or Monday")
            weekday = index.map { $0 + 1 }
        } else {
            weekday = nil
        }
        if let modifiedAfter {
            let parsed = (try? Date(modifiedAfter, strategy: .iso8601))
                ?? (try? Date(modifiedAfter, strategy: Date.ISO8601FormatStyle().year().month().day()))
            v.check(parsed != nil, "modified_after", "must be a date-time such as 2026-01-31T09:00:00Z, or a date")
            self.modifiedAfter = parsed
        } else {
            self.modifiedAfter = nil
        }
        if let postcode {
            let outward = postcode.trimmingCharacters(in: .whitespaces).uppercased().split(separator: " ").first.map(String.init)
            let district = outward.flatMap { PostcodeDistrict($0.count > 4 ? String($0.dropLast(3)) : $0) }
            v.check(district != nil, "postcode", "must be a UK postcode or postcode district such as HA1 2AB or HA1")
            self.district = district
        } else {
            self.district = nil
        }
        v.check(proximity == nil, "proximity",
                "is not supported: the service holds no postcode coordinates; filter by postcode alone")
        try v.throwIfInvalid()
    }

    /// Whether `resource` passes the filters that read its schedule and dates (the text, category
    /// and area filters are applied by the query that fetched it).
    public func admits(_ resource: CommunityResource) -> Bool {
        if let modifiedAfter, resource.updatedAt < modifiedAfter { return false }
        if startTime != nil || endTime != nil || weekday != nil {
            guard let schedule = resource.details.schedule else { return false }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = Self.timeZone
            func minutes(_ date: Date) -> Minutes {
                let parts = calendar.dateComponents([.hour, .minute], from: date)
                return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
            }
            if let startTime, minutes(schedule.startsAt) < startTime { return false }
            if let endTime, minutes(schedule.endsAt) > endTime { return false }
            if let weekday {
                guard schedule.recurrence != .monthly, calendar.component(.weekday, from: schedule.startsAt) == weekday else {
                    return false
                }
            }
        }
        return true
    }
}
