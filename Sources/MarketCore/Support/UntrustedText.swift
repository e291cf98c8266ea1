import Foundation

/// The one rule for text that arrives from outside (every string of every JSON body, and every
/// query parameter), applied at the edge before any handler sees it.
///
/// Accepted text is valid Unicode (Swift strings always are), holds no control character (C0,
/// DEL, C1, and so no NUL) except newline and tab in fields that allow several lines, and no
/// bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which make a
/// name read differently from what it is. What passes is normalised to NFC, so that the same
/// name typed on two keyboards is the same bytes in the database, a bank file and a search index.
/// Lengths are counted in Unicode scalars (`scalarLength`), the unit every writer and store sees.
public enum UntrustedText {
    /// The most scalars any one string may hold, whatever its field; each field's own rule is
    /// usually far stricter.
    public static let maximumLength = 20_000

    /// Field names (a JSON key's last part, in snake_case) whose text may run over several lines:
    /// newline and tab are allowed in them, and a CR LF pair is read as a newline.
    public static let multilineFields: Set<String> = [
        "description", "summary", "detail", "details", "reason", "note", "notes", "comment", "reply", "text",
        "opening_times", "conditions", "message", "body", "response", "outcome", "accessibility",
    ]

    /// The accepted form of `text`, or why it is refused. Where several lines are allowed a CR LF
    /// pair is read as a newline; what is accepted is returned in NFC.
    public static func accepted(_ text: String, multiline: Bool) -> Result<String, Refusal> {
        let text = multiline && text.utf8.contains(13) ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        var length = 0
        for scalar in text.unicodeScalars {
            length += 1
            if let reason = reason(refusing: scalar, multiline: multiline) { return .failure(Refusal(message: reason)) }
        }
        if length > maximumLength { return .failure(Refusal(message: "must be at most \(maximumLength) characters")) }
        // Pure ASCII is already in NFC; most text is, and skips the work.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return .success(text) }
        return .success(text.precomposedStringWithCanonicalMapping)
    }

    public struct Refusal: Error, Equatable, Sendable {
        public let message: String
    }

    /// Whether a field named `field` (a path such as `lines[0].description`) allows several lines.
    public static func allowsSeveralLines(_ field: String) -> Bool {
        let last = field.split(whereSeparator: { $0 == "." || $0 == "[" }).last.map(String.init) ?? field
        return multilineFields.contains(last)
    }

    /// Why one scalar is refused, or `nil`.
    static func reason(refusing scalar: Unicode.Scalar, multiline: Bool) -> String? {
        switch scalar.value {
        case 0x00: return "must not contain a NUL character"
        case 0x0A, 0x09: return multiline ? nil : "must be a single line (no newline or tab)"
        case 0x00...0x1F, 0x7F...0x9F:
            return "must not contain control characters (U+\(hex(scalar)))"
        case 0x202A...0x202E, 0x2066...0x2069:
            return "must not contain bidirectional embeddings, overrides or isolates (U+\(hex(scalar)))"
        case 0x2028, 0x2029: return multiline ? nil : "must be a single line (no line or paragraph separator)"
        default: return nil
        }
    }

    /// Whether `text` would pass `problem(in:multiline:)` with several lines allowed: for checks
    /// of text already stored, before it reaches a file.
    public static func isSafe(_ text: String, multiline: Bool = false) -> Bool {
        text.unicodeScalars.allSatisfy { reason(refusing: $0, multiline: multiline) == nil }
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// The length rules count: Unicode scalars, as stored and as every file writer sees them.
    public var scalarLength: Int { unicodeScalars.count }
}
