import Foundation
import Hummingbird
import MarketCore

extension HTML {
    /// A complete `text/html` answer.
    static func response(_ page: String) -> Response { textResponse(page, contentType: "text/html; charset=utf-8") }
}

extension CSV {
    /// A complete `text/csv` answer, offered for download as `filename`.
    static func response(header: [String], rows: [[String]], filename: String) -> Response {
        textResponse(
            text(header: header, rows: rows), contentType: "text/csv; charset=utf-8; header=present",
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
