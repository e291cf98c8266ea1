import Dispatch
import Foundation
import MarketCore
import Synchronization

/// A deliberately slow password hash (bcrypt, from the `Passwords` module): the stores name only
/// this, so that MarketStore links no web framework.
public protocol PasswordAlgorithm: Sendable {
    /// A new salted hash of `password` at `cost` (bcrypt's work factor).
    func hash(_ password: String, cost: UInt8) -> String
    func verify(_ password: String, hash: String) -> Bool
}

/// Password hashing and verification, run on a Dispatch queue: the algorithm is deliberately slow
/// and must never block Swift's cooperative thread pool (two threads on this machine).
///
/// At most `concurrencyLimit` hashes run at once and at most `waitingLimit` more wait for a turn;
/// beyond that the caller is refused at once with `MarketError.overloaded`, so that a flood of
/// sign-ins costs a bounded share of the machine and everything else keeps answering.
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor. 12 in production; tests may lower it (4 is bcrypt's minimum).
    public let cost: UInt8
    private let algorithm: any PasswordAlgorithm

    /// A hash that matches no password, at this hasher's cost; see `verifyAgainstDummy`.
    private let dummyHash: String
    private let gate: AdmissionGate

    /// - Parameters:
    ///   - concurrencyLimit: hashes that run at once (default: one fewer than the machine's cores, at least one).
    ///   - waitingLimit: hashes that may wait for a turn (default: four per running one).
    public init(_ algorithm: any PasswordAlgorithm, cost: UInt8 = 12, concurrencyLimit: Int? = nil, waitingLimit: Int? = nil) {
        self.algorithm = algorithm
        self.cost = cost
        let started = ContinuousClock.now
        self.dummyHash = algorithm.hash("no password matches this hash", cost: cost)
        let running = max(1, concurrencyLimit ?? (ProcessInfo.processInfo.activeProcessorCount - 1))
        self.gate = AdmissionGate(
            limit: running, waitingLimit: max(0, waitingLimit ?? running * 4), typicalDuration: ContinuousClock.now - started)
    }

    /// Throws `MarketError.overloaded` when the hasher is saturated.
    public func hash(_ password: String) async throws -> String {
        let (cost, algorithm) = (self.cost, self.algorithm)
        return try await gate.withTurn { await Self.offload { algorithm.hash(password, cost: cost) } }
    }

    /// Throws `MarketError.overloaded` when the hasher is saturated.
    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await withTurn { turn in await turn.verify(password, against: hash) }
    }

    /// Runs `body` holding one of the hasher's turns, so that a caller can take its turn before it
    /// writes anything (a refused sign-in then writes nothing). Throws `MarketError.overloaded`
    /// at once, without running `body`, when no turn is free and the queue is full.
    func withTurn<T: Sendable>(_ body: (Turn) async throws -> T) async throws -> T {
        try await gate.withTurn { try await body(Turn(hasher: self)) }
    }

    /// Verification by a caller holding a turn.
    struct Turn {
        let hasher: PasswordHasher

        func verify(_ password: String, against hash: String) async -> Bool {
            let started = ContinuousClock.now
            let algorithm = hasher.algorithm
            let verified = await PasswordHasher.offload { algorithm.verify(password, hash: hash) }
            hasher.gate.record(ContinuousClock.now - started)
            return verified
        }

        /// A hash that matches no password, verified when an email is unknown so that the answer
        /// takes as long as for a known email with a wrong password.
        func verifyAgainstDummy(_ password: String) async -> Bool {
            _ = await verify(password, against: hasher.dummyHash)
            return false
        }
    }

    /// How long a verification has taken lately (a moving average): a refusal that skips bcrypt
    /// waits this long, so that it cannot be told from one that ran it.
    var typicalDuration: Duration { gate.typicalDuration }

    /// Callers waiting for a turn now.
    var waitingCount: Int { gate.waitingCount }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}

/// Admits at most `limit` callers at once, lets `waitingLimit` more wait in order, and refuses
/// the rest at once.
///
/// Thread-safety: all state is behind one `Mutex`; a waiter is resumed outside it.
final class AdmissionGate: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, any Error>] = []
        var typicalSeconds: Double = 0
    }

    let limit: Int
    let waitingLimit: Int
    private let state = Mutex(State())

    init(limit: Int, waitingLimit: Int, typicalDuration: Duration) {
        self.limit = limit
        self.waitingLimit = waitingLimit
        state.withLock { $0.typicalSeconds = typicalDuration.inSeconds }
    }

    var typicalDuration: Duration { .seconds(state.withLock { $0.typicalSeconds }) }

    /// Callers waiting for a turn now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs `body` holding a turn; throws `MarketError.overloaded` without running it when none
    /// is free and `waitingLimit` callers wait already.
    func withTurn<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await body()
    }

    /// Folds one piece of work's duration into the moving average.
    func record(_ duration: Duration) {
        state.withLock { $0.typicalSeconds = $0.typicalSeconds * 0.8 + duration.inSeconds * 0.2 }
    }

    private func enter() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let admission = state.withLock { state -> Bool? in
                if state.running < limit {
                    state.running += 1
                    return true
                }
                guard state.waiting.count < waitingLimit else { return nil }
                state.waiting.append(continuation)
                return false
            }
            switch admission {
            case true?: continuation.resume()
            case false?: break  // resumed by `leave` when a turn comes free
            case nil:
                continuation.resume(throwing: MarketError.overloaded(
                    "too many sign-ins are being checked at once; try again shortly", retryAfterSeconds: 1))
            }
        }
    }

    /// Hands the slot to the first waiter, or frees it.
    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
