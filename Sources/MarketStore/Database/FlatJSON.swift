/// A JSON object of strings with its keys sorted, written without Foundation's encoder: every
/// change writes one or two (audit details, outbox payloads) in its own transaction, so it is
/// on the path of every write, and of each invoice of an invoicing run.
enum FlatJSON {
    static func object(_ fields: [String: String]) -> String {
        var json = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            append(key, to: &json)
            json += ":"
            append(fields[key] ?? "", to: &json)
        }
        return json + "}"
    }

    /// `text` as a JSON string (RFC 8259: quote, backslash and control characters escaped).
    private static func append(_ text: String, to json: inout String) {
        json += "\""
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            json += text
            json += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
