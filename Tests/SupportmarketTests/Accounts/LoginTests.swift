import Foundation
import GRDB
import HTTPTypes
import MarketCore
import Testing

@Suite("Login, tokens and lockout")
struct LoginTests {
    @Test func rightPasswordIssuesATokenThatIdentifiesTheCaller() async throws {
        try await TestMarket.make().test { client in
            let answer = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "Holder@Demo.test ", "password": TestMarket.demoPassword])
            #expect(answer.status == .created)
            let token = try #require(try answer.string("token"))
            #expect(token.hasPrefix("smk_") && token.count >= 40)
            #expect(try answer.string("expires_at") != nil)
            let me = try await client.me(token)
            #expect(me["email"] as? String == "holder@demo.test")
            #expect(me["role"] as? String == "budget_holder")
            #expect(me["council_id"] is String)
            #expect(me["organisation_id"] is NSNull)
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        try await TestMarket.make().test { client in
            let wrong = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "not-the-password"])
            let unknown = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "nobody@demo.test", "password": "not-the-password"])
            for answer in [wrong, unknown] {
                #expect(answer.status == .unauthorized)
                #expect(answer.problemType == "unauthenticated")
                #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            #expect(try wrong.string("detail") == unknown.string("detail"))
        }
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login("holder@demo.test")
            #expect(try await client.send(.get, "/v1/me", token: token).status == .ok)
            market.clock.advance(by: TestMarket.configuration.login.tokenLifetime + 1)
            let answer = try await client.send(.get, "/v1/me", token: token)
            #expect(answer.status == .unauthorized)
            #expect(try answer.string("detail") == "the token has expired")
        }
    }

    @Test func aRevokedTokenIsRefusedAtOnceAndOtherTokensStillWork() async throws {
        try await TestMarket.make().test { client in
            let first = try await client.login("holder@demo.test")
            let second = try await client.login("holder@demo.test")
            #expect(try await client.send(.delete, "/v1/auth/tokens/current", token: first).status == .noContent)
            let answer = try await client.send(.get, "/v1/me", token: first)
            #expect(answer.status == .unauthorized)
            #expect(try answer.string("detail") == "the token has been revoked")
            #expect(try await client.send(.get, "/v1/me", token: second).status == .ok)
        }
    }

    @Test(arguments: ["Bearer", "Bearer ", "Basic aG9sZGVyOnB3", "Token smk_abc", "bearer", String(repeating: "x", count: 600)])
    func aMalformedAuthorizationHeaderIs401(header: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/me", headers: [.authorization: header])
            #expect(answer.status == .unauthorized)
            #expect(answer.problemType == "unauthenticated")
            #expect(answer.headers[.wwwAuthenticate] != nil)
        }
    }

    @Test func anUnknownTokenAndNoTokenAre401() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let unknown = try await client.send(.get, "/v1/me", token: "smk_thisTokenWasNeverIssued")
            #expect(unknown.status == .unauthorized)
            let missing = try await client.send(.get, "/v1/me")
            #expect(missing.status == .unauthorized)
            #expect(try missing.string("detail") == "a bearer token is required")
        }
    }

    @Test func repeatedFailuresLockTheEmailEvenForTheRightPasswordUntilTheLockEnds() async throws {
        let market = try await TestMarket.make()
        let policy = TestMarket.configuration.login
        try await market.test { client in
            for _ in 0..<policy.maximumFailures {
                let answer = try await client.send(
                    .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-1"])
                #expect(answer.status == .unauthorized)
            }
            let locked = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": TestMarket.demoPassword])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.problemType == "login-locked")
            let retryAfter = try #require(locked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= Int(policy.lockDuration))
            // Another email is not affected.
            _ = try await client.login("broker@demo.test")
            market.clock.advance(by: policy.lockDuration + 1)
            _ = try await client.login("holder@demo.test")
        }
    }

    @Test func failuresOutsideTheWindowDoNotAddUp() async throws {
        let market = try await TestMarket.make()
        let policy = TestMarket.configuration.login
        try await market.test { client in
            for _ in 0..<(policy.maximumFailures - 1) {
                _ = try await client.send(.post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-1"])
            }
            market.clock.advance(by: policy.failureWindow + 1)
            let answer = try await client.send(.post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-1"])
            #expect(answer.status == .unauthorized)
            _ = try await client.login("holder@demo.test")
        }
    }

    @Test func tokensAreStoredOnlyAsHashes() async throws {
        let market = try await TestMarket.make()
        let token = try await market.test { client in try await client.login("holder@demo.test") }
        let stored = try await market.database.writer.read { db in try String.fetchAll(db, sql: "SELECT token_hash FROM access_token") }
        #expect(stored.count == 1)
        #expect(!stored.contains(token))
        #expect(stored.allSatisfy { $0.count == 64 })
    }
}

@Suite("Login input")
struct LoginInputTests {
    @Test(arguments: [
        (["email": "", "password": "x"] as [String: any Sendable], "email"),
        (["email": "a@b.c", "password": ""], "password"),
        (["email": "a@b.c", "password": String(repeating: "p", count: 129)], "password"),
        (["email": "a@b.c"], "password"),
        (["email": 7, "password": "x"], "email"),
    ])
    func malformedCredentialsAre422(body: [String: any Sendable], field: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.post, "/v1/auth/tokens", json: body)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.problemFields == [field])
        }
    }
}
