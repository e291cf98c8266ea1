import Foundation
import Hummingbird
import MarketCore

/// A request's JSON body as the edge accepts it, before any handler decodes it: parsed once,
/// within a depth and size budget, every key and string checked by `UntrustedText` (422 naming
/// the field) and normalised to NFC.
///
/// Every step is one pass over the body, so a hostile body costs what a good one of its size
/// costs: at most 1 MiB (`RequestLimits`), at most `maximumDepth` levels, at most `maximumValues`
/// values, and describing its decoding error takes at most `maximumNumberProbes` decodes.
struct UntrustedJSON {
    static let maximumDepth = 32
    static let maximumValues = 200_000
    static let maximumNumberProbes = 4
    /// Field errors reported at most per request; the rest are counted in the detail.
    static let maximumReportedErrors = 20

    /// The parsed body (`JSONSerialization`'s tree).
    let tree: Any
    /// The bytes to decode: the request's own, or the tree written again when a string was
    /// normalised.
    let body: Data

    /// Throws `HTTPProblem.malformedJSON` (400) for a body that is not JSON or is nested too
    /// deeply, and `MarketError.validation` (422) for text that breaks `UntrustedText`'s rule or
    /// a body with too many values.
    init(_ body: Data) throws {
        if let depthProblem = Self.nestingProblem(body) { throw HTTPProblem.malformedJSON(depthProblem) }
        let tree: Any
        do {
            tree = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            let location = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "it could not be parsed"
            throw HTTPProblem.malformedJSON("the body is not valid JSON: \(location)")
        }
        var walk = TextWalk()
        let accepted = walk.visit(tree, path: "")
        if walk.values > Self.maximumValues {
            throw MarketError.invalid("body", "must hold at most \(Self.maximumValues) values")
        }
        if !walk.errors.isEmpty {
            var errors = Array(walk.errors.prefix(Self.maximumReportedErrors))
            if walk.errors.count > errors.count {
                errors.append(FieldError(field: "body", message: "and \(walk.errors.count - errors.count) more fields like these"))
            }
            throw MarketError.validation(errors)
        }
        self.tree = accepted
        self.body = walk.changed ? try JSONSerialization.data(withJSONObject: accepted, options: [.fragmentsAllowed]) : body
    }

    /// The problem document for a decoding error of this body as `type`.
    ///
    /// Foundation's decoder on Linux reports a fraction or a huge number sent for an integer field
    /// as "not valid JSON", without saying where. Every such number is replaced by a string at
    /// once and the body decoded again: the decoder then names the integer field that meets one.
    /// A fractional field that meets one gets its number back and the body is tried again, at most
    /// `maximumNumberProbes` times.
    func problem<Body: Decodable>(for error: DecodingError, decoding type: Body.Type) -> any Error {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else {
            return Request.problem(for: error)
        }
        var candidates = Set<String>()
        Self.collectFractions(tree, path: "", into: &candidates)
        for _ in 0..<Self.maximumNumberProbes where !candidates.isEmpty {
            let patched = Self.replacingNumbers(tree, at: candidates, path: "")
            guard let data = try? JSONSerialization.data(withJSONObject: patched, options: [.fragmentsAllowed]) else { break }
            do {
                _ = try JSONCoding.decoder.decode(type, from: data)
                break
            } catch DecodingError.typeMismatch(let expected, let context) {
                let field = JSONCoding.fieldPath(context.codingPath)
                let path = Self.treePath(context.codingPath)
                guard candidates.contains(path) else { break }
                if expected is Double.Type || expected is Float.Type || expected is Decimal.Type {
                    candidates.remove(path)
                    continue
                }
                return MarketError.invalid(field, "must be a whole number in range")
            } catch {
                break
            }
        }
        return MarketError.invalid("body", candidates.isEmpty ? context.debugDescription : "a number must be a whole number in range")
    }

    // MARK: The walk

    /// One pass over the tree: counts values, checks and normalises every string.
    private struct TextWalk {
        var values = 0
        var errors: [FieldError] = []
        var changed = false

        mutating func visit(_ value: Any, path: String) -> Any {
            values += 1
            guard values <= UntrustedJSON.maximumValues else { return value }
            switch value {
            case let object as [String: Any]:
                var result: [String: Any] = [:]
                result.reserveCapacity(object.count)
                for (key, child) in object {
                    let field = path.isEmpty ? key : path + "." + key
                    if case .failure(let refusal) = UntrustedText.accepted(key, multiline: false) {
                        errors.append(FieldError(field: Self.printable(field), message: "is not a field name: its name " + refusal.message))
                        continue
                    }
                    result[key] = visit(child, path: field)
                }
                return result
            case let array as [Any]:
                var result: [Any] = []
                result.reserveCapacity(array.count)
                for (index, child) in array.enumerated() { result.append(visit(child, path: path + "[\(index)]")) }
                return result
            case let text as String:
                let field = path.isEmpty ? "body" : path
                switch UntrustedText.accepted(text, multiline: UntrustedText.allowsSeveralLines(field)) {
                case .success(let accepted):
                    if accepted != text || accepted.utf8.count != text.utf8.count { changed = true }
                    return accepted
                case .failure(let refusal):
                    errors.append(FieldError(field: field, message: refusal.message))
                    return text
                }
            default:
                return value
            }
        }

        /// A field name fit to echo back: refused characters shown as `?`.
        static func printable(_ field: String) -> String {
            String(String.UnicodeScalarView(field.unicodeScalars.map {
                UntrustedText.isSafe(String($0)) ? $0 : "?"
            }))
        }
    }

    /// Why the body nests too deeply, or `nil`: one pass over its bytes, counting brackets
    /// outside strings (JSONSerialization recurses, so depth is checked before it runs).
    static func nestingProblem(_ body: Data) -> String? {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return "the body nests more than \(maximumDepth) arrays or objects deep" }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    // MARK: Numbers

    /// Whether a parsed number could not be an `Int64`: a fraction, an exponent beyond it, or too big.
    static func isFraction(_ number: NSNumber) -> Bool {
        switch String(cString: number.objCType) {
        case "c", "B": return false  // true or false
        case "d", "f": return Int64(exactly: number.doubleValue) == nil
        case "Q": return number.uint64Value > UInt64(Int64.max)
        default: return false
        }
    }

    private static func collectFractions(_ value: Any, path: String, into candidates: inout Set<String>) {
        switch value {
        case let object as [String: Any]: for (key, child) in object { collectFractions(child, path: path + "." + key, into: &candidates) }
        case let array as [Any]: for (index, child) in array.enumerated() { collectFractions(child, path: path + "[\(index)]", into: &candidates) }
        case let number as NSNumber where isFraction(number): candidates.insert(path)
        default: break
        }
    }

    private static func replacingNumbers(_ value: Any, at candidates: Set<String>, path: String) -> Any {
        switch value {
        case let object as [String: Any]:
            object.reduce(into: [String: Any]()) { $0[$1.key] = replacingNumbers($1.value, at: candidates, path: path + "." + $1.key) }
        case let array as [Any]:
            array.enumerated().map { replacingNumbers($0.element, at: candidates, path: path + "[\($0.offset)]") }
        case is NSNumber where candidates.contains(path): "not a whole number"
        default: value
        }
    }

    /// The walk's path for a decoder's coding path: `.lines[0].quantity`, keys as sent.
    private static func treePath(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? "." + JSONCoding.snakeCase(key.stringValue) }.joined()
    }
}
