import Foundation
import HTTPTypes
import MarketAPI
import Testing

/// Browser apps on other origins: the public routes answer anyone; authenticated routes answer
/// the configured origins only; a preflight is 204, never 405.
@Suite("CORS")
struct CORSTests {
    static let trustedOrigin = "https://app.harrowby.test"
    static let stranger = "https://elsewhere.example"

    func preflight(_ client: Client, _ path: String, origin: String, method: String = "POST") async throws -> Client.Answer {
        try await client.send(.options, path, headers: [
            .origin: origin, .accessControlRequestMethod: method,
            .accessControlRequestHeaders: "authorization, content-type, idempotency-key",
        ])
    }

    @Test func aPreflightFromATrustedOriginAllowsTheRoutesMethodsAndHeaders() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await preflight(client, "/v1/orders", origin: Self.trustedOrigin)
            #expect(answer.status == .noContent)
            #expect(answer.headers[.accessControlAllowOrigin] == Self.trustedOrigin)
            #expect(answer.headers[.vary] == "Origin")
            #expect(answer.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            let headers = Set((answer.headers[.accessControlAllowHeaders] ?? "").lowercased().split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            })
            #expect(headers.isSuperset(of: ["authorization", "content-type", "idempotency-key"]))
            // A path with an id is matched by its pattern.
            let delivery = try await preflight(client, "/v1/deliveries/dlv_abc/void", origin: Self.trustedOrigin)
            #expect(delivery.status == .noContent)
            #expect(delivery.headers[.accessControlAllowMethods] == "POST, OPTIONS")
        }
    }

    @Test func aPreflightFromAnyOtherOriginAllowsReadingOnly() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await preflight(client, "/v1/orders", origin: Self.stranger)
            #expect(answer.status == .noContent)
            #expect(answer.headers[.accessControlAllowOrigin] == "*")
            #expect(answer.headers[.accessControlAllowMethods] == "GET, OPTIONS")
            #expect(answer.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == false)
            // An unknown path is 404, as without CORS.
            let unknown = try await preflight(client, "/v1/nothing-here", origin: Self.stranger)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func publicReadsAnswerAnyOriginAndSignedInAnswersOnlyTrustedOnes() async throws {
        try await TestMarket.make().test { client in
            let anonymous = try await client.send(.get, "/v1/categories", headers: [.origin: Self.stranger])
            #expect(anonymous.status == .ok)
            #expect(anonymous.headers[.accessControlAllowOrigin] == "*")
            #expect(anonymous.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
            let holder = try await client.login("holder@demo.test")
            // With a token, a stranger's page gets no CORS headers: the browser keeps the answer from it.
            let strangers = try await client.send(.get, "/v1/me", token: holder, headers: [.origin: Self.stranger])
            #expect(strangers.headers[.accessControlAllowOrigin] == nil)
            let trusted = try await client.send(.get, "/v1/me", token: holder, headers: [.origin: Self.trustedOrigin])
            #expect(trusted.status == .ok)
            #expect(trusted.headers[.accessControlAllowOrigin] == Self.trustedOrigin)
            // Problem documents carry the headers too, so the app can read them.
            let problem = try await client.send(.get, "/v1/orders", headers: [.origin: Self.trustedOrigin])
            #expect(problem.status == .unauthorized)
            #expect(problem.headers[.accessControlAllowOrigin] == Self.trustedOrigin)
            // Without Origin, nothing changes.
            #expect(try await client.send(.get, "/v1/categories").headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test(arguments: ["*", "https://app.example.org/", "app.example.org", "ftp://files.example.org", "https://app.example.org/path"])
    func aMalformedOriginIsAConfigurationProblem(origin: String) {
        var configuration = TestMarket.configuration
        configuration.corsOrigins = [origin]
        #expect(configuration.validate().contains { $0.contains("CORS origin") })
    }

    @Test func originsComeFromTheEnvironment() {
        var configuration = AppConfiguration()
        _ = configuration.apply(environment: ["SUPPORTMARKET_CORS_ORIGINS": "https://a.example, http://localhost:5173"])
        #expect(configuration.corsOrigins == ["https://a.example", "http://localhost:5173"])
        #expect(!configuration.validate().contains { $0.contains("CORS origin") })
    }
}
