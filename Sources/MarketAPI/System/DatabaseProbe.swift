import MarketStore
import Synchronization

/// Pings the database for `/health`, one ping at a time: a caller that arrives while a ping is
/// under way waits for that ping's answer instead of starting its own. So an answer is never
/// older than one round trip to the database, while a burst of probes costs one read rather than
/// one each (the read's hop to a reader thread was half of `/health`'s cost).
final class DatabaseProbe: Sendable {
    private let database: AppDatabase
    private let inFlight = Mutex<Task<Bool, Never>?>(nil)

    init(database: AppDatabase) {
        self.database = database
    }

    func ping() async -> Bool {
        let task = inFlight.withLock { current -> Task<Bool, Never> in
            if let current { return current }
            let started = Task { [database] in
                let answered = await database.ping()
                self.inFlight.withLock { $0 = nil }
                return answered
            }
            current = started
            return started
        }
        return await task.value
    }
}
