import Foundation
import Hummingbird
import MarketCore

enum RequestLimits {
    /// The largest request body accepted: 1 MiB.
    static var maximumBodySize: Int { 1 << 20 }
}

/// Refuses bodies over 1 MiB (413), non-JSON bodies (415) and query parameters that break
/// `UntrustedText`'s rule (422 naming the parameter) before any handler runs. (A JSON body's text
/// is checked when it is decoded, by `UntrustedJSON`.)
///
/// Postcondition: a request that passes has its query parameters in NFC, its body collected in
/// memory (so later middleware and the handler can read it again) and, if non-empty, labelled as JSON.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = try Self.acceptingQuery(request)
        guard [.post, .put, .patch, .delete].contains(request.method) else {
            return try await next(request, context)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > RequestLimits.maximumBodySize {
            throw HTTPProblem.bodyTooLarge
        }
        let body = try await request.collectBody(upTo: RequestLimits.maximumBodySize)
        if body.readableBytes > 0 {
            let contentType = request.headers[.contentType]
            guard let contentType, Self.isJSON(contentType) else {
                throw HTTPProblem.unsupportedMediaType(contentType)
            }
        }
        return try await next(request, context)
    }

    /// The request with its query parameters checked by `UntrustedText` (single lines) and, when
    /// one was not in NFC, written again in NFC.
    static func acceptingQuery(_ request: Request) throws -> Request {
        guard let query = request.uri.query, !query.isEmpty else { return request }
        var validator = Validator()
        var normalised: [(name: String, value: String)] = []
        var changed = false
        for (name, value) in request.uri.queryParameters {
            // Values arrive percent-decoded; names as sent.
            let name = String(name).removingPercentEncoding ?? String(name), value = String(value)
            switch (UntrustedText.accepted(name, multiline: false), UntrustedText.accepted(value, multiline: false)) {
            case (.failure(let refusal), _):
                validator.add("query", "a parameter's name " + refusal.message)
            case (.success, .failure(let refusal)):
                validator.add(name, refusal.message)
            case (.success(let acceptedName), .success(let acceptedValue)):
                changed = changed || acceptedName != name || acceptedValue != value
                    || acceptedName.utf8.count != name.utf8.count || acceptedValue.utf8.count != value.utf8.count
                normalised.append((acceptedName, acceptedValue))
            }
        }
        try validator.throwIfInvalid()
        guard changed else { return request }
        let encoded = normalised.map { Self.percentEncoded($0.name) + "=" + Self.percentEncoded($0.value) }.joined(separator: "&")
        var head = request.head
        head.path = request.uri.path + "?" + encoded
        return Request(head: head, body: request.body)
    }

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? text
    }

    /// `application/json` or any `application/*+json`, with or without parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}

extension CharacterSet {
    /// What may stand unescaped in a query parameter's name or value.
    static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))
}
