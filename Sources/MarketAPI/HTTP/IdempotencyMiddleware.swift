import Foundation
import Hummingbird
import MarketCore
import MarketStore
import Synchronization

/// Reads `Idempotency-Key` on authenticated POSTs and fingerprints the request (method, path,
/// body). The key goes into the context; the store checks and records it in the same transaction
/// as the action it guards (`AppDatabase.write(as:idempotency:_:)`), which is what makes a retry
/// never act twice, across restarts too.
///
/// While the first request with a key is running, a second with the same caller and key is
/// refused at once with 409 `idempotency-key-in-use` (`InFlightKeys`), rather than queueing
/// behind it for the writer: the client learns the first is still being processed.
///
/// A retry is answered with the first request's answer exactly (`IdempotencyStore`), marked
/// `Idempotent-Replayed: true`; the first answer is kept once its action has stored the key.
/// Where no answer was kept (longer than `StoredAnswer.maximumBodySize`, or the process stopped
/// between the two), the store replays its result and the answer is marked all the same.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let inFlight = InFlightKeys()
    let replays: IdempotencyStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        var request = request
        var context = context
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var material = Data("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        material += Self.canonical(Data(body.readableBytesView))
        let idempotency = try IdempotencyKey(key: key, fingerprint: Digest.sha256Hex(material))
        context.idempotencyKey = idempotency
        guard let caller = context.authentication?.principal.userID else { return try await next(request, context) }
        let claim = "\(caller.rawValue) \(idempotency.key)"
        guard inFlight.claim(claim) else { throw MarketError.idempotencyKeyInUse }
        defer { inFlight.release(claim) }
        switch try await replays.replay(of: idempotency, caller: caller) {
        case .answer(let stored):
            var headers: HTTPFields = [.idempotentReplayed: "true"]
            headers[.contentType] = stored.contentType
            headers[.location] = stored.location
            return Response(status: HTTPResponse.Status(code: stored.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .result:
            var response = try await next(request, context)
            response.headers[.idempotentReplayed] = "true"
            return response
        case .none:
            var response = try await next(request, context)
            // Only a whole answer of known, small length is kept; a streamed one is replayed from the result.
            guard (200...299).contains(response.status.code), let length = response.body.contentLength,
                length <= StoredAnswer.maximumBodySize
            else { return response }
            let body = try await Self.collect(response.body)
            response.body = ResponseBody(byteBuffer: body)
            let answer = StoredAnswer(
                status: response.status.code, contentType: response.headers[.contentType], location: response.headers[.location],
                body: Data(body.readableBytesView))
            do {
                try await replays.keep(answer, for: idempotency, caller: caller)
            } catch {
                // The action is stored whatever happens here: a retry replays its result instead.
                context.logger.warning("an idempotent answer was not kept", metadata: ["error": "\(error)"])
            }
            return response
        }
    }

    /// The whole of a response body (JSON of at most `StoredAnswer.maximumBodySize` bytes).
    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collector = BodyCollector()
        try await body.write(collector)
        return collector.buffer
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

/// The (caller, key) pairs whose first request is still running. In memory, because one process
/// serves the database: every request that could race with another passes through here.
///
/// Thread-safety: the set is behind a `Mutex`.
final class InFlightKeys: Sendable {
    private let claims = Mutex<Set<String>>([])

    /// Claims `key`; `false` if it is claimed already.
    func claim(_ key: String) -> Bool { claims.withLock { $0.insert(key).inserted } }

    func release(_ key: String) { _ = claims.withLock { $0.remove(key) } }
}

/// A response body writer that keeps what is written, for `IdempotencyMiddleware.collect`.
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
