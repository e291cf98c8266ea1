/// A participant of the Peppol network, to which e-invoices are delivered: an Electronic Address
/// Scheme code and the identifier within it, written `0088:5012345678900` (a GLN) or
/// `9932:GB123456789` (a UK VAT number). UK public-sector buyers are reached this way.
public struct PeppolID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let scheme: String
    public let identifier: String

    public init?(_ text: String) {
        guard let match = text.wholeMatch(of: /([0-9]{4}):([A-Za-z0-9][A-Za-z0-9.:_\-]{0,49})/),
            Self.schemes.contains(String(match.1))
        else { return nil }
        scheme = String(match.1)
        identifier = String(match.2)
    }

    public var description: String { scheme + ":" + identifier }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = PeppolID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Peppol participant id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The Electronic Address Scheme codes Peppol BIS Billing 3.0.19 accepts (its `eaid` list).
    static let schemes: Set<String> = Set("""
        0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0151 0177 0183 0184 0188 0190 0191 0192 0193 0195 \
        0196 0198 0199 0200 0201 0202 0204 0208 0209 0210 0211 0212 0213 0215 0216 0218 0221 0230 0235 9910 9913 9914 \
        9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 \
        9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 0147 0154 0158 0170 0194 0203 \
        0205 0217 0225 0240
        """.split(separator: " ").map(String.init))

    static let expected = "a Peppol participant id: a scheme code, a colon and the identifier, such as 0088:5012345678900 (GLN) or 9932:GB123456789 (UK VAT)"

    /// Checks an optional id entered as `field`.
    static func validated(_ text: String?, _ field: String, _ v: inout Validator) -> PeppolID? {
        guard let text = v.optionalText(text, field, maxLength: 55) else { return nil }
        let id = PeppolID(text)
        v.check(id != nil, field, "must be \(expected)")
        return id
    }
}
