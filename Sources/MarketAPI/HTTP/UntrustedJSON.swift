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

    /// The bytes to decode: the request's own, or the checked tree written again when a string
    /// was normalised. Either way they hold exactly what was checked: a body that names a field
    /// twice in one object is refused, since the parser that checks and the decoder would each
    /// keep a different one of the two values.
    let body: Data
    /// The bytes as they came.
    private let received: Data
    /// The parsed tree, when its text had to be walked; otherwise parsed only to describe an error.
    private let checkedTree: Any?

    /// Throws `HTTPProblem.malformedJSON` (400) for a body that is not JSON, is nested too
    /// deeply or names a field twice in one object, and `MarketError.validation` (422) for text
    /// that breaks `UntrustedText`'s rule.
    init(_ body: Data) throws {
        let shape = Self.shape(of: body)
        if shape.depth > Self.maximumDepth {
            throw HTTPProblem.malformedJSON("the body nests more than \(Self.maximumDepth) arrays or objects deep")
        }
        received = body
        if shape.plain {
            // Every string is printable ASCII with no escapes (a raw control character is not
            // JSON, so the decoder refuses it): nothing to refuse or normalise, and keys are
            // compared as written.
            if shape.repeatsKey { throw HTTPProblem.malformedJSON("the body names a field twice in one object") }
            self.body = body
            checkedTree = nil
            return
        }
        let tree = try Self.parse(body)
        var walk = TextWalk()
        let replacement = walk.visit(tree)
        if walk.keys != shape.keys { throw HTTPProblem.malformedJSON("the body names a field twice in one object") }
        if !walk.errors.isEmpty {
            var errors = Array(walk.errors.prefix(Self.maximumReportedErrors))
            if walk.errors.count > errors.count {
                errors.append(FieldError(field: "body", message: "and \(walk.errors.count - errors.count) more fields like these"))
            }
            throw MarketError.validation(errors)
        }
        checkedTree = replacement ?? tree
        self.body = try replacement.map { try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]) } ?? body
    }

    /// The parsed body, or a 400 naming where the parser gave up.
    private static func parse(_ body: Data) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            let location = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "it could not be parsed"
            throw HTTPProblem.malformedJSON("the body is not valid JSON: \(location)")
        }
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
        let tree: Any
        do {
            tree = try checkedTree ?? Self.parse(received)
        } catch {
            return error
        }
        var keep: Set<[PathComponent]> = []
        for _ in 0..<Self.maximumNumberProbes {
            var replaced = 0
            let data: Data
            if keep.isEmpty {
                // The first probe patches the bytes; only a fractional field that met a number it
                // can hold makes the next ones work on the tree.
                (data, replaced) = Self.fractionsAsStrings(received)
            } else {
                var path: [PathComponent] = []
                let patched = Self.replacingFractions(tree, keeping: keep, path: &path, replaced: &replaced)
                guard let written = try? JSONSerialization.data(withJSONObject: patched, options: [.fragmentsAllowed]) else { break }
                data = written
            }
            guard replaced > 0 else { break }
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
        /// Keys seen, over every object.
        var keys = 0

        /// The value with its strings normalised, or `nil` when nothing in it changed (so a large
        /// body is not copied to be checked).
        mutating func visit(_ value: Any) -> Any? {
            switch value {
            case is NSNumber, is NSNull:
                // Most of a large body; the casts below are dear.
                return nil
            case let object as [String: Any]:
                var result: [String: Any]? = nil
                keys += object.count
                for (key, child) in object {
                    path.append(.key(key))
                    defer { path.removeLast() }
                    if case .failure(let refusal) = UntrustedText.accepted(key, multiline: false) {
                        errors.append(FieldError(field: Self.printable(field), message: "is not a field name: its name " + refusal.message))
                        continue
                    }
                    if let replacement = visit(child) {
                        if result == nil { result = object }
                        result?[key] = replacement
                    }
                }
                return result
            case let array as [Any]:
                var result: [Any]? = nil
                for (index, child) in array.enumerated() where !(child is NSNumber) {
                    path.append(.index(index))
                    if let replacement = visit(child) {
                        if result == nil { result = array }
                        result?[index] = replacement
                    }
                    path.removeLast()
                }
                return result
            case let text as String:
                switch UntrustedText.accepted(text, multiline: allowsSeveralLines) {
                case .success(let accepted):
                    // Compared by bytes: `==` on strings holds for canonically equivalent ones.
                    return accepted.utf8.elementsEqual(text.utf8) ? nil : accepted
                case .failure(let refusal):
                    errors.append(FieldError(field: field, message: refusal.message))
                    return nil
                }
            default:
                return nil
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

    /// What one pass over a body's bytes tells before it is parsed.
    struct Shape {
        /// The deepest nesting of arrays and objects (the parser recurses, so this is checked first).
        var depth = 0
        /// Object keys, over every object (a `:` outside strings).
        var keys = 0
        /// Whether every string is printable ASCII without escapes.
        var plain = true
        /// Whether some object names a key twice, compared as written (exact when `plain`).
        var repeatsKey = false
    }

    static func shape(of body: Data) -> Shape {
        body.withUnsafeBytes { bytes in
            var shape = Shape()
            var depth = 0
            var inString = false
            var escaped = false
            var stringStart = 0
            var lastString = 0..<0
            // The keys of each open object (`nil` for an array).
            var objects: [Set<[UInt8]>?] = []
            for index in bytes.indices {
                let byte = bytes[index]
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == 0x5C {  // \
                        escaped = true
                        shape.plain = false
                    } else if byte == 0x22 {  // "
                        inString = false
                        lastString = stringStart..<index
                    } else if byte >= 0x7F {
                        shape.plain = false
                    }
                    continue
                }
                switch byte {
                case 0x22:
                    inString = true
                    stringStart = index + 1
                case 0x5B, 0x7B:  // [ {
                    depth += 1
                    shape.depth = max(shape.depth, depth)
                    if shape.depth > maximumDepth { return shape }
                    objects.append(byte == 0x7B ? [] : nil)
                case 0x5D, 0x7D:  // ] }
                    depth -= 1
                    if !objects.isEmpty { objects.removeLast() }
                case 0x3A:  // :
                    shape.keys += 1
                    if !objects.isEmpty, objects[objects.count - 1] != nil,
                        objects[objects.count - 1]?.insert(Array(bytes[lastString])).inserted == false
                    {
                        shape.repeatsKey = true
                    }
                default: break
                }
            }
            return shape
        }
    }

    /// The body with every number token that is not a whole `Int64` (a fraction, an exponent, or
    /// too many digits) written as a string instead, in one pass over its bytes; and how many.
    static func fractionsAsStrings(_ body: Data) -> (Data, Int) {
        body.withUnsafeBytes { bytes in
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count + bytes.count / 2)
            let placeholder = Array(#""not a whole number""#.utf8)
            var replaced = 0
            var inString = false
            var escaped = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                    result.append(byte)
                    index += 1
                    continue
                }
                guard byte == 0x2D || (0x30...0x39).contains(byte) else {  // - or a digit
                    if byte == 0x22 { inString = true }
                    result.append(byte)
                    index += 1
                    continue
                }
                var end = index
                var fraction = false
                scan: while end < bytes.count {
                    switch bytes[end] {
                    case 0x30...0x39, 0x2D, 0x2B: break  // digits - +
                    case 0x2E, 0x65, 0x45: fraction = true  // . e E
                    default: break scan
                    }
                    end += 1
                }
                let token = UnsafeRawBufferPointer(rebasing: bytes[index..<end])
                // 18 digits always fit; longer ones are parsed to be sure.
                if !fraction && (token.count <= 18 || Int64(String(decoding: token, as: UTF8.self)) != nil) {
                    result.append(contentsOf: token)
                } else {
                    result.append(contentsOf: placeholder)
                    replaced += 1
                }
                index = end
            }
            return (Data(result), replaced)
        }
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
