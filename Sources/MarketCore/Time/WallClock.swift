import Foundation

/// The source of "now" for everything that depends on wall time (token expiry, lockouts, invoicing
/// runs, payment terms). Injected so that tests move time instead of sleeping.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The machine's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to. Thread-safe: the time is guarded by a lock.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    // @unchecked: `current` is only read or written while holding `lock`.
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        self.current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    public func advance(by interval: TimeInterval) {
        lock.withLock { current += interval }
    }

    public func set(_ date: Date) {
        lock.withLock { current = date }
    }
}
