import Foundation

/// How long tokens live and how repeated failed logins for one email are slowed down.
public struct LoginPolicy: Sendable, Equatable {
    public var tokenLifetime: TimeInterval
    /// A session of a role that needs a second factor ends after this long unused.
    public var privilegedIdleTimeout: TimeInterval = 30 * 60
    /// How recently a session must have passed its second factor for money and access changes.
    public var stepUpMaximumAge: TimeInterval = 15 * 60
    /// Failures within `failureWindow` that lock the email.
    public var maximumFailures: Int
    /// Failures within `failureWindow` from one client address, over every email, that lock the
    /// address (loopback excepted: behind a proxy not named in `SUPPORTMARKET_TRUSTED_PROXIES`
    /// everyone would share one).
    public var maximumFailuresPerAddress = 50
    public var failureWindow: TimeInterval
    public var lockDuration: TimeInterval

    public init(
        tokenLifetime: TimeInterval = 12 * 3600, maximumFailures: Int = 5,
        failureWindow: TimeInterval = 15 * 60, lockDuration: TimeInterval = 15 * 60
    ) {
        self.tokenLifetime = tokenLifetime
        self.maximumFailures = maximumFailures
        self.failureWindow = failureWindow
        self.lockDuration = lockDuration
    }

    /// Seconds until the email may try again, or `nil` if it is not locked.
    public func lockRemaining(_ throttle: LoginThrottle?, now: Date) -> Int? {
        guard let lockedUntil = throttle?.lockedUntil, lockedUntil > now else { return nil }
        return max(1, Int(lockedUntil.timeIntervalSince(now).rounded(.up)))
    }

    /// The throttle after one more failure: a new window once the old one has passed, and a lock
    /// once `maximumFailures` fall within one window.
    public func recordingFailure(_ throttle: LoginThrottle?, now: Date, limit: Int? = nil) -> LoginThrottle {
        var next = throttle ?? LoginThrottle(failureCount: 0, windowStartedAt: now, lockedUntil: nil)
        if now.timeIntervalSince(next.windowStartedAt) >= failureWindow {
            next = LoginThrottle(failureCount: 0, windowStartedAt: now, lockedUntil: nil)
        }
        next.failureCount += 1
        if next.failureCount >= (limit ?? maximumFailures) {
            next.lockedUntil = now.addingTimeInterval(lockDuration)
        }
        return next
    }
}

/// Failed-login state for one email.
public struct LoginThrottle: Sendable, Equatable {
    public var failureCount: Int
    public var windowStartedAt: Date
    public var lockedUntil: Date?

    public init(failureCount: Int, windowStartedAt: Date, lockedUntil: Date?) {
        self.failureCount = failureCount
        self.windowStartedAt = windowStartedAt
        self.lockedUntil = lockedUntil
    }
}
