import Hummingbird
import Logging
import MarketCore

/// Turns every failure below it into an RFC 9457 problem document. Unexpected errors are logged
/// at `.error` with the request id and answered with a bland 500; no stack trace leaves the server.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var error = error
            if let httpError = error as? HTTPError, httpError.status == .notFound {
                // The router answers 404 both for unknown paths and for known paths with another method.
                let allowed = routes.allowedMethods(for: request.uri.path)
                error = allowed.isEmpty ? HTTPProblem.routeNotFound : HTTPProblem.methodNotAllowed(allowed: allowed)
            }
            let problem = ProblemResponse(error)
            if problem.status == .internalServerError {
                context.logger.error(
                    "unexpected error",
                    metadata: ["error.type": "\(String(reflecting: type(of: error)))", "error.message": "\(error)"])
            }
            return problem.response(requestID: context.id)
        }
    }
}
