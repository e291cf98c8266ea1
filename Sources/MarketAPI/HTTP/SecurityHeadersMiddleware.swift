import HTTPTypes
import Hummingbird

/// The headers every answer carries for the browser's sake, set in one place:
/// - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer;
/// - `Cache-Control: no-store` on every answer to a request with a bearer token (what one person
///   sees must not sit in a shared or browser cache), unless the handler chose otherwise;
/// - a Content Security Policy on every HTML page (invoices, remittances, reports): no scripts,
///   no outside resources, inline styles and data images only, never framed.
///
/// Sits outside the problem middleware, so error documents carry the headers too.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if request.headers[.authorization] != nil, response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        if response.headers[.contentType]?.lowercased().hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        return response
    }
}
