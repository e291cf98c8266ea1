/// A kind of entity that has public, typed, opaque identifiers such as `usr_8f3k…`.
public protocol IdentifiedEntity: Sendable {
    /// The short prefix that starts every identifier of this kind, without the underscore.
    static var idPrefix: String { get }
}

/// An opaque identifier of one kind of entity: `<prefix>_<20 Crockford base32 characters>`.
///
/// Invariant: `rawValue` always has the right prefix and shape, so a store never receives a bare
/// or mistyped string; parsing a malformed path parameter fails cleanly (`init?(_:)` is `nil`).
public struct Identifier<Entity: IdentifiedEntity>: Hashable, Sendable, Comparable, Codable,
    LosslessStringConvertible
{
    public let rawValue: String

    /// 20 characters of base32 carry 100 random bits.
    static var randomLength: Int { 20 }

    public init?(_ description: String) {
        let prefix = Entity.idPrefix + "_"
        guard description.hasPrefix(prefix) else { return nil }
        let body = description.dropFirst(prefix.count)
        guard body.utf8.count == Self.randomLength, body.utf8.allSatisfy(Self.isInAlphabet) else { return nil }
        self.rawValue = description
    }

    /// A new random identifier, from the system's cryptographically secure generator.
    public static func random() -> Self {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Five bits of the generator's output per character (32 is a power of two, so each is
    /// uniform), two draws of 64 bits for the 100: ids are made for every row written.
    public static func random(using generator: inout some RandomNumberGenerator) -> Self {
        let alphabet = Array(Identifier.alphabet.utf8)
        var bits: (UInt64, UInt64) = (generator.next(), generator.next())
        var body: [UInt8] = []
        body.reserveCapacity(randomLength)
        for index in 0..<randomLength {
            if index < 12 {
                body.append(alphabet[Int(bits.0 & 31)])
                bits.0 >>= 5
            } else {
                body.append(alphabet[Int(bits.1 & 31)])
                bits.1 >>= 5
            }
        }
        return Self(unchecked: Entity.idPrefix + "_" + String(decoding: body, as: UTF8.self))
    }

    private init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// Crockford's base32 alphabet, lower-cased: no `i`, `l`, `o`, `u`.
    static var alphabet: String { "0123456789abcdefghjkmnpqrstvwxyz" }

    /// Whether `byte` is one of `alphabet`'s, without a search (ids are parsed on every row read).
    static func isInAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "i"), UInt8(ascii: "l"), UInt8(ascii: "o"), UInt8(ascii: "u"): false
        case UInt8(ascii: "a")...UInt8(ascii: "z"): true
        default: false
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let identifier = Self(string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a valid \(Entity.idPrefix)_ identifier")
        }
        self = identifier
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum CouncilEntity: IdentifiedEntity { public static var idPrefix: String { "cnc" } }
public enum OrganisationEntity: IdentifiedEntity { public static var idPrefix: String { "org" } }
public enum UserEntity: IdentifiedEntity { public static var idPrefix: String { "usr" } }
public enum AccessTokenEntity: IdentifiedEntity { public static var idPrefix: String { "tok" } }
public enum BudgetHolderEntity: IdentifiedEntity { public static var idPrefix: String { "bdh" } }

public typealias CouncilID = Identifier<CouncilEntity>
public typealias OrganisationID = Identifier<OrganisationEntity>
public typealias UserID = Identifier<UserEntity>
public typealias AccessTokenID = Identifier<AccessTokenEntity>
public typealias BudgetHolderID = Identifier<BudgetHolderEntity>
