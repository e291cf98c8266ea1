/// JSON written without Foundation's encoder, for what is on the path of every write: objects of
/// strings with sorted keys (audit details, outbox payloads; one or two per change, and per
/// invoice of an invoicing run) and string literals (also the catalogue's arrays).
import MarketCore

enum FlatJSON {
    static func object(_ fields: [String: String]) -> String {
        var json = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            json += string(key)
            json += ":"
            json += string(fields[key] ?? "")
        }
        return json + "}"
    }

    /// A typed object (an event's payload): integers and booleans bare, keys sorted.
    static func payload(_ fields: EventPayload) -> String {
        var json = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            json += string(key)
            json += ":"
            switch fields[key] {
            case .string(let text): json += string(text)
            case .integer(let number): json += String(number)
            case .boolean(let flag): json += flag ? "true" : "false"
            case nil: json += "null"
            }
        }
        return json + "}"
    }

    /// `text` as a JSON string literal (RFC 8259: quote, backslash and control characters escaped).
    static func string(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var json = "\""
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
        return json + "\""
    }
}
