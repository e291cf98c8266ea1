import Foundation

/// A UTC time of day, `HH:MM`: when a daily job runs.
public struct TimeOfDay: Sendable, Equatable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// `HH:MM`, 24-hour.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    /// The first moment at this time of day strictly after `date`.
    public func next(after date: Date) -> Date {
        let dayStart = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let today = dayStart.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
        return today > date ? today : today.addingTimeInterval(86_400)
    }

    public var description: String { String(format: "%02d:%02d", hour, minute) }
}
