import Foundation
import Hummingbird
import MarketCore

/// A request's JSON body as the edge accepts it, before any handler decodes it: parsed once,
/// within a depth and size budget, every key and string checked by `UntrustedText` (422 naming
/// the field) and normalised to NFC.
///
/// Every step is one pass over the body, so a hostile body costs what a good one of its size
/// costs, and its size is bounded: at most 1 MiB (`RequestLimits`), at most `maximumDepth`
/// levels, and describing its decoding error takes at most `maximumNumberProbes` more decodes.
struct UntrustedJSON {
    static let maximumDepth = 32
    static let maximumNumberProbes = 4
    /// Field errors reported at most per request; the rest are counted in the detail.
    static let maximumReportedErrors = 20

    /// The parsed body (`JSONSerialization`'s tree).
    let tree: Any
    /// The bytes to decode: the checked tree written again, so that what is decoded is exactly
    /// what was checked (a key sent twice cannot smuggle a second value past the walk).
    let body: Data

    /// Throws `HTTPProblem.malformedJSON` (400) for a body that is not JSON or is nested too
    /// deeply, and `MarketError.validation` (422) for text that breaks `UntrustedText`'s rule.
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
        let accepted = walk.visit(tree)
        if !walk.errors.isEmpty {
            var errors = Array(walk.errors.prefix(Self.maximumReportedErrors))
            if walk.errors.count > errors.count {
                errors.append(FieldError(field: "body", message: "and \(walk.errors.count - errors.count) more fields like these"))
            }
            throw MarketError.validation(errors)
        }
        self.tree = accepted
        self.body = try JSONSerialization.data(withJSONObject: accepted, options: [.fragmentsAllowed])
    }

    /// The problem document for a decoding error of this body as `type`.
    ///
    /// Foundation's decoder on Linux reports a fraction or a huge number sent for an integer field
    /// (or one beyond `Decimal`'s range) as "not valid JSON", without saying where. Every such
    /// number is replaced by a string at once and the body decoded again: the decoder then names
    /// the field that meets one. A fractional field that meets a number it can hold gets it back
    /// and the body is tried again, at most `maximumNumberProbes` times.
    func problem<Body: Decodable>(for error: DecodingError, decoding type: Body.Type) -> any Error {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else {
            return Request.problem(for: error)
        }
        var keep: Set<[PathComponent]> = []
        for _ in 0..<Self.maximumNumberProbes {
            var path: [PathComponent] = []
            var replaced = 0
            let patched = Self.replacingFractions(tree, keeping: keep, path: &path, replaced: &replaced)
            guard replaced > 0, let data = try? JSONSerialization.data(withJSONObject: patched, options: [.fragmentsAllowed]) else { break }
            do {
                _ = try JSONCoding.decoder.decode(type, from: data)
                break
            } catch DecodingError.typeMismatch(let expected, let context) {
                let field = JSONCoding.fieldPath(context.codingPath)
                let path = context.codingPath.map { key in key.intValue.map(PathComponent.index) ?? .key(JSONCoding.snakeCase(key.stringValue)) }
                guard let number = Self.value(at: path[...], in: tree) as? NSNumber, Self.isFraction(number) else { break }
                switch expected {
                case is Decimal.Type where number.doubleValue.magnitude > Self.decimalLimit:
                    return MarketError.invalid(field, "must be a number in range")
                case is Double.Type, is Float.Type, is Decimal.Type:
                    keep.insert(path)
                default:
                    return MarketError.invalid(field, "must be a whole number in range")
                }
            } catch {
                break
            }
        }
        return MarketError.invalid("body", "a number is out of range, or a fraction where a whole number belongs")
    }

    /// A step into a JSON tree: an object's key or an array's index.
    enum PathComponent: Hashable {
        case key(String)
        case index(Int)
    }

    /// Beyond this a number does not fit in `Decimal` (whose greatest magnitude is about 3.4e165).
    static let decimalLimit = 1e165

    // MARK: The walk

    /// One pass over the tree: checks and normalises every string. Paths are kept as a stack of
    /// components and written out only for an error.
    private struct TextWalk {
        var errors: [FieldError] = []
        var path: [PathComponent] = []

        mutating func visit(_ value: Any) -> Any {
            switch value {
            case let object as [String: Any]:
                var result: [String: Any] = [:]
                result.reserveCapacity(object.count)
                for (key, child) in object {
                    path.append(.key(key))
                    defer { path.removeLast() }
                    if case .failure(let refusal) = UntrustedText.accepted(key, multiline: false) {
                        errors.append(FieldError(field: Self.printable(field), message: "is not a field name: its name " + refusal.message))
                        continue
                    }
                    result[key] = visit(child)
                }
                return result
            case let array as [Any]:
                var result: [Any] = []
                result.reserveCapacity(array.count)
                for (index, child) in array.enumerated() {
                    path.append(.index(index))
                    result.append(visit(child))
                    path.removeLast()
                }
                return result
            case let text as String:
                switch UntrustedText.accepted(text, multiline: allowsSeveralLines) {
                case .success(let accepted):
                    return accepted
                case .failure(let refusal):
                    errors.append(FieldError(field: field, message: refusal.message))
                    return text
                }
            default:
                return value
            }
        }

        /// Whether the field at the current path (named by its last key) allows several lines.
        var allowsSeveralLines: Bool {
            for component in path.reversed() {
                if case .key(let key) = component { return UntrustedText.multilineFields.contains(key) }
            }
            return false
        }

        /// The current path as clients name fields: `lines[0].note`, or `body` at the top.
        var field: String {
            var text = ""
            for component in path {
                switch component {
                case .key(let key): text += (text.isEmpty ? "" : ".") + key
                case .index(let index): text += "[\(index)]"
                }
            }
            return text.isEmpty ? "body" : text
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

    /// The tree with every fraction (but those at `keeping`) replaced by a string; counts them.
    private static func replacingFractions(
        _ value: Any, keeping: Set<[PathComponent]>, path: inout [PathComponent], replaced: inout Int
    ) -> Any {
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            result.reserveCapacity(object.count)
            for (key, child) in object {
                path.append(.key(key))
                result[key] = replacingFractions(child, keeping: keeping, path: &path, replaced: &replaced)
                path.removeLast()
            }
            return result
        case let array as [Any]:
            var result: [Any] = []
            result.reserveCapacity(array.count)
            for (index, child) in array.enumerated() {
                path.append(.index(index))
                result.append(replacingFractions(child, keeping: keeping, path: &path, replaced: &replaced))
                path.removeLast()
            }
            return result
        case let number as NSNumber where isFraction(number) && (keeping.isEmpty || !keeping.contains(path)):
            replaced += 1
            return "not a whole number"
        default:
            return value
        }
    }

    /// The value at `path` in `tree`, if there is one.
    private static func value(at path: ArraySlice<PathComponent>, in tree: Any) -> Any? {
        guard let head = path.first else { return tree }
        switch head {
        case .key(let key): return (tree as? [String: Any])?[key].flatMap { value(at: path.dropFirst(), in: $0) }
        case .index(let index):
            guard let array = tree as? [Any], array.indices.contains(index) else { return nil }
            return value(at: path.dropFirst(), in: array[index])
        }
    }
}
