import Foundation
import Hummingbird
import Logging

/// Outermost middleware: gives every response an `X-Request-Id` (the client's, if it sent a sane
/// one) and writes one access-log line per request (method, path, status, duration, the caller's
/// role). Never logs bodies, tokens or query strings.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let incoming = request.headers[.requestID], Self.isAcceptableRequestID(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let requestID = context.id
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = requestID
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.inSeconds * 1000
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.path": .string(request.uri.path),
                "http.status": .stringConvertible(response.status.code),
                "http.duration_ms": .string(String(format: "%.2f", milliseconds)),
                "user.role": .string(context.accessLog.role?.rawValue ?? "anonymous"),
            ])
        return response
    }

    /// Up to 64 characters of letters, digits, `-`, `_` and `.`; anything else is replaced.
    static func isAcceptableRequestID(_ id: String) -> Bool {
        (1...64).contains(id.count)
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }
}
