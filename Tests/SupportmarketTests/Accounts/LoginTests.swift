import Foundation
import GRDB
import HTTPTypes
import MarketCore
import Testing

@testable import MarketStore
import Passwords

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

    @Test func aLockedEmailAnswersTheRightPasswordExactlyLikeAWrongOneUntilTheLockEnds() async throws {
        let market = try await TestMarket.make()
        let policy = TestMarket.configuration.login
        try await market.test { client in
            var wrongAnswers: [Client.Answer] = []
            for _ in 0..<policy.maximumFailures {
                let answer = try await client.send(
                    .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-1"])
                #expect(answer.status == .unauthorized)
                wrongAnswers.append(answer)
            }
            let right = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": TestMarket.demoPassword])
            let wrong = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-1"])
            // No password oracle: once locked, the right password and a wrong one are the same answer
            // as any wrong password before the lock, but for the request id.
            for answer in [right, wrong] {
                #expect(answer.status == .unauthorized)
                #expect(answer.headers[.retryAfter] == nil)
                #expect(answer.headers[.wwwAuthenticate] == wrongAnswers[0].headers[.wwwAuthenticate])
                #expect(try answer.string("detail") == wrongAnswers[0].string("detail"))
                #expect(answer.problemType == wrongAnswers[0].problemType)
            }
            // Another email is not affected.
            _ = try await client.login("broker@demo.test")
            market.clock.advance(by: policy.lockDuration + 1)
            _ = try await client.login("holder@demo.test")
        }
    }

    @Test func ofConcurrentGuessesNoMoreThanTheAllowedNumberAreCheckedAndTheRestWriteNothingNew() async throws {
        let market = try await TestMarket.make()
        let policy = TestMarket.configuration.login
        try await market.test { client in
            let answers = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await client.send(
                            .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "wrong-password-\(index)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0 == .unauthorized || $0 == .serviceUnavailable })
            let counted = try await market.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT failure_count FROM login_throttle")
            }
            // Each evaluated guess was counted before bcrypt ran; none past the lock was counted.
            #expect(counted == policy.maximumFailures)
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

@Suite("Password hashing under load")
struct PasswordHashingLoadTests {
    @Test func aSaturatedHasherRefusesAtOnceWithOverloadedAndServesItsQueueInOrder() async throws {
        let hasher = PasswordHasher.bcrypt(cost: 4, concurrencyLimit: 1, waitingLimit: 1)
        let hash = try await hasher.hash("a password of some length")
        let (entered, enteredSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await hasher.withTurn { _ in
                enteredSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        let waiter = Task { try await hasher.verify("a password of some length", against: hash) }
        while hasher.waitingCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        // One running, one waiting: the next is refused at once, before any work.
        await #expect(throws: MarketError.overloaded("too many sign-ins are being checked at once; try again shortly", retryAfterSeconds: 1)) {
            _ = try await hasher.verify("a password of some length", against: hash)
        }
        releaseSignal.yield()
        try await holder.value
        #expect(try await waiter.value)
        #expect(try await hasher.verify("a password of some length", against: hash))
    }
}
