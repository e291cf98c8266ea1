import Foundation

/// A client's `Idempotency-Key` and a fingerprint of the request it came with.
///
/// Invariant: the same caller, key and fingerprint always get the first answer back; the same
/// caller and key with another fingerprint are refused (`MarketError.idempotencyKeyReused`).
public struct IdempotencyKey: Sendable, Equatable {
    public let key: String
    /// SHA-256 (hex) of the method, path and body of the original request.
    public let fingerprint: String

    public static let maximumLength = 255
    /// How long a key's answer is kept: a retry within a day replays it; after that the key is new.
    public static let retention: TimeInterval = 24 * 3600

    /// Validates the key: 1...255 visible ASCII characters.
    public init(key: String, fingerprint: String) throws(MarketError) {
        guard (1...Self.maximumLength).contains(key.utf8.count),
            key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw .invalid("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
        }
        self.key = key
        self.fingerprint = fingerprint
    }
}
