import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import MarketAPI
import MarketCore
import MarketStore
import Testing

/// The repository's root, for `catalogue/`, `seed-data/` and `openapi.yaml`.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A real service on a real SQLite file (WAL) in a temporary folder, seeded with the demo market,
/// with a clock that tests move by hand. bcrypt runs at its minimum cost to keep tests quick.
final class TestMarket: Sendable {
    let database: AppDatabase
    let services: AppServices
    let clock: ManualWallClock
    let directory: URL

    static let demoPassword = "supportmarket-demo"

    static func make(
        seedDemo: Bool = true, seedCatalogue: Bool = false, seedBudgets: Bool = false, seedPayments: Bool = false,
        configure: (inout AppConfiguration) -> Void = { _ in }
    ) async throws -> TestMarket {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supportmarket-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualWallClock()
        let database = try AppDatabase.open(path: directory.appendingPathComponent("market.sqlite").path, clock: clock)
        try database.migrate()
        var configuration = Self.configuration
        configure(&configuration)
        let services = try AppServices(configuration: configuration, database: database)
        if seedDemo {
            // Community resources and (unless asked for) offerings and budgets are left out, so
            // that those tests start from empty catalogues and ledgers.
            _ = try await DemoSeed(database: database, taxonomy: services.taxonomy, accounts: services.accounts).load(
                from: repositoryRoot.appendingPathComponent("seed-data/demo.json"), includingCommunity: false,
                includingCatalogue: seedCatalogue, includingBudgets: seedBudgets, includingPayments: seedPayments)
        }
        return TestMarket(database: database, services: services, clock: clock, directory: directory)
    }

    private init(database: AppDatabase, services: AppServices, clock: ManualWallClock, directory: URL) {
        self.database = database
        self.services = services
        self.clock = clock
        self.directory = directory
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    static var configuration: AppConfiguration {
        var configuration = AppConfiguration()
        configuration.catalogueDirectory = repositoryRoot.appendingPathComponent("catalogue").path
        configuration.openAPIPath = repositoryRoot.appendingPathComponent("openapi.yaml").path
        configuration.bcryptCost = 4
        // Payment tests verify bank details and pay on one day; SecondPersonTests holds them.
        configuration.newBankDetailsHoldDays = 0
        // Tests that move the clock by weeks (deliveries week by week) keep their tokens.
        configuration.login.tokenLifetime = 60 * 86_400
        configuration.corsOrigins = [CORSTests.trustedOrigin]
        // Webhook receivers in tests listen on loopback only.
        configuration.webhookAllowHosts = ["127.0.0.1"]
        configuration.port = 0
        return configuration
    }

    var application: some ApplicationProtocol { application { _ in } }

    /// The application with the test configuration changed by `adjust`.
    func application(_ adjust: (inout AppConfiguration) -> Void) -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var configuration = Self.configuration
        adjust(&configuration)
        return buildApplication(configuration: configuration, services: services, logger: logger)
    }

    /// Runs `body` against the real router and middleware stack, in process.
    func test<Value>(_ body: @escaping @Sendable (Client) async throws -> Value) async throws -> Value {
        try await application.test(.router) { client in try await body(Client(client: client)) }
    }
}

/// Runs a command found on `PATH`; returns its exit status and its output and errors together.
func runCommand(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Request helpers that read like the API.
struct Client: Sendable {
    let client: any TestClientProtocol

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data

        /// The body as a JSON object; fails the test if it is not one.
        var json: [String: any Sendable] {
            get throws {
                let object = try JSONSerialization.jsonObject(with: body)
                return try #require(object as? [String: any Sendable], "body is not a JSON object: \(text)")
            }
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        func string(_ key: String) throws -> String? { try json[key] as? String }

        /// The problem document's `type` slug, after the common base.
        var problemType: String? {
            (try? json["type"] as? String)?.replacingOccurrences(of: "https://supportmarket.org.uk/problems/", with: "")
        }

        /// The `field`s named in a problem document's `errors`.
        var problemFields: [String] {
            ((try? json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
        }

        var items: [[String: any Sendable]] {
            get throws { try #require(try json["items"] as? [[String: any Sendable]]) }
        }
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: [String: any Sendable]? = nil,
        headers extra: HTTPFields = [:], rawBody: ByteBuffer? = nil
    ) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body = rawBody
        if let json {
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Answer(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }

    /// Logs in a demo account and returns its bearer token.
    func login(_ email: String, password: String = TestMarket.demoPassword) async throws -> String {
        let answer = try await send(.post, "/v1/auth/tokens", json: ["email": email, "password": password])
        try #require(answer.status == .created, "login of \(email) answered \(answer.status): \(answer.text)")
        return try #require(try answer.string("token"))
    }

    /// The caller's `/v1/me`.
    func me(_ token: String) async throws -> [String: any Sendable] {
        try await send(.get, "/v1/me", token: token).json
    }
}
