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
    /// Decodes the JSON body (already collected and size-checked by `RequestLimitsMiddleware`).
    ///
    /// Throws `HTTPProblem.malformedJSON` (400) for an empty or unparsable body, naming where
    /// it broke, and `MarketError.validation` (422) naming the field for missing or mistyped fields.
    func decodeJSON<Body: Decodable>(as type: Body.Type, context: some RequestContext) async throws -> Body {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw HTTPProblem.malformedJSON("the request body is empty; send a JSON object") }
        do {
            return try JSONCoding.decoder.decode(Body.self, from: buffer)
        } catch let error as DecodingError {
            let body = Data(buffer.readableBytesView)
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let field = Self.unrepresentableNumber(in: body, as: type)
            {
                throw MarketError.invalid(field, "must be a whole number in range")
            }
            throw Self.problem(for: error, body: body)
        }
    }

    /// Foundation's decoder on Linux reports a fraction or a huge number sent for an integer
    /// field as "not valid JSON", without saying where. This finds the field: the number that,
    /// replaced by 0, makes that error go away. `nil` if no number is to blame.
    static func unrepresentableNumber<Body: Decodable>(in body: Data, as type: Body.Type) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) else { return nil }
        var candidates: [(path: [Any], text: String)] = []
        func visit(_ value: Any, _ path: [Any]) {
            switch value {
            case let object as [String: Any]: for (key, child) in object { visit(child, path + [key]) }
            case let array as [Any]: for (index, child) in array.enumerated() { visit(child, path + [index]) }
            case let number as NSNumber where !(value is Bool):
                if Int64(exactly: number.doubleValue) == nil { candidates.append((path, "\(number)")) }
            default: break
            }
        }
        visit(object, [])
        func replacing(_ value: Any, _ path: ArraySlice<Any>) -> Any {
            guard let head = path.first else { return 0 }
            if var object = value as? [String: Any], let key = head as? String, let child = object[key] {
                object[key] = replacing(child, path.dropFirst())
                return object
            }
            if var array = value as? [Any], let index = head as? Int, array.indices.contains(index) {
                array[index] = replacing(array[index], path.dropFirst())
                return array
            }
            return value
        }
        for candidate in candidates {
            guard let patched = try? JSONSerialization.data(withJSONObject: replacing(object, candidate.path[...])) else { continue }
            do {
                _ = try JSONCoding.decoder.decode(type, from: patched)
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                continue
            } catch {}
            return candidate.path.map { ($0 as? Int).map { "[\($0)]" } ?? ".\($0)" }.joined().trimmingCharacters(in: ["."])
        }
        return nil
    }

    static func problem(for error: DecodingError, body: Data) -> any Error {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            guard let location = syntaxErrorLocation(body) else {
                // Well-formed JSON with a value the decoder refused without saying where.
                return MarketError.invalid("body", context.debugDescription)
            }
            return HTTPProblem.malformedJSON("the body is not valid JSON: \(location)")
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

    /// Where the JSON parser gave up, such as "Invalid value around character 10."
    /// (Foundation's `JSONDecoder` on Linux does not say; `JSONSerialization` does.)
    private static func syntaxErrorLocation(_ body: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
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
