import Foundation
import HummingbirdTesting
import Logging
import MarketAPI
import Testing

/// Collects log records in memory, for tests that read what the service logged.
final class LogCapture: @unchecked Sendable {
    struct Record: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Record] = []

    var records: [Record] { lock.withLock { stored } }

    func append(_ record: Record) { lock.withLock { stored.append(record) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(Record(message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

@Suite("Access log")
struct AccessLogTests {
    /// One line per request with its method, path, status and the caller's role; never a token.
    @Test func eachRequestIsLoggedWithTheCallersRoleAndNoSecrets() async throws {
        let market = try await TestMarket.make()
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in LogCapture.Handler(capture: capture) }
        let app = buildApplication(configuration: TestMarket.configuration, services: market.services, logger: logger)
        let token = try await app.test(.router) { raw in
            let client = Client(client: raw, market: market)
            _ = try await client.send(.get, "/v1/categories")
            let token = try await client.login("holder@demo.test")
            _ = try await client.me(token)
            return token
        }
        let lines = capture.records.filter { $0.message == "request" }
        let categories = try #require(lines.first { $0.metadata["http.path"] == "/v1/categories" })
        #expect(categories.metadata["user.role"] == "anonymous")
        #expect(categories.metadata["http.status"] == "200")
        #expect(categories.metadata["http.method"] == "GET")
        let me = try #require(lines.first { $0.metadata["http.path"] == "/v1/me" })
        #expect(me.metadata["user.role"] == "budget_holder")
        #expect(!capture.records.contains { record in record.metadata.values.contains { $0.contains(token) } })
    }
}
