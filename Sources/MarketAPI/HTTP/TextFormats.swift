import Foundation
import Hummingbird

/// Text escaped for HTML (and XML) element content and attribute values.
enum HTML {
    static func escape(_ text: String) -> String {
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

    /// A complete `text/html` answer.
    static func response(_ page: String) -> Response { textResponse(page, contentType: "text/html; charset=utf-8") }
}

/// RFC 4180 CSV that a spreadsheet opens as data: every field quoted, quotes doubled, CRLF line
/// ends, and a field a spreadsheet would read as a formula (`= + - @`, tab or CR first) prefixed
/// with `'` so that it stays text.
enum CSV {
    static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    /// A complete `text/csv` answer, offered for download as `filename`.
    static func response(header: [String], rows: [[String]], filename: String) -> Response {
        var text = row(header)
        for fields in rows { text += row(fields) }
        return textResponse(
            text, contentType: "text/csv; charset=utf-8; header=present",
            headers: [.contentDisposition: "attachment; filename=\"\(filename)\""])
    }
}

/// XML documents (the UBL e-invoices).
enum XML {
    /// A complete `application/xml` answer.
    static func response(_ document: String) -> Response { textResponse(document, contentType: "application/xml; charset=utf-8") }
}

/// A complete 200 answer of `text` as `contentType`, with its length.
private func textResponse(_ text: String, contentType: String, headers extra: HTTPFields = [:]) -> Response {
    let buffer = ByteBuffer(string: text)
    var headers = extra
    headers[.contentType] = contentType
    headers[.contentLength] = String(buffer.readableBytes)
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
}
