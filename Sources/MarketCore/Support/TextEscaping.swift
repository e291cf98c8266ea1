/// Text escaped for HTML (and XML) element content and attribute values.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// RFC 4180 CSV that a spreadsheet opens as data: every field quoted, quotes doubled, CRLF line
/// ends, and a field a spreadsheet would read as a formula (`= + - @`, tab or CR first) prefixed
/// with `'` so that it stays text.
public enum CSV {
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first), !isPlainNumber(text) { text = "'" + text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
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
