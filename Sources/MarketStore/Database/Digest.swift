import Crypto
import Foundation

/// SHA-256 as lower-case hex: token hashes, email hashes, request fingerprints.
package enum Digest {
    package static func sha256Hex(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    package static func sha256Hex(_ text: String) -> String {
        sha256Hex(Data(text.utf8))
    }
}
