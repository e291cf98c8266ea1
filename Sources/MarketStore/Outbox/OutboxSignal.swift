import Foundation
import GRDB

/// Wakes whoever waits for new events (the webhook dispatcher, long-polling feed callers) as soon
/// as a transaction that wrote an event commits. The dispatcher is also `nudge`d when one of its
/// deliveries finishes, which wakes only the waiters that asked for it (feed callers have nothing
/// new to read then). A waiter passes the `mark` it read before looking, so a signal between its
/// look and its wait is never missed.
///
/// Thread-safety: `current` and `waiters` are guarded by `lock`; GRDB calls the observation on
/// its writer's queue.
public final class OutboxSignal: @unchecked Sendable {
    /// How many events were signalled, and nudges given, so far.
    public struct Mark: Sendable, Equatable {
        var events: UInt64 = 0
        var nudges: UInt64 = 0
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let nudgeable: Bool
    }

    private let lock = NSLock()
    private var current = Mark()
    private var waiters: [UInt64: Waiter] = [:]
    private var nextWaiter: UInt64 = 0
    private var observation: AnyDatabaseCancellable?

    public init(database: AppDatabase) {
        // Events' ids, not the whole row: inserts touch them, the dispatcher's `dispatched_at` does
        // not. (`outbox_audience` is WITHOUT ROWID, which SQLite's update hook never reports.)
        observation = DatabaseRegionObservation(tracking: OutboxEventRecord.select(OutboxEventRecord.Columns.id))
            .start(in: database.writer, onError: { _ in }, onChange: { [weak self] _ in self?.signal() })
    }

    public var mark: Mark { lock.withLock { current } }

    /// An event committed: wakes every waiter.
    public func signal() {
        wake { mark in mark.events &+= 1 } which: { _ in true }
    }

    /// A delivery finished: wakes the waiters that are `nudgeable` (the dispatcher).
    public func nudge() {
        wake { mark in mark.nudges &+= 1 } which: { $0.nudgeable }
    }

    /// Returns once an event was signalled after `seen` (or, if `nudgeable`, a nudge was given),
    /// or after `timeout`, or on cancellation.
    public func wait(after seen: Mark, nudgeable: Bool, timeout: Duration) async {
        let id = lock.withLock { () -> UInt64 in
            nextWaiter &+= 1
            return nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let already = lock.withLock { () -> Bool in
                    if current.events != seen.events || (nudgeable && current.nudges != seen.nudges) { return true }
                    waiters[id] = Waiter(continuation: continuation, nudgeable: nudgeable)
                    return false
                }
                if already { continuation.resume() } else {
                    Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        self?.resume(id)
                    }
                }
            }
        } onCancel: {
            resume(id)
        }
    }

    private func wake(_ change: (inout Mark) -> Void, which: (Waiter) -> Bool) {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            change(&current)
            let chosen = waiters.filter { which($0.value) }
            for id in chosen.keys { waiters.removeValue(forKey: id) }
            return chosen.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    private func resume(_ id: UInt64) {
        lock.withLock { waiters.removeValue(forKey: id) }?.continuation.resume()
    }
}
