import Foundation
import Hummingbird
import MarketCore

/// The JSON conventions of the API: snake_case keys in the order the type declares them, RFC 3339
/// UTC timestamps.
enum JSONCoding {
    /// One encoder and one decoder for every request. Responses are written by
    /// `OrderedJSONEncoder`, so the same answer is the same bytes in every process.
    static let encoder = OrderedJSONEncoder()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom(decodeTimestamp)
        return decoder
    }()

    /// RFC 3339, with or without fractional seconds. Thrown from the value's own container so the
    /// error names the field (Foundation's `.iso8601` strategy loses the coding path on Linux).
    @Sendable static func decodeTimestamp(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "must be an RFC 3339 timestamp such as 2026-12-01T18:00:00Z")
    }

    /// `councilId` → `council_id`: how a Swift coding key appears to clients.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// A JSON path such as `lines[0].quantity` for a decoding error's coding path.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var result = ""
        for key in path {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += (result.isEmpty ? "" : ".") + snakeCase(key.stringValue)
            }
        }
        return result.isEmpty ? "body" : result
    }
}

extension AppRequestContext {
    public var responseEncoder: OrderedJSONEncoder { JSONCoding.encoder }
}

extension AuthenticatedContext {
    public var responseEncoder: OrderedJSONEncoder { JSONCoding.encoder }
}

extension Request {
    /// Decodes the JSON body (already collected and size-checked by `RequestLimitsMiddleware`),
    /// after `UntrustedJSON` has checked and normalised its text.
    ///
    /// Throws `HTTPProblem.malformedJSON` (400) for an empty, unparsable or too deeply nested
    /// body, naming where it broke, and `MarketError.validation` (422) naming the field for
    /// refused text and missing or mistyped fields.
    func decodeJSON<Body: Decodable>(as type: Body.Type, context: some RequestContext) async throws -> Body {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw HTTPProblem.malformedJSON("the request body is empty; send a JSON object") }
        let body = try UntrustedJSON(Data(buffer.readableBytesView))
        do {
            return try JSONCoding.decoder.decode(Body.self, from: body.body)
        } catch let error as DecodingError {
            throw body.problem(for: error, decoding: type)
        }
    }

    /// The problem document for a decoding error that has a place in the body.
    static func problem(for error: DecodingError) -> any Error {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return MarketError.invalid("body", context.debugDescription)
        case .dataCorrupted(let context):
            return MarketError.invalid(JSONCoding.fieldPath(context.codingPath), context.debugDescription)
        case .keyNotFound(let key, let context):
            return MarketError.invalid(JSONCoding.fieldPath(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return MarketError.invalid(JSONCoding.fieldPath(context.codingPath), "must be \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            return MarketError.invalid(JSONCoding.fieldPath(context.codingPath), "must be \(Self.describe(type)), not null")
        @unknown default:
            return HTTPProblem.malformedJSON("the body could not be decoded")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
