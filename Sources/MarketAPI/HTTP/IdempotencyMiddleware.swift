import Foundation
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
        var material = Data("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        material += Self.canonical(Data(body.readableBytesView))
        context.idempotencyKey = try IdempotencyKey(key: key, fingerprint: Digest.sha256Hex(material))
        return try await next(request, context)
    }

    /// JSON re-serialised with sorted keys, so that the same object with its keys in another order
    /// counts as the same body; anything else as sent.
    static func canonical(_ body: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
            let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        else { return body }
        return canonical
    }
}
