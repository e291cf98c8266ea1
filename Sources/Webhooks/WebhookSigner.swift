import Crypto
import Foundation

/// Signs webhook payloads the Standard Webhooks way (https://www.standardwebhooks.com):
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
///
/// The endpoint's secret is `whsec_` followed by base64 of the key bytes.
public struct WebhookSigner: Sendable {
    /// The key bytes; a `SymmetricKey` is made per signature because it is not `Sendable`.
    private let keyBytes: Data

    public static let secretPrefix = "whsec_"

    /// `nil` unless `secret` is `whsec_` + base64 of at least 24 bytes.
    public init?(secret: String) {
        let encoded = secret.hasPrefix(Self.secretPrefix) ? String(secret.dropFirst(Self.secretPrefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), bytes.count >= 24 else { return nil }
        self.keyBytes = bytes
    }

    /// The value of the `webhook-signature` header for one delivery.
    public func signature(messageID: String, timestamp: Int64, body: Data) -> String {
        var signed = Data("\(messageID).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: keyBytes))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers a receiver verifies. With several signers (a rotated secret and the one
    /// before it), `webhook-signature` carries every signature, space-separated.
    public static func headers(
        signers: [WebhookSigner], messageID: String, timestamp: Int64, body: Data
    ) -> [(name: String, value: String)] {
        [
            ("webhook-id", messageID),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signers.map { $0.signature(messageID: messageID, timestamp: timestamp, body: body) }.joined(separator: " ")),
        ]
    }

    /// Whether `header` (a `webhook-signature` value) holds a valid signature of this message:
    /// what a receiver checks. Constant-time comparison.
    public func verifies(header: String, messageID: String, timestamp: Int64, body: Data) -> Bool {
        let expected = Array(signature(messageID: messageID, timestamp: timestamp, body: body).utf8)
        return header.split(separator: " ").contains { candidate in
            let bytes = Array(candidate.utf8)
            guard bytes.count == expected.count else { return false }
            return zip(bytes, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
