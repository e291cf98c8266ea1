/// A value that travels in JSON as one string and exists only when that string is valid
/// (an email address, a postcode district). Decoding invalid text fails at that field.
public protocol TextCodable: Codable {
    init?(_ text: String)
    /// The canonical text.
    var text: String { get }
    /// What valid text looks like, for the decoding error: "an email address".
    static var expectedText: String { get }
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = Self(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be \(Self.expectedText)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
