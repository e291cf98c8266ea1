import HummingbirdBcrypt
import MarketStore

/// bcrypt (HummingbirdBcrypt's C implementation) as the stores' password algorithm.
public struct BcryptAlgorithm: PasswordAlgorithm {
    public init() {}

    public func hash(_ password: String, cost: UInt8) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}

extension PasswordHasher {
    /// bcrypt at `cost` (12 in production; tests may lower it to 4, bcrypt's minimum) behind the
    /// hasher's admission gate.
    public static func bcrypt(cost: UInt8 = 12, concurrencyLimit: Int? = nil, waitingLimit: Int? = nil) -> PasswordHasher {
        PasswordHasher(BcryptAlgorithm(), cost: cost, concurrencyLimit: concurrencyLimit, waitingLimit: waitingLimit)
    }
}
