import Foundation
import GRDB
import HummingbirdTesting
import HTTPTypes
import MarketCore
import MarketStore
import Testing

/// TOTP as RFC 6238 and an authenticator app compute it, and the sessions built on it: sign-in
/// that stops at the second factor, enrolment with recovery codes, step-up for money, idle
/// time-outs, disabled accounts, password changes and the caller's list of sessions.
@Suite("Second factors and sessions")
struct SecondFactorTests {
    /// A market with the real limits: a step-up lasts 15 minutes, privileged sessions idle out at 30.
    static func market() async throws -> TestMarket {
        try await TestMarket.make(seedPayments: true) { configuration in
            configuration.login.stepUpMaximumAge = 15 * 60
            configuration.login.privilegedIdleTimeout = 30 * 60
        }
    }

    /// Signs in with a password only: the token and what the session must do next.
    static func signIn(_ client: Client, _ email: String, password: String = TestMarket.demoPassword) async throws -> (token: String, assurance: String) {
        let answer = try await client.send(.post, "/v1/auth/tokens", json: ["email": email, "password": password])
        try #require(answer.status == .created, "\(answer.text)")
        return (try #require(try answer.string("token")), try #require(try answer.string("assurance")))
    }

    static func code(_ secret: String, _ market: TestMarket, offset: TimeInterval = 0) throws -> String {
        TOTP(secret: try #require(Base32.decode(secret))).code(at: market.clock.now().addingTimeInterval(offset))
    }

    static let financeSecret = SecondFactorSecrets.shared.secret(of: "finance@demo.test", clock: nil)!

    // MARK: TOTP itself

    /// RFC 6238 Appendix B, the SHA-1 rows: the 20-byte ASCII secret, 8 digits.
    @Test(arguments: [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ] as [(TimeInterval, String)])
    func rfc6238AppendixB(seconds: TimeInterval, expected: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        #expect(totp.code(at: Date(timeIntervalSince1970: seconds)) == expected)
    }

    /// An authenticator app (PyPI `pyotp`) reading our otpauth URI computes our codes.
    @Test func anAuthenticatorAppComputesTheSameCodes() throws {
        let secret = TOTP.newSecret()
        let uri = TOTP(secret: secret).provisioningURI(account: "finance@demo.test", issuer: "Supportmarket")
        #expect(uri.hasPrefix("otpauth://totp/Supportmarket:finance@demo.test?secret=\(Base32.encode(secret))&issuer=Supportmarket"))
        #expect(Base32.decode(Base32.encode(secret)) == secret)
        let times: [Int] = [0, 29, 30, 1_790_000_000, 1_790_000_017, 2_000_000_000]
        let script = "import pyotp,sys; t=pyotp.parse_uri(sys.argv[1]); print(' '.join(t.at(int(s)) for s in sys.argv[2:]))"
        let (status, output) = try runCommand(["python3", "-c", script, uri] + times.map(String.init))
        try #require(status == 0, "pyotp is installed by make pydeps: \(output)")
        let ours = times.map { TOTP(secret: secret).code(at: Date(timeIntervalSince1970: TimeInterval($0))) }
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init) == ours)
    }

    @Test func aCodeIsAcceptedOnceAndOnlyWithinOneStepOfNow() throws {
        let totp = TOTP(secret: TOTP.newSecret())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let step = TOTP.step(at: now)
        #expect(totp.acceptedStep(for: totp.code(step: step), at: now, after: nil) == step)
        #expect(totp.acceptedStep(for: totp.code(step: step - 1), at: now, after: nil) == step - 1)
        #expect(totp.acceptedStep(for: totp.code(step: step + 1), at: now, after: nil) == step + 1)
        #expect(totp.acceptedStep(for: totp.code(step: step - 2), at: now, after: nil) == nil)
        #expect(totp.acceptedStep(for: totp.code(step: step), at: now, after: step) == nil)
        #expect(totp.acceptedStep(for: "12345", at: now, after: nil) == nil)
        #expect(totp.acceptedStep(for: "abcdef", at: now, after: nil) == nil)
    }

    // MARK: Sign-in and step-up

    @Test func aSessionStopsAtTheSecondFactorUntilItPasses() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let (token, assurance) = try await Self.signIn(client, "finance@demo.test")
            #expect(assurance == "second_factor_required")
            // Only step-up, /v1/me and sign-out are open.
            let batches = try await client.send(.get, "/v1/payment-batches", token: token)
            #expect(batches.status == .unauthorized)
            #expect(batches.problemType == "insufficient-user-authentication")
            let challenge = try #require(batches.headers[.wwwAuthenticate])
            #expect(challenge.contains(#"error="insufficient_user_authentication""#) && challenge.contains("max_age=900"), "\(challenge)")
            #expect(try await client.send(.get, "/v1/me", token: token).status == .ok)

            // Bad input changes nothing; a wrong code is refused.
            for bad in [["code": ""], ["code": "12"], ["code": "not a code at all!"], ["code": 123456]] as [[String: any Sendable]] {
                #expect(try await client.send(.post, "/v1/auth/step-up", token: token, json: bad).status == .unprocessableContent)
            }
            let right = try Self.code(Self.financeSecret, market)
            let wrong = right == "000000" ? "111111" : "000000"
            let refused = try await client.send(.post, "/v1/auth/step-up", token: token, json: ["code": wrong])
            #expect(refused.status == .unprocessableContent && refused.problemFields == ["code"], "\(refused.text)")

            let passed = try await client.send(.post, "/v1/auth/step-up", token: token, json: ["code": right])
            #expect(passed.status == .ok, "\(passed.text)")
            #expect(try await client.send(.get, "/v1/payment-batches", token: token).status == .ok)

            // The same code again, in another session: refused (each code is accepted once).
            let (other, _) = try await Self.signIn(client, "finance@demo.test")
            let replayed = try await client.send(.post, "/v1/auth/step-up", token: other, json: ["code": right])
            #expect(replayed.status == .unprocessableContent)
            #expect(try replayed.string("detail") == refused.string("detail"))
            // A session without a second factor cannot step up.
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.post, "/v1/auth/step-up", token: holder, json: ["code": right]).status == .conflict)
            #expect(try await market.count("audit_event WHERE action = 'session.stepped_up'") == 1)
            #expect(try await market.count("audit_event WHERE action = 'session.step_up_refused'") == 2)
        }
    }

    @Test func wrongCodesLockTheSecondFactorAndTheLockLooksLikeAWrongCode() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let (token, _) = try await Self.signIn(client, "finance@demo.test")
            let right = try Self.code(Self.financeSecret, market)
            var wrongAnswers: [String] = []
            for attempt in 0..<5 {
                let wrong = String(format: "%06d", (Int(right)! + 1 + attempt) % 1_000_000)
                let answer = try await client.send(.post, "/v1/auth/step-up", token: token, json: ["code": wrong])
                #expect(answer.status == .unprocessableContent)
                wrongAnswers.append(try answer.string("detail") ?? "")
            }
            let locked = try await client.send(.post, "/v1/auth/step-up", token: token, json: ["code": right])
            #expect(locked.status == .unprocessableContent)
            #expect(try locked.string("detail") == wrongAnswers.first)
            // After the lock, the right code passes.
            market.clock.advance(by: 16 * 60)
            let (fresh, _) = try await Self.signIn(client, "finance@demo.test")
            #expect(try await client.send(.post, "/v1/auth/step-up", token: fresh, json: ["code": try Self.code(Self.financeSecret, market)]).status == .ok)
        }
    }

    /// Money needs a recent second factor, asked after the scope checks. (The test market's
    /// step-up window is 60 days, so that payment scenes can move their clock by months.)
    @Test func moneyNeedsARecentSecondFactor() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            let batchID = try #require(try await client.createBatch(scene.finance, cutOff: "2026-11-04")["id"] as? String)
            market.clock.advance(by: 61 * 86_400)

            let stale = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: scene.finance2)
            #expect(stale.status == .unauthorized, "\(stale.text)")
            #expect(stale.problemType == "insufficient-user-authentication")
            #expect(stale.headers[.wwwAuthenticate]?.contains(#"error="insufficient_user_authentication""#) == true)
            let staleProposal = try await client.send(.put, "/v1/payer-accounts/\(scene.order.council)", token: scene.finance2, json: Client.councilAccount)
            #expect(staleProposal.status == .unauthorized)
            #expect(try await market.count("payer_account_change WHERE status = 'pending'") == 0)
            let staleBankDetails = try await client.send(
                .put, "/v1/providers/\(scene.provider)/bank-account", token: scene.order.providerToken, json: Client.bankDetails)
            #expect(staleBankDetails.status == .unauthorized)
            // Reading is not money: a stale session still reads.
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: scene.finance2).status == .ok)
            // Someone who may not approve at all hears 403 or 404, not an invitation to step up.
            let holder = try await client.login("holder@demo.test")
            let outsider = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: holder).status
            #expect(outsider == .forbidden || outsider == .notFound)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            let stranger = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: northfield).status
            #expect(stranger == .forbidden || stranger == .notFound)
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: scene.finance2).json["status"] as? String == "draft")

            let secret = try #require(SecondFactorSecrets.shared.secret(of: "finance2@demo.test", clock: nil))
            try await client.passSecondFactor(scene.finance2, secret: secret, path: "/v1/auth/step-up")
            let approved = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: scene.finance2)
            #expect(approved.status == .ok, "\(approved.text)")
        }
    }

    // MARK: Enrolment and recovery codes

    @Test func aNewPrivilegedAccountEnrolsAndRecoveryCodesWorkOnce() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(boss)["council_id"] as? String)
            let created = try await SecondPersonTests.createUser(client, as: boss, email: "finance3@demo.test", role: "finance", council: council)
            #expect(created.status == .created, "\(created.text)")
            let secret = try await client.mailedSecret(to: "finance3@demo.test", kind: "invitation")
            let accepted = try await client.send(.post, "/v1/invitations/\(secret)/accept", json: ["password": "a long enough password"])
            #expect(accepted.status == .created, "\(accepted.text)")
            #expect(try accepted.string("assurance") == "enrolment_required")
            let token = try #require(try accepted.string("token"))
            let elsewhere = try await client.send(.get, "/v1/payment-batches", token: token)
            #expect(elsewhere.status == .forbidden && elsewhere.problemType == "second-factor-enrolment-required", "\(elsewhere.text)")
            #expect(try await client.send(.post, "/v1/auth/step-up", token: token, json: ["code": "123456"]).status == .forbidden)

            let enrolment = try await client.send(.post, "/v1/auth/second-factor", token: token)
            #expect(enrolment.status == .created, "\(enrolment.text)")
            let totpSecret = try #require(try enrolment.string("secret"))
            #expect(totpSecret.count == 32)
            #expect(try enrolment.string("otpauth_uri")?.hasPrefix("otpauth://totp/Supportmarket:finance3@demo.test?secret=\(totpSecret)") == true)
            let wrong = try await client.send(.post, "/v1/auth/second-factor/confirm", token: token, json: ["code": "abcdef"])
            #expect(wrong.status == .unprocessableContent)
            let confirmed = try await client.send(
                .post, "/v1/auth/second-factor/confirm", token: token, json: ["code": try Self.code(totpSecret, market)])
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let codes = try #require(try confirmed.json["recovery_codes"] as? [String])
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(try await client.send(.get, "/v1/payment-batches", token: token).status == .ok)
            // Enrolled: a second enrolment is refused; codes are kept only as hashes.
            #expect(try await client.send(.post, "/v1/auth/second-factor", token: token).status == .conflict)
            #expect(try await market.count("recovery_code WHERE code_hash IN ('\(codes.joined(separator: "','"))')") == 0)

            // A recovery code passes a new session once; typed with spaces and capitals too.
            let (second, secondAssurance) = try await Self.signIn(client, "finance3@demo.test", password: "a long enough password")
            #expect(secondAssurance == "second_factor_required")
            let typed = codes[0].uppercased().replacingOccurrences(of: "-", with: " ")
            #expect(try await client.send(.post, "/v1/auth/step-up", token: second, json: ["code": typed]).status == .ok)
            let (third, _) = try await Self.signIn(client, "finance3@demo.test", password: "a long enough password")
            #expect(try await client.send(.post, "/v1/auth/step-up", token: third, json: ["code": codes[0]]).status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/auth/step-up", token: third, json: ["code": codes[1]]).status == .ok)
        }
    }

    /// An admin resets a lost second factor: the account's sessions end and it enrols again.
    @Test func anAdminResetsALostSecondFactor() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let finance = try await client.login("finance@demo.test")
            let financeID = try #require(try await client.me(finance)["user_id"] as? String)
            let bossID = try #require(try await client.me(boss)["user_id"] as? String)
            let provider = try await client.login("provider@demo.test")
            #expect(try await client.send(.delete, "/v1/users/\(financeID)/second-factor", token: provider).status == .notFound)
            #expect(try await client.send(.delete, "/v1/users/\(bossID)/second-factor", token: boss).status == .forbidden)
            let admin = try await client.login("admin@demo.test")
            #expect(try await client.send(.delete, "/v1/users/usr_00000000000000000000/second-factor", token: admin).status == .notFound)

            #expect(try await client.send(.delete, "/v1/users/\(financeID)/second-factor", token: boss).status == .noContent)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .unauthorized)
            let (_, assurance) = try await Self.signIn(client, "finance@demo.test")
            #expect(assurance == "enrolment_required")
            #expect(try await market.count("audit_event WHERE action = 'user.second_factor_reset'") == 1)
            #expect(try await market.count("mail_outbox WHERE kind = 'second_factor_reset' AND recipient = 'finance@demo.test'") == 1)
        }
    }

    // MARK: Sessions

    @Test func privilegedSessionsEndAfterThirtyIdleMinutes() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            let holder = try await client.login("holder@demo.test")
            market.clock.advance(by: 20 * 60)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .ok)
            market.clock.advance(by: 20 * 60)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .ok, "used 20 minutes ago")
            market.clock.advance(by: 31 * 60)
            let idle = try await client.send(.get, "/v1/me", token: finance)
            #expect(idle.status == .unauthorized)
            #expect(try idle.string("detail")?.contains("idle") == true)
            #expect(try await client.send(.get, "/v1/me", token: holder).status == .ok, "a holder's session has no idle limit")
        }
    }

    @Test func theCallerListsAndEndsTheirOwnSessions() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let first = try await client.login("holder@demo.test")
            let second = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": TestMarket.demoPassword],
                headers: [.userAgent: "Budget app/2.1"])
            let secondToken = try #require(try second.string("token"))
            let listed = try await client.send(.get, "/v1/auth/sessions", token: first)
            #expect(listed.status == .ok)
            let items = try listed.items
            #expect(items.count == 2)
            #expect(items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(items.contains { $0["user_agent"] as? String == "Budget app/2.1" })
            let secondID = try #require(items.first { $0["current"] as? Bool == false }?["id"] as? String)

            // Nobody else sees or ends them.
            let provider = try await client.login("provider@demo.test")
            #expect(try await client.send(.get, "/v1/auth/sessions", token: provider).items.count == 1)
            #expect(try await client.send(.delete, "/v1/auth/sessions/\(secondID)", token: provider).status == .notFound)
            #expect(try await client.send(.delete, "/v1/auth/sessions/nonsense", token: first).status == .badRequest)
            #expect(try await client.send(.get, "/v1/me", token: secondToken).status == .ok)

            #expect(try await client.send(.delete, "/v1/auth/sessions/\(secondID)", token: first).status == .noContent)
            #expect(try await client.send(.get, "/v1/me", token: secondToken).status == .unauthorized)
            #expect(try await client.send(.delete, "/v1/auth/sessions/\(secondID)", token: first).status == .notFound)

            let third = try await client.login("holder@demo.test")
            let ended = try await client.send(.post, "/v1/auth/sessions/end-others", token: third)
            #expect(ended.status == .ok, "\(ended.text)")
            #expect(try ended.json["ended"] as? Int == 1)
            #expect(try await client.send(.get, "/v1/me", token: first).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/me", token: third).status == .ok)
        }
    }

    @Test func changingThePasswordEndsEveryOtherSession() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let first = try await client.login("holder@demo.test")
            let second = try await client.login("holder@demo.test")
            let path = "/v1/auth/password"
            let wrong = try await client.send(
                .post, path, token: first, json: ["current_password": "not my password", "new_password": "a new long passphrase"])
            #expect(wrong.status == .unauthorized)
            for weak in ["short", "password2026", "aaaaaaaaaaaaaaaa", "supportmarket123"] {
                let answer = try await client.send(
                    .post, path, token: first, json: ["current_password": TestMarket.demoPassword, "new_password": weak])
                #expect(answer.status == .unprocessableContent && answer.problemFields == ["new_password"], "\(weak): \(answer.text)")
            }
            #expect(try await client.send(.post, path, token: first, json: ["new_password": "x"]).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/me", token: second).status == .ok, "refusals change nothing")

            let changed = try await client.send(
                .post, path, token: first, json: ["current_password": TestMarket.demoPassword, "new_password": "a new long passphrase"])
            #expect(changed.status == .noContent, "\(changed.text)")
            #expect(try await client.send(.get, "/v1/me", token: second).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/me", token: first).status == .ok)
            let old = try await client.send(.post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": TestMarket.demoPassword])
            #expect(old.status == .unauthorized)
            _ = try await client.login("holder@demo.test", password: "a new long passphrase")
        }
    }

    // MARK: Disabled accounts

    @Test func aDisabledAccountsTokensFailAtOnceAndItCannotSignIn() async throws {
        let market = try await Self.market()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let finance = try await client.login("finance@demo.test")
            let financeID = try #require(try await client.me(finance)["user_id"] as? String)
            let bossID = try #require(try await client.me(boss)["user_id"] as? String)

            // Who may not: themselves, another organisation's staff, another council's people.
            #expect(try await client.send(.post, "/v1/users/\(bossID)/disable", token: boss).status == .forbidden)
            let provider = try await client.login("provider@demo.test")
            #expect(try await client.send(.post, "/v1/users/\(financeID)/disable", token: provider).status == .notFound)
            #expect(try await client.send(.post, "/v1/users/\(financeID)/disable", token: finance).status == .forbidden)
            #expect(try await client.send(.post, "/v1/users/not-a-user/disable", token: boss).status == .badRequest)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .ok)

            let disabled = try await client.send(.post, "/v1/users/\(financeID)/disable", token: boss)
            #expect(disabled.status == .ok, "\(disabled.text)")
            #expect(try disabled.json["disabled_at"] is String)
            #expect(try await client.send(.post, "/v1/users/\(financeID)/disable", token: boss).status == .ok, "idempotent")
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .unauthorized)
            let refused = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": TestMarket.demoPassword])
            let wrong = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "not the password"])
            #expect(refused.status == .unauthorized)
            #expect(try refused.string("detail") == wrong.string("detail"))

            let enabled = try await client.send(.post, "/v1/users/\(financeID)/enable", token: boss)
            #expect(enabled.status == .ok, "\(enabled.text)")
            #expect(try enabled.json["disabled_at"] is NSNull)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .unauthorized, "ended sessions stay ended")
            _ = try await client.login("finance@demo.test")
            #expect(try await market.count("audit_event WHERE action IN ('user.disabled', 'user.enabled')") == 2)
            #expect(try await market.count("outbox_event WHERE type IN ('user.disabled', 'user.enabled')") == 2, "for webhooks and the feed")
            let feed = try await client.send(.get, "/v1/events?limit=100", token: boss)
            #expect(try feed.items.contains { $0["type"] as? String == "user.disabled" }, "the council hears it")
            let provider2 = try await client.login("provider@demo.test")
            #expect(try await client.send(.get, "/v1/events?limit=100", token: provider2).items.allSatisfy { ($0["type"] as? String)?.hasPrefix("user.") != true })
        }
    }
}

@Suite("The security audit")
struct SecurityEventTests {
    @Test func adminsReadTheSecurityEventsOfTheirScope() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            _ = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "wrong password!"])
            let finance = try await client.login("finance@demo.test")
            _ = try await client.login("commissioner@northfield.demo.test")
            let financeID = try #require(try await client.me(finance)["user_id"] as? String)

            let admin = try await client.login("admin@demo.test")
            let all = try await client.send(.get, "/v1/audit/security-events?limit=100", token: admin)
            #expect(all.status == .ok, "\(all.text)")
            let actions = try all.items.compactMap { $0["action"] as? String }
            #expect(actions.contains("session.refused") && actions.contains("session.started") && actions.contains("session.stepped_up"))
            let ids = try all.items.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >), "newest first")

            let boss = try await client.login("councilboss@demo.test")
            let council = try await client.send(.get, "/v1/audit/security-events?limit=100", token: boss).items
            #expect(council.contains { $0["actor_user_id"] as? String == financeID && $0["action"] as? String == "session.started" })
            let northfield = try #require(try await client.me(try await client.login("commissioner@northfield.demo.test"))["user_id"] as? String)
            #expect(!council.contains { $0["actor_user_id"] as? String == northfield }, "another council's people are not shown")
            #expect(!council.contains { $0["action"] as? String == "session.refused" }, "refusals of unknown whose are the platform's")

            let first = try await client.send(.get, "/v1/audit/security-events?limit=2", token: admin)
            let cursor = try #require(try first.json["next_cursor"] as? String)
            let second = try await client.send(.get, "/v1/audit/security-events?limit=2&cursor=\(cursor)", token: admin)
            let firstIDs = try first.items.compactMap { $0["id"] as? Int }
            let secondIDs = try second.items.compactMap { $0["id"] as? Int }
            #expect(firstIDs.count == 2 && secondIDs.count == 2)
            #expect(secondIDs.allSatisfy { $0 < (firstIDs.last ?? 0) }, "\(firstIDs) then \(secondIDs)")
            #expect(try await client.send(.get, "/v1/audit/security-events?cursor=zzz", token: admin).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/audit/security-events", token: finance).status == .forbidden)
            #expect(try await client.send(.get, "/v1/audit/security-events").status == .unauthorized)
        }
    }
}

@Suite("Nobody who knows an email can keep its owner out")
struct KnownDeviceTests {
    /// Five wrong guesses lock finance@'s email; the officer's own device, which passed the
    /// second factor before, still signs in, and its token helps nobody else.
    @Test func aLockedEmailDoesNotHoldOutItsOwnersDevice() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            _ = finance
            // The officer's device: the step-up answered a device token (the helper's step-up did too;
            // take a fresh one to hold).
            let (second, _) = try await SecondFactorTests.signIn(client, "finance@demo.test")
            market.clock.advance(by: TOTP.period)
            let stepped = try await client.send(
                .post, "/v1/auth/step-up", token: second, json: ["code": try SecondFactorTests.code(SecondFactorTests.financeSecret, market)])
            #expect(stepped.status == .ok, "\(stepped.text)")
            let device = try #require(try stepped.string("device_token"))
            #expect(device.hasPrefix("smd_"))
            #expect(try await market.count("known_device WHERE secret_hash = '\(device)'") == 0, "kept only as a hash")

            // An attacker who knows the email locks it.
            for guess in 1...6 {
                let answer = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "guess \(guess) at it"])
                #expect(answer.status == .unauthorized)
            }
            let locked = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": TestMarket.demoPassword])
            #expect(locked.status == .unauthorized, "the right password without the device is held out")

            // The owner's device is not.
            let owner = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": TestMarket.demoPassword, "device_token": device])
            #expect(owner.status == .created, "\(owner.text)")
            #expect(try owner.string("assurance") == "second_factor_required", "the device skips the lock, not the second factor")

            // The device token of one account does nothing for another, nor with a wrong password.
            let guessed = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "one more guess", "device_token": device])
            #expect(guessed.status == .unauthorized)
            for guess in 1...5 {
                _ = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance2@demo.test", "password": "guess \(guess) at it"])
            }
            let borrowed = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "finance2@demo.test", "password": TestMarket.demoPassword, "device_token": device])
            #expect(borrowed.status == .unauthorized)
            // Guessing through the device is throttled per device.
            for guess in 1...5 {
                _ = try await client.send(
                    .post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "device guess \(guess)", "device_token": device])
            }
            let deviceLocked = try await client.send(
                .post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": TestMarket.demoPassword, "device_token": device])
            #expect(deviceLocked.status == .unauthorized)
            #expect(try await client.send(.post, "/v1/auth/tokens", json: ["email": "x@demo.test", "password": "p", "device_token": String(repeating: "a", count: 200)]).status == .unprocessableContent)
        }
    }
}

@Suite("Sign-in back-off per client address")
struct AddressThrottleTests {
    /// Behind a trusted proxy, guesses from one address at many emails lock that address (not
    /// the emails' owners elsewhere); a header from anyone else is not believed.
    @Test func guessesFromOneAddressLockThatAddress() async throws {
        let market = try await TestMarket.make { configuration in
            configuration.trustedProxies = ["127.0.0.1"]
            configuration.login.maximumFailuresPerAddress = 4
        }
        try await market.application.test(.live) { raw in
            let client = Client(client: raw, market: market)
            let from: @Sendable (String, String, String) async throws -> HTTPResponse.Status = { address, email, password in
                try await client.send(
                    .post, "/v1/auth/tokens", json: ["email": email, "password": password],
                    headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.1, \(address)"]).status
            }
            // A right password from the address does not count against it.
            #expect(try await from("203.0.113.7", "holder@demo.test", TestMarket.demoPassword) == .created)
            for (number, email) in ["a@demo.test", "b@demo.test", "c@demo.test", "d@demo.test"].enumerated() {
                #expect(try await from("203.0.113.7", email, "guess \(number)") == .unauthorized)
            }
            #expect(try await from("203.0.113.7", "holder@demo.test", TestMarket.demoPassword) == .unauthorized, "the address is locked")
            #expect(try await from("203.0.113.8", "holder@demo.test", TestMarket.demoPassword) == .created, "other addresses are not")
            let sessions = try await market.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT client_address FROM access_token WHERE client_address IS NOT NULL ORDER BY 1")
            }
            #expect(sessions == ["203.0.113.7", "203.0.113.8"], "the audit names the client the proxy saw, not the proxy")
        }
    }
}
