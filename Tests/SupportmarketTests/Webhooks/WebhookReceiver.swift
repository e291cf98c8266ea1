import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// A webhook receiver on 127.0.0.1 for tests: a real Hummingbird server that records every
/// request (headers and body) by path and answers as its script says (statuses in turn, then
/// the last one; optionally after a delay).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let path: String
        let headers: HTTPFields
        let body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var type: String? { json["type"] as? String }
        var webhookID: String? { headers[HTTPField.Name("webhook-id")!] }
        var signature: String? { headers[HTTPField.Name("webhook-signature")!] }
        var timestamp: Int64? { headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int64($0) } }
    }

    struct Script: Sendable {
        var statuses: [Int] = [200]
        var delay: Duration = .zero
    }

    private actor Log {
        var received: [Received] = []
        var scripts: [String: Script] = [:]
        var answered: [String: Int] = [:]

        func record(_ request: Received) -> (status: Int, delay: Duration) {
            received.append(request)
            let script = scripts[request.path] ?? Script()
            let count = answered[request.path, default: 0]
            answered[request.path] = count + 1
            return (script.statuses[min(count, script.statuses.count - 1)], script.delay)
        }

        func set(_ script: Script, for path: String) { scripts[path] = script }
    }

    private let log: Log
    let port: Int

    private init(log: Log, port: Int) {
        self.log = log
        self.port = port
    }

    /// Starts a receiver and runs `body` with it; the server stops afterwards.
    static func with<Value: Sendable>(_ body: @Sendable (WebhookReceiver) async throws -> Value) async throws -> Value {
        let log = Log()
        let router = Router()
        router.post("**") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let (status, delay) = await log.record(Received(path: request.uri.path, headers: request.headers, body: Data(buffer: bytes)))
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(status: HTTPResponse.Status(code: status), body: .init(byteBuffer: ByteBuffer(string: "answered \(status)")))
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports = portStream.makeAsyncIterator()
            let port = await ports.next() ?? 0
            let receiver = WebhookReceiver(log: log, port: port)
            do {
                let value = try await body(receiver)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func script(_ path: String, _ script: Script) async { await log.set(script, for: path) }

    func received(_ path: String) async -> [Received] { await log.received.filter { $0.path == path } }

    /// Waits (at most `seconds`) until `path` has received `count` requests matching `where`.
    @discardableResult
    func await(
        _ count: Int, at path: String, seconds: Double = 10, where matches: @Sendable (Received) -> Bool = { _ in true }
    ) async throws -> [Received] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        while true {
            let found = await received(path).filter(matches)
            if found.count >= count || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
