/// Text escaped for HTML (and XML 1.0) element content and attribute values.
///
/// Whatever the text, the result is valid XML character data: the five markup characters become
/// references, and any scalar that `UntrustedText` refuses (control characters, bidirectional
/// controls) or that XML 1.0 forbids (U+FFFE, U+FFFF) becomes U+FFFD, visible where it stood,
/// so text stored before the edge rule existed can neither break a file nor read as something else.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(PrintableText.replacing(scalar))
            }
        }
        return String(escaped)
    }
}

/// Text as a file writer may put it anywhere: scalars `UntrustedText` refuses, and the two
/// noncharacters XML forbids, replaced by U+FFFD; newline and tab kept.
public enum PrintableText {
    public static func replacing(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value == 0xFFFE || scalar.value == 0xFFFF { return "\u{FFFD}" }
        return UntrustedText.reason(refusing: scalar, multiline: true) == nil ? scalar : "\u{FFFD}"
    }

    public static func of(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map(replacing)))
    }

    /// At most `length` scalars (as XML schemas count characters), and at least one: an empty
    /// text becomes `-`.
    public static func prefix(_ text: String, scalars length: Int) -> String {
        let kept = String(String.UnicodeScalarView(text.unicodeScalars.prefix(length)))
        return kept.isEmpty ? "-" : kept
    }
}

/// RFC 4180 CSV that a spreadsheet opens as data: every field quoted, quotes doubled, CRLF line
/// ends, a field a spreadsheet would read as a formula (`= + - @`, tab or CR first) prefixed
/// with `'` so that it stays text, and control characters replaced as `PrintableText` does.
public enum CSV {
    public static func field(_ value: String) -> String {
        var text = PrintableText.of(value)
        // Scalars, not characters: a quote or `=` followed by a combining mark is still a quote or
        // `=` to a CSV reader.
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPlainNumber(text) {
            text = "'" + text
        }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// A negative number such as `-12.5` is data, not a formula: it is written as it is.
    static func isPlainNumber(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst(text.hasPrefix("-") ? 1 : 0)
        let parts = digits.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (48...57).contains($0) } }
    }

    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    /// A whole CSV text: the header row, then each row.
    public static func text(header: [String], rows: [[String]]) -> String {
        var text = row(header)
        for fields in rows { text += row(fields) }
        return text
    }
}
