import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import MarketAPI
import MarketCore
import MarketStore
import Synchronization
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
        // …and new accounts confirm at once; SecondPersonTests hold them to the cooling-off.
        configuration.newRoleCoolingOffDays = 0
        // Tests that move the clock by weeks (deliveries week by week, payments months later)
        // keep their tokens, their idle time and their second factor (a step-up lasts 60 days,
        // so that a test can still see one go stale); SecondFactorTests use the real limits.
        configuration.login.tokenLifetime = 120 * 86_400
        configuration.login.privilegedIdleTimeout = 120 * 86_400
        configuration.login.stepUpMaximumAge = 60 * 86_400
        configuration.corsOrigins = [CORSTests.trustedOrigin]
        // Webhook receivers in tests listen on loopback only.
        configuration.webhookAllowHosts = ["127.0.0.1"]
        configuration.port = 0
        // Mail tests send the outbox by hand (`MailDispatcher`), to a real SMTP server or a folder.
        configuration.mailDispatcher = false
        // Tests run invoicing through the API when they move the clock; the daily scheduler,
        // polling every 30 s, would otherwise race them to the same invoices under a loaded run.
        // InvoicingTests turns it on to test it.
        configuration.invoicingTime = nil
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
        try await application.test(.router) { client in try await body(Client(client: client, market: self)) }
    }
}

/// The TOTP secrets tests know: the demo's published ones and those of accounts a test enrolled.
final class SecondFactorSecrets: Sendable {
    static let shared = SecondFactorSecrets()
    private let secrets: Mutex<[String: String]>

    private init() {
        struct Demo: Decodable {
            struct User: Decodable { let email: String; let second_factor_secret: String? }
            let users: [User]
        }
        let data = (try? Data(contentsOf: repositoryRoot.appendingPathComponent("seed-data/demo.json"))) ?? Data()
        let demo = try? JSONDecoder().decode(Demo.self, from: data)
        secrets = Mutex(Dictionary(uniqueKeysWithValues: (demo?.users ?? []).compactMap { user in
            user.second_factor_secret.map { (user.email, $0) }
        }))
    }

    /// Enrolled secrets are kept per test market (its clock), since parallel tests reuse emails.
    func secret(of email: String, clock: ManualWallClock?) -> String? {
        secrets.withLock { $0[Self.key(email, clock)] ?? $0[email] }
    }

    func remember(_ secret: String, of email: String, clock: ManualWallClock?) {
        secrets.withLock { $0[Self.key(email, clock)] = secret }
    }

    private static func key(_ email: String, _ clock: ManualWallClock?) -> String {
        "\(email) \(clock.map { ObjectIdentifier($0).hashValue } ?? 0)"
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
    /// The market behind the server: its clock for one-time codes, its mail outbox for invitations.
    var market: TestMarket? = nil
    var clock: ManualWallClock? { market?.clock }

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

    /// Signs in and returns a bearer token that has done what its account needs to reach
    /// everything: for a demo account with a published secret, passed its second factor; for a
    /// new account whose role needs one, enrolled one (`enrolledSecret` remembers it).
    func login(_ email: String, password: String = TestMarket.demoPassword) async throws -> String {
        let answer = try await send(.post, "/v1/auth/tokens", json: ["email": email, "password": password])
        try #require(answer.status == .created, "login of \(email) answered \(answer.status): \(answer.text)")
        let token = try #require(try answer.string("token"))
        try await completeSecondFactor(token, email: email, assurance: try answer.string("assurance"))
        return token
    }

    /// Accepts the invitation last mailed to `email` with `password`: a session that has done
    /// what the account needs, as `login` answers.
    func acceptInvitation(of email: String, password: String = "a long enough password") async throws -> String {
        let secret = try await mailedSecret(to: email, kind: "invitation")
        let answer = try await send(.post, "/v1/invitations/\(secret)/accept", json: ["password": password])
        try #require(answer.status == .created, "accepting the invitation of \(email) answered \(answer.status): \(answer.text)")
        let token = try #require(try answer.string("token"))
        try await completeSecondFactor(token, email: email, assurance: try answer.string("assurance"))
        return token
    }

    /// The secret of the newest link of `kind` mailed to `email`, read from the market's mail outbox.
    func mailedSecret(to email: String, kind: String) async throws -> String {
        let market = try #require(market, "this Client does not know its market")
        let body = try await market.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM mail_outbox WHERE recipient = ? AND kind = ? ORDER BY id DESC LIMIT 1", arguments: [email, kind])
        }
        let text = try #require(body, "no \(kind) mail to \(email)")
        let match = try #require(text.firstMatch(of: /sm[ir]_[A-Za-z0-9_-]{43}/), "no link in: \(text)")
        return String(match.output)
    }

    /// Steps up (a known secret) or enrols (remembering the new secret), as `assurance` asks.
    private func completeSecondFactor(_ token: String, email: String, assurance: String?) async throws {
        switch assurance {
        case "second_factor_required":
            let secret = try #require(
                SecondFactorSecrets.shared.secret(of: email, clock: clock), "\(email) has a second factor this test does not know")
            try await passSecondFactor(token, secret: secret, path: "/v1/auth/step-up")
        case "enrolment_required":
            let enrolment = try await send(.post, "/v1/auth/second-factor", token: token)
            try #require(enrolment.status == .created, "enrolment of \(email) answered \(enrolment.status): \(enrolment.text)")
            let secret = try #require(try enrolment.string("secret"))
            SecondFactorSecrets.shared.remember(secret, of: email, clock: clock)
            try await passSecondFactor(token, secret: secret, path: "/v1/auth/second-factor/confirm")
        default:
            break
        }
    }

    /// Sends the current TOTP code of `secret` to `path`; a code already used (the test's clock
    /// stands still) is retried once at the next step, 30 seconds later.
    func passSecondFactor(_ token: String, secret: String, path: String) async throws {
        let clock = try #require(clock, "this Client does not know the server's clock")
        let totp = TOTP(secret: try #require(Base32.decode(secret)))
        var answer = try await send(.post, path, token: token, json: ["code": totp.code(at: clock.now())])
        if answer.status == .unprocessableContent {
            clock.advance(by: TOTP.period)
            answer = try await send(.post, path, token: token, json: ["code": totp.code(at: clock.now())])
        }
        try #require(answer.status == .ok, "\(path) answered \(answer.status): \(answer.text)")
    }

    /// The caller's `/v1/me`.
    func me(_ token: String) async throws -> [String: any Sendable] {
        try await send(.get, "/v1/me", token: token).json
    }
}
