import Hummingbird
import MarketCore
import MarketStore

/// Reads `Idempotency-Key` on authenticated POSTs and fingerprints the request (method, path,
/// body). The key goes into the context; the store checks and records it in the same transaction
/// as the action it guards (`AppDatabase.write(as:idempotency:_:)`).
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        var request = request
        var context = context
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var material = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        material += body.readableBytesView
        context.idempotencyKey = try IdempotencyKey(key: key, fingerprint: Digest.sha256Hex(material))
        return try await next(request, context)
    }
}
