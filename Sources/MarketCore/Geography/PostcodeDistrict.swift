import Foundation

/// A UK postcode district (the outward code), such as `HA1`, `SW1A`, `EC1A` or `W1`.
///
/// Invariant: upper-case; one or two letters, a digit, then an optional digit or letter.
public struct PostcodeDistrict: Sendable, Hashable, TextCodable, CustomStringConvertible {
    public let code: String

    /// Accepts any case and surrounding spaces; `nil` for anything that is not a district.
    public init?(_ text: String) {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        let characters = Array(code)
        guard (2...4).contains(characters.count), characters.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let letters = characters.prefix { $0.isLetter }.count
        guard (1...2).contains(letters), letters < characters.count, characters[letters].isNumber else { return nil }
        let rest = characters.dropFirst(letters + 1)
        guard rest.count <= 1 else { return nil }
        self.code = code
    }

    public var description: String { code }
    public var text: String { code }
    public static var expectedText: String { "a UK postcode district such as HA1" }
}
