import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238): HMAC-SHA1 over the number of 30-second steps since
/// the Unix epoch, truncated as in RFC 4226 to `digits` decimal digits. What an authenticator app
/// computes from the secret it scanned.
public struct TOTP: Sendable {
    public static let period: TimeInterval = 30
    /// Steps either side of now that are still accepted, for clocks that drift and people who type slowly.
    public static let tolerance: Int64 = 1

    public let secret: [UInt8]
    public let digits: Int

    public init(secret: [UInt8], digits: Int = 6) {
        self.secret = secret
        self.digits = digits
    }

    /// A fresh 160-bit secret (RFC 4226 recommends 160 bits for HMAC-SHA1).
    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The step a moment falls in.
    public static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The code of one step, zero-padded to `digits`.
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    public func code(at date: Date) -> String { code(step: Self.step(at: date)) }

    /// The step whose code `code` is, within `tolerance` steps of `date` and later than
    /// `lastUsedStep`, so that each code is accepted once; `nil` if there is none.
    public func acceptedStep(for code: String, at date: Date, after lastUsedStep: Int64?) -> Int64? {
        guard code.count == digits, code.allSatisfy(\.isASCIIDigit) else { return nil }
        let now = Self.step(at: date)
        for step in (now - Self.tolerance)...(now + Self.tolerance) where step > (lastUsedStep ?? .min) {
            if constantTimeEqual(self.code(step: step), code) { return step }
        }
        return nil
    }

    /// The `otpauth://` URI an authenticator app scans (Key Uri Format: issuer, SHA1, 6 digits, 30 s).
    public func provisioningURI(account: String, issuer: String) -> String {
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", ":"])) ?? account
        let issuerQuery = issuer.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+"])) ?? issuer
        return "otpauth://totp/\(label.replacingOccurrences(of: "%3A", with: ":"))?secret=\(Base32.encode(secret))"
            + "&issuer=\(issuerQuery)&algorithm=SHA1&digits=\(digits)&period=\(Int(Self.period))"
    }
}

private func constantTimeEqual(_ left: String, _ right: String) -> Bool {
    let left = Array(left.utf8), right = Array(right.utf8)
    guard left.count == right.count else { return false }
    return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// RFC 4648 base32 without padding, as authenticator apps read secrets.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes upper- or lower-case base32, ignoring spaces and padding; `nil` for any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var output = [UInt8]()
        var buffer: UInt32 = 0, bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
