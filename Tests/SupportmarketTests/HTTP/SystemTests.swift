import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MarketAPI
import Testing
import Webhooks

@Suite("Health, metrics and pagination")
struct SystemTests {
    @Test func healthChecksTheDatabase() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/health")
            #expect(answer.status == .ok)
            #expect(try answer.string("database") == "ok")
        }
    }

    static let metricsToken = "operator-metrics-token-1234"

    @Test func metricsCountRequestsAndBusinessFiguresForTheOperatorOnly() async throws {
        let market = try await TestMarket.make()
        var configuration = TestMarket.configuration
        configuration.metricsToken = Self.metricsToken
        let services = try AppServices(configuration: configuration, database: market.database)
        let app = buildApplication(configuration: configuration, services: services, logger: Logger(label: "test"))
        try await app.test(.router) { raw in
            let client = Client(client: raw, market: market)
            _ = try await client.send(.get, "/v1/categories")
            let scene = try await OrderScene.make(client)
            _ = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
            let operatorToken = HTTPFields([HTTPField(name: .authorization, value: "Bearer \(Self.metricsToken)")])
            let answer = try await client.send(.get, "/metrics", headers: operatorToken)
            #expect(answer.status == .ok)
            #expect(answer.text.contains("hb_requests"))
            #expect(answer.text.contains("/v1/categories"))
            #expect(answer.text.contains("supportmarket_orders_placed 1\n"))
            #expect(answer.text.contains("supportmarket_orders_refused{reason=\"prohibited_spend\"} 0"))
            #expect(answer.text.contains("supportmarket_outbox_depth "))
            #expect(answer.text.contains("supportmarket_database_wal_bytes "))
            // Without the token, or with a user's, it is refused.
            #expect(try await client.send(.get, "/metrics").status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", token: scene.holderToken).status == .unauthorized)
        }
        // With no token configured, only loopback callers: the in-process client has no address.
        let unconfigured = try await market.test { client in try await client.send(.get, "/metrics").status }
        #expect(unconfigured == .unauthorized)
    }

    @Test func productionListsEveryReasonItWillNotServe() {
        var configuration = TestMarket.configuration
        configuration.bcryptCost = 10
        #expect(configuration.productionProblems(demoAccounts: 12).isEmpty, "development does not check")
        configuration.environment = "production"
        let problems = configuration.productionProblems(demoAccounts: 12)
        #expect(problems.count == 5, "\(problems)")  // demo accounts, bcrypt, no metrics token, allow-hosts, no SMTP
        configuration.bcryptCost = 12
        configuration.metricsToken = Self.metricsToken
        configuration.webhookAllowHosts = []
        configuration.smtp = SMTPSettings(url: "smtp://mail.example.org:587", username: "market", password: "secret", from: "no-reply@example.org")
        #expect(configuration.productionProblems(demoAccounts: 0).isEmpty)
        #expect(configuration.productionProblems(demoAccounts: 1).count == 1)
        var environment = AppConfiguration()
        #expect(environment.apply(environment: ["SUPPORTMARKET_ENVIRONMENT": "prod"]).count == 1)
    }

    @Test func readinessSaysTheDatabaseIsWritableAndMigrated() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/ready")
            #expect(answer.status == .ok)
            #expect(try answer.string("database") == "writable")
            #expect(try answer.string("migrations") == "current")
        }
    }

    @Test func cursorsWalkEveryItemOnceEvenWhenItemsAreAddedMeanwhile() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await client.send(.get, "/v1/users?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                #expect(page.status == .ok)
                seen += try page.items.compactMap { $0["id"] as? String }
                cursor = try page.json["next_cursor"] as? String
                pages += 1
                if pages == 1 {
                    _ = try await client.send(
                        .post, "/v1/users", token: admin,
                        json: ["email": "late@demo.test", "display_name": "Late", "role": "budget_holder"])
                }
            } while cursor != nil && pages < 20
            #expect(Set(seen).count == seen.count)
            #expect(seen == seen.sorted())
            #expect(seen.count >= 11)
        }
    }
}

@Suite("Health under a burst of probes")
struct HealthProbeTests {
    /// Probes that arrive together share pings; each still answers from the database.
    @Test func concurrentProbesAllAnswerFromTheDatabase() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let answer = try await client.send(.get, "/health")
                        return (Int(answer.status.code), try answer.string("database"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 40)
            #expect(answers.allSatisfy { $0.0 == 200 && $0.1 == "ok" })
        }
    }
}
