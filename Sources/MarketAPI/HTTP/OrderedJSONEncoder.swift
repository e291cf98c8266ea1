import Foundation
import Hummingbird

#if canImport(Glibc)
import Glibc
#endif

/// The API's JSON writer: object keys in the order the type encodes them, which for synthesised
/// `Encodable` is declaration order, so `id` comes first and the same answer is the same bytes in
/// every process. (Foundation's encoder on Linux writes keys in hash order, which differs from one
/// process to the next; `.sortedKeys` is stable but alphabetical, and slower.)
///
/// Conventions, as `JSONCoding` had them: snake_case keys (Foundation's `convertToSnakeCase`
/// rule), RFC 3339 UTC dates to the second, `nil` optionals left out unless wrapped in
/// `Nullable`, `/` not escaped. Values encode into a small ordered tree that is then written out
/// once.
///
/// Thread-safety: a value type with no state; each `encode` call builds its own tree.
public struct OrderedJSONEncoder: ResponseEncoder, Sendable {
    /// `value` as UTF-8 JSON bytes.
    func encode(_ value: some Encodable) throws -> [UInt8] {
        let node = try JSONTreeEncoder(codingPath: [], keys: KeyCache()).node(for: value)
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        node.write(to: &output)
        return output
    }

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let bytes = try encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(bytes.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Foundation's `convertToSnakeCase`: words split where case changes, an acronym kept whole
    /// (`requestID` → `request_id`, `isHTML` → `is_html`), then lower-cased. (A leading acronym
    /// stays whole too, `URLString` → `url_string`, where Foundation on Linux writes `u_rl_string`;
    /// no API key starts with one.)
    static func snakeCase(_ key: String) -> String {
        let characters = Array(key)
        guard characters.contains(where: \.isUppercase) else { return key }
        var result = ""
        result.reserveCapacity(characters.count + 4)
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result.append("_") }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }
}

/// Coding keys turned into written JSON keys (snake_case, quoted, escaped) once per encode call.
private final class KeyCache {
    private var written: [String: [UInt8]] = [:]

    func key(_ name: String) -> [UInt8] {
        if let key = written[name] { return key }
        var key: [UInt8] = []
        JSONNode.writeString(OrderedJSONEncoder.snakeCase(name), to: &key)
        key.append(UInt8(ascii: ":"))
        written[name] = key
        return key
    }
}

private final class JSONObject {
    var keys: [[UInt8]] = []
    var values: [JSONNode] = []
}

private final class JSONArray {
    var values: [JSONNode] = []
}

/// A JSON value: scalars already written out as bytes, containers in the order they were filled.
private enum JSONNode {
    case scalar([UInt8])
    case object(JSONObject)
    case array(JSONArray)

    static var null: JSONNode { .scalar(Array("null".utf8)) }

    func write(to output: inout [UInt8]) {
        switch self {
        case .scalar(let bytes):
            output.append(contentsOf: bytes)
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for index in object.keys.indices {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: object.keys[index])
                object.values[index].write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, value) in array.values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
    }

    static func string(_ text: String) -> JSONNode {
        var bytes: [UInt8] = []
        writeString(text, to: &bytes)
        return .scalar(bytes)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; `/` and non-ASCII as is.
    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    static func number(_ value: Double) throws -> JSONNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "JSON has no \(value)"))
        }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return .scalar(Array(String(Int64(value)).utf8)) }
        return .scalar(Array(value.description.utf8))
    }

    /// RFC 3339 in UTC to the second, as Foundation's `.iso8601` strategy writes it, digit by
    /// digit (`String(format:)` was a tenth of a search's encoding time).
    static func date(_ date: Date) -> JSONNode {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text: [UInt8] = []
        text.reserveCapacity(22)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                value %= divisor
                divisor /= 10
            }
        }
        text.append(UInt8(ascii: "\""))
        digits(parts.tm_year + 1900, 4)
        text.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2)
        text.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2)
        text.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        text.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        text.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        text.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
        return .scalar(text)
    }
}

/// A value already written as JSON by this encoder (`OfferingJSONCache`): its bytes go into the
/// output as they are.
protocol PreEncodedJSON: Encodable {
    var encodedJSON: [UInt8] { get }
}

/// The `Encoder` that builds a `JSONNode` for one value.
private final class JSONTreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let keys: KeyCache
    var result: JSONNode?

    init(codingPath: [any CodingKey], keys: KeyCache) {
        self.codingPath = codingPath
        self.keys = keys
    }

    /// The node for `value`, with fast paths for the scalars the API sends.
    func node<Value: Encodable>(for value: Value, at key: (any CodingKey)? = nil) throws -> JSONNode {
        switch value {
        case let text as String: return .string(text)
        case let number as Int: return .scalar(Array(String(number).utf8))
        case let number as Int64: return .scalar(Array(String(number).utf8))
        case let flag as Bool: return .scalar(Array((flag ? "true" : "false").utf8))
        case let number as Double: return try .number(number)
        case let date as Date: return .date(date)
        case let decimal as Decimal: return .scalar(Array(decimal.description.utf8))
        case let url as URL: return .string(url.absoluteString)
        case let encoded as any PreEncodedJSON: return .scalar(encoded.encodedJSON)
        default:
            let child = JSONTreeEncoder(codingPath: key.map { codingPath + [$0] } ?? codingPath, keys: keys)
            try value.encode(to: child)
            return child.result ?? .object(JSONObject())
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: JSONObject
        if case .object(let existing) = result {
            object = existing
        } else {
            object = JSONObject()
            result = .object(object)
        }
        return KeyedEncodingContainer(KeyedContainer(encoder: self, object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: JSONArray
        if case .array(let existing) = result {
            array = existing
        } else {
            array = JSONArray()
            result = .array(array)
        }
        return UnkeyedContainer(encoder: self, array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(encoder: self) }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: JSONTreeEncoder
        let object: JSONObject
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func add(_ key: Key, _ node: JSONNode) {
            object.keys.append(encoder.keys.key(key.stringValue))
            object.values.append(node)
        }

        mutating func encodeNil(forKey key: Key) throws { add(key, .null) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { add(key, try encoder.node(for: value, at: key)) }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObject()
            add(key, .object(nested))
            let child = JSONTreeEncoder(codingPath: codingPath + [key], keys: encoder.keys)
            child.result = .object(nested)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: child, object: nested))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = JSONArray()
            add(key, .array(nested))
            return UnkeyedContainer(encoder: JSONTreeEncoder(codingPath: codingPath + [key], keys: encoder.keys), array: nested)
        }

        // Super-encoders (used by class hierarchies, which the API's types are not) take keyed
        // and unkeyed values; a single value written to one is not kept.
        mutating func superEncoder() -> any Encoder {
            let nested = JSONObject()
            object.keys.append(encoder.keys.key("super"))
            object.values.append(.object(nested))
            let child = JSONTreeEncoder(codingPath: codingPath, keys: encoder.keys)
            child.result = .object(nested)
            return child
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let nested = JSONObject()
            add(key, .object(nested))
            let child = JSONTreeEncoder(codingPath: codingPath + [key], keys: encoder.keys)
            child.result = .object(nested)
            return child
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let encoder: JSONTreeEncoder
        let array: JSONArray
        var codingPath: [any CodingKey] { encoder.codingPath }
        var count: Int { array.values.count }

        mutating func encodeNil() throws { array.values.append(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws { array.values.append(try encoder.node(for: value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObject()
            array.values.append(.object(nested))
            let child = JSONTreeEncoder(codingPath: codingPath, keys: encoder.keys)
            child.result = .object(nested)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: child, object: nested))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = JSONArray()
            array.values.append(.array(nested))
            return UnkeyedContainer(encoder: JSONTreeEncoder(codingPath: codingPath, keys: encoder.keys), array: nested)
        }

        mutating func superEncoder() -> any Encoder {
            let nested = JSONObject()
            array.values.append(.object(nested))
            let child = JSONTreeEncoder(codingPath: codingPath, keys: encoder.keys)
            child.result = .object(nested)
            return child
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let encoder: JSONTreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.result = .null }
        mutating func encode<T: Encodable>(_ value: T) throws { encoder.result = try encoder.node(for: value) }
    }
}
