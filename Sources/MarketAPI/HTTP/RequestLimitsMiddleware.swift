import Hummingbird

enum RequestLimits {
    /// The largest request body accepted: 1 MiB.
    static var maximumBodySize: Int { 1 << 20 }
}

/// Refuses bodies over 1 MiB (413) and non-JSON bodies (415) before any handler runs.
///
/// Postcondition: a request that passes has its body collected in memory (so later middleware and
/// the handler can read it again) and, if non-empty, labelled as JSON.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method) else {
            return try await next(request, context)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > RequestLimits.maximumBodySize {
            throw HTTPProblem.bodyTooLarge
        }
        var request = request
        let body = try await request.collectBody(upTo: RequestLimits.maximumBodySize)
        if body.readableBytes > 0 {
            let contentType = request.headers[.contentType]
            guard let contentType, Self.isJSON(contentType) else {
                throw HTTPProblem.unsupportedMediaType(contentType)
            }
        }
        return try await next(request, context)
    }

    /// `application/json` or any `application/*+json`, with or without parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
