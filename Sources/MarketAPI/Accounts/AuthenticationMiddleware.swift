import Hummingbird
import MarketCore
import MarketStore

/// Resolves `Authorization: Bearer <token>` to a principal. No header leaves the request
/// anonymous (public routes still answer); a malformed header or a bad token is a 401.
/// `/metrics` is left alone: its bearer token is the operator's, not a user's. A valid token
/// then passes `SessionGate`: a session that has not passed (or enrolled) the second factor its
/// account needs reaches only the routes that complete it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenStore

    static let maximumTokenLength = 512

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], !SystemController.isMetricsPath(request.uri.path) else {
            return try await next(request, context)
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            !parts[1].isEmpty, parts[1].count <= Self.maximumTokenLength
        else { throw HTTPProblem.malformedAuthorization }
        var context = context
        let authentication = try await tokens.authenticate(token: String(parts[1]))
        try SessionGate.check(authentication, route: SessionGate.route(request.method, context.endpointPath))
        context.authentication = authentication
        context.accessLog.role = authentication.principal.role
        context.logger[metadataKey: "user.id"] = .string(authentication.principal.userID.rawValue)
        return try await next(request, context)
    }
}
