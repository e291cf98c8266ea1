import Foundation
import GRDB

/// Wakes whoever waits for new events (the webhook dispatcher, long-polling feed callers) as soon
/// as a transaction that wrote an event commits, and when anyone calls
/// `signal()`. A waiter passes the `generation` it read before looking, so a signal between its
/// look and its wait is never missed.
///
/// Thread-safety: `generation` and `waiters` are guarded by `lock`; GRDB calls the observation
/// on its writer's queue.
public final class OutboxSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var currentGeneration: UInt64 = 0
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    private var observation: AnyDatabaseCancellable?

    public init(database: AppDatabase) {
        // Events' ids, not the whole row: inserts touch them, the dispatcher's `dispatched_at` does
        // not. (`outbox_audience` is WITHOUT ROWID, which SQLite's update hook never reports.)
        observation = DatabaseRegionObservation(tracking: Table("outbox_event").select(Column("id")))
            .start(in: database.writer, onError: { _ in }, onChange: { [weak self] _ in self?.signal() })
    }

    /// Increases on every signal.
    public var generation: UInt64 { lock.withLock { currentGeneration } }

    /// Wakes every waiter.
    public func signal() {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            currentGeneration &+= 1
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns when the generation has passed `seen`, or after `timeout`, or on cancellation.
    public func wait(after seen: UInt64, timeout: Duration) async {
        let id = lock.withLock { () -> UInt64 in
            nextWaiter &+= 1
            return nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let already = lock.withLock { () -> Bool in
                    guard currentGeneration == seen else { return true }
                    waiters[id] = continuation
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

    private func resume(_ id: UInt64) {
        lock.withLock { waiters.removeValue(forKey: id) }?.resume()
    }
}
