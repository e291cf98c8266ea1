import Dispatch
import HummingbirdBcrypt

/// bcrypt hashing and verification, run on a Dispatch queue: bcrypt is deliberately slow and must
/// never block Swift's cooperative thread pool (two threads on this machine).
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor. 12 in production; tests may lower it (4 is bcrypt's minimum).
    public let cost: UInt8

    /// A hash that matches no password, at this hasher's cost; see `verifyAgainstDummy`.
    private let dummyHash: String

    public init(cost: UInt8 = 12) {
        self.cost = cost
        self.dummyHash = Bcrypt.hash("no password matches this hash", cost: cost)
    }

    public func hash(_ password: String) async -> String {
        let cost = self.cost
        return await Self.offload { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        await Self.offload { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash that matches no password, verified when an email is unknown so that the answer
    /// takes as long as for a known email with a wrong password.
    func verifyAgainstDummy(_ password: String) async -> Bool {
        _ = await verify(password, against: dummyHash)
        return false
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
