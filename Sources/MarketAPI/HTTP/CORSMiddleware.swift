import HTTPTypes
import Hummingbird

/// Cross-origin access for the web apps (the citizen app, the provider portal, the council back
/// office), each on its own origin.
///
/// - An origin in `allowedOrigins` (`SUPPORTMARKET_CORS_ORIGINS`) may call everything, with a
///   bearer token: its own origin is echoed back.
/// - Any other origin may read what anyone may read: a `GET` or `HEAD` without `Authorization`
///   answers `Access-Control-Allow-Origin: *`. A request with a token from such an origin gets no
///   CORS headers, so the browser never shows it what a signed-in caller sees.
/// - A preflight (`OPTIONS` with `Access-Control-Request-Method`) on a routed path answers 204
///   with the methods and headers that origin may use, never 405; on an unknown path, 404.
///
/// Sits outside the problem middleware, so error documents carry the headers too.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let routes: RouteTable

    static var requestHeaders: String { "Authorization, Content-Type, Idempotency-Key" }
    static var exposedHeaders: String { "Location, Retry-After, X-Request-Id, Allow, Idempotent-Replayed" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let trusted = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return preflight(path: request.uri.path, origin: origin, trusted: trusted)
        }
        var response = try await next(request, context)
        if trusted {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[values: .vary].append("Origin")
        } else if request.method == .get || request.method == .head, request.headers[.authorization] == nil {
            response.headers[.accessControlAllowOrigin] = "*"
        } else {
            return response
        }
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        return response
    }

    private func preflight(path: String, origin: String, trusted: Bool) -> Response {
        let routed = routes.allowedMethods(for: path)
        guard !routed.isEmpty else {
            return ProblemResponse(HTTPProblem.routeNotFound).response(requestID: nil)
        }
        var headers: HTTPFields = [:]
        var methods = routed
        if trusted {
            headers[.accessControlAllowOrigin] = origin
            headers[.vary] = "Origin"
            headers[.accessControlAllowHeaders] = Self.requestHeaders
        } else {
            methods = routed.filter { $0 == .get || $0 == .head }
            headers[.accessControlAllowOrigin] = "*"
            headers[.accessControlAllowHeaders] = "Content-Type"
        }
        headers[.accessControlAllowMethods] = (methods + [.options]).map(\.rawValue).joined(separator: ", ")
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }
}
