import Foundation
import GRDB
import HTTPTypes
import Logging
@testable import MarketAPI
import MarketCore
import MarketStore
import Testing
import Webhooks

/// Accounts are invited, never handed a password; passwords are reset by mailed single-use
/// links; mails wait in an outbox until a real SMTP server takes them.
@Suite("Invitations, password resets and mail")
struct InvitationTests {
    static func invite(_ client: Client, as token: String, email: String, role: String, council: String? = nil) async throws -> Client.Answer {
        var body: [String: any Sendable] = ["email": email, "display_name": "Someone New", "role": role]
        if let council { body["council_id"] = council }
        return try await client.send(.post, "/v1/users", token: token, json: body)
    }

    @Test func theCreatorNeverHoldsACredentialAndTheInviteeChoosesTheirOwn() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(boss)["council_id"] as? String)
            // A password chosen by the creator is refused, and nothing is written.
            var withPassword: [String: any Sendable] = [
                "email": "new.finance@demo.test", "display_name": "New Finance", "role": "finance", "council_id": council,
            ]
            withPassword["password"] = "chosen by the creator"
            let refused = try await client.send(.post, "/v1/users", token: boss, json: withPassword)
            #expect(refused.status == .unprocessableContent && refused.problemFields == ["password"], "\(refused.text)")
            #expect(try await market.count("user WHERE email = 'new.finance@demo.test'") == 0)

            let invited = try await Self.invite(client, as: boss, email: "new.finance@demo.test", role: "finance", council: council)
            #expect(invited.status == .created, "\(invited.text)")
            #expect(!invited.text.contains("smi_"), "the API never answers the link")
            // Nobody can sign in to the pending account, with any password.
            let early = try await client.send(.post, "/v1/auth/tokens", json: ["email": "new.finance@demo.test", "password": "chosen by the creator"])
            #expect(early.status == .unauthorized)

            // The invitation went to the invitee; the council's other admins were told of the grant
            // (the demo's Harrowby has one admin, the inviter, so only the platform is not told).
            #expect(try await market.count("mail_outbox WHERE recipient = 'new.finance@demo.test' AND kind = 'invitation'") == 1)
            let secret = try await client.mailedSecret(to: "new.finance@demo.test", kind: "invitation")
            #expect(try await market.count("account_link WHERE secret_hash = '\(Digest.sha256Hex(secret))'") == 1)
            #expect(try await market.count("account_link WHERE secret_hash = '\(secret)'") == 0, "only the hash is kept")

            // Bad passwords change nothing; the link still works afterwards.
            for weak in ["short", "password1234", "aaaaaaaaaaaaaaaaaa"] {
                let answer = try await client.send(.post, "/v1/invitations/\(secret)/accept", json: ["password": weak])
                #expect(answer.status == .unprocessableContent && answer.problemFields == ["password"], "\(weak): \(answer.text)")
            }
            #expect(try await client.send(.post, "/v1/invitations/\(secret)/accept", json: [:]).status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/invitations/smi_unknown/accept", json: ["password": "my own long password"]).status == .notFound)

            let accepted = try await client.send(.post, "/v1/invitations/\(secret)/accept", json: ["password": "my own long password"])
            #expect(accepted.status == .created, "\(accepted.text)")
            #expect(try accepted.string("assurance") == "enrolment_required")
            // Single use.
            let again = try await client.send(.post, "/v1/invitations/\(secret)/accept", json: ["password": "another long password"])
            #expect(again.status == .notFound)
            let signedIn = try await client.send(.post, "/v1/auth/tokens", json: ["email": "new.finance@demo.test", "password": "my own long password"])
            #expect(signedIn.status == .created)
            #expect(try await market.count("audit_event WHERE action = 'user.invitation_accepted'") == 1)
        }
    }

    @Test func anInvitationExpiresAfter72HoursAndANewOneReplacesTheOld() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            #expect(try await Self.invite(client, as: admin, email: "late@demo.test", role: "budget_holder").status == .created)
            let secret = try await client.mailedSecret(to: "late@demo.test", kind: "invitation")
            market.clock.advance(by: 72 * 3600 + 1)
            let expired = try await client.send(.post, "/v1/invitations/\(secret)/accept", json: ["password": "my own long password"])
            #expect(expired.status == .notFound)
            // The other platform admins are told of every platform grant; the demo has one admin.
            #expect(try await market.count("mail_outbox WHERE kind = 'role_granted'") == 0)
        }
    }

    @Test func aCouncilsOtherAdminsAreMailedEveryGrant() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let boss = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(boss)["council_id"] as? String)
            #expect(try await Self.invite(client, as: admin, email: "boss2@demo.test", role: "council_admin", council: council).status == .created)
            let boss2 = try await client.acceptInvitation(of: "boss2@demo.test")
            #expect(try await Self.invite(client, as: boss2, email: "commissioner2@demo.test", role: "commissioner", council: council).status == .created)
            let notices = try await market.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT recipient FROM mail_outbox WHERE kind = 'role_granted' ORDER BY id")
            }
            // boss2's own grant went to Harrowby's other admin; the commissioner's to councilboss.
            #expect(notices == ["councilboss@demo.test", "councilboss@demo.test"], "\(notices)")
            #expect(try await market.count("audit_event WHERE action = 'user.created'") >= 2)
        }
    }

    @Test func aPasswordResetIsMailedOnceEndsEverySessionAndStillAsksTheSecondFactor() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            // Unknown and known emails answer alike; only the known one is mailed, once in 5 minutes.
            for email in ["nobody@demo.test", "finance@demo.test", "finance@demo.test"] {
                #expect(try await client.send(.post, "/v1/password-resets", json: ["email": email]).status == .accepted)
            }
            #expect(try await client.send(.post, "/v1/password-resets", json: ["email": "not an email"]).status == .unprocessableContent)
            #expect(try await market.count("mail_outbox WHERE kind = 'password_reset'") == 1)
            let secret = try await client.mailedSecret(to: "finance@demo.test", kind: "password_reset")
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .ok, "asking changes nothing")

            let weak = try await client.send(.post, "/v1/password-resets/\(secret)/accept", json: ["password": "short"])
            #expect(weak.status == .unprocessableContent)
            let reset = try await client.send(.post, "/v1/password-resets/\(secret)/accept", json: ["password": "a fresh long passphrase"])
            #expect(reset.status == .noContent, "\(reset.text)")
            #expect(try await client.send(.post, "/v1/password-resets/\(secret)/accept", json: ["password": "yet another passphrase"]).status == .notFound)
            #expect(try await client.send(.get, "/v1/me", token: finance).status == .unauthorized, "every session ended")
            let signedIn = try await client.send(.post, "/v1/auth/tokens", json: ["email": "finance@demo.test", "password": "a fresh long passphrase"])
            #expect(signedIn.status == .created)
            #expect(try signedIn.string("assurance") == "second_factor_required")
        }
    }

    @Test func aResetLinkExpiresAfterThirtyMinutes() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            #expect(try await client.send(.post, "/v1/password-resets", json: ["email": "holder@demo.test"]).status == .accepted)
            let secret = try await client.mailedSecret(to: "holder@demo.test", kind: "password_reset")
            market.clock.advance(by: 31 * 60)
            #expect(try await client.send(.post, "/v1/password-resets/\(secret)/accept", json: ["password": "a fresh long passphrase"]).status == .notFound)
        }
    }

    // MARK: Mail

    /// The outbox is sent to a real SMTP server on loopback; a server that will not do what is
    /// required (here: STARTTLS) leaves the mail in the outbox, to be sent once it can.
    @Test func mailsReachARealSMTPServerAndAFailureLosesNothing() async throws {
        let server = try SMTPServer()
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            #expect(try await Self.invite(client, as: admin, email: "invitee@demo.test", role: "budget_holder").status == .created)
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var settings = SMTPSettings(url: "smtp://127.0.0.1:\(server.port)", from: "Supportmarket <no-reply@market.test>")
        settings.timeout = 5
        let folder = market.directory.appendingPathComponent("mail")

        // TLS is required unless asked otherwise: aiosmtpd offers no STARTTLS, so nothing is sent.
        let strict = MailDispatcher(
            outbox: market.services.mail, transport: SMTPTransport(settings: settings), folder: folder, from: settings.from, logger: logger)
        #expect(try await strict.sendDue() == 0)
        #expect(try await market.count("mail_outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error IS NOT NULL") == 1)
        #expect(server.messages().isEmpty)
        // Not due again until its wait is over.
        settings.plaintextOnLoopback = true
        let loopback = MailDispatcher(
            outbox: market.services.mail, transport: SMTPTransport(settings: settings), folder: folder, from: settings.from, logger: logger)
        #expect(try await loopback.sendDue() == 0)
        market.clock.advance(by: 61)
        #expect(try await loopback.sendDue() == 1)
        let messages = try await server.waitForMessages(1)
        try #require(messages.count == 1)
        #expect(messages[0].contains("To: invitee@demo.test"))
        #expect(messages[0].contains("Subject: Your Supportmarket account"))
        let body = try #require(messages[0].replacingOccurrences(of: "\r", with: "").components(separatedBy: "\n\n").dropFirst().first)
        let decoded = String(decoding: Data(base64Encoded: body.filter { !$0.isWhitespace }) ?? Data(), as: UTF8.self)
        #expect(decoded.contains("/invitations/smi_"), "\(decoded)")
        #expect(try await market.count("mail_outbox WHERE sent_at IS NOT NULL") == 1)
        #expect(try await loopback.sendDue() == 0, "sent once")
        #expect(settings.problems.isEmpty)
        var remote = settings
        remote.url = "smtp://mail.example.org:587"
        #expect(remote.problems == ["plain SMTP without TLS is allowed only to a mail server on loopback"])
    }

    /// Without an SMTP server (the demo), mails are written to a folder only their owner reads.
    @Test func withoutSMTPMailsAreWrittenToAFolder() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            #expect(try await Self.invite(client, as: admin, email: "invitee@demo.test", role: "budget_holder").status == .created)
        }
        let folder = market.directory.appendingPathComponent("mail")
        let dispatcher = MailDispatcher(
            outbox: market.services.mail, transport: nil, folder: folder, from: "no-reply@market.test", logger: Logger(label: "test"))
        #expect(try await dispatcher.sendDue() == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1 && files[0].hasSuffix(".eml"))
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(files[0]).path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func aSignInFromANewClientIsMailedToTheOwner() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let signIn: @Sendable (String?) async throws -> Void = { agent in
                var headers: HTTPFields = [:]
                if let agent { headers[.userAgent] = agent }
                let answer = try await client.send(
                    .post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": TestMarket.demoPassword], headers: headers)
                try #require(answer.status == .created)
            }
            try await signIn("Budget app/1.0")   // the first sign-in ever: nothing to compare with
            try await signIn("Budget app/1.0")
            #expect(try await market.count("mail_outbox WHERE kind = 'new_sign_in'") == 0)
            try await signIn("Unknown browser")
            try await signIn("Unknown browser")
            #expect(try await market.count("mail_outbox WHERE kind = 'new_sign_in' AND recipient = 'holder@demo.test'") == 1)
        }
    }

    @Test func spentMailThrottlesAndLinksAreDeletedInTime() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            #expect(try await Self.invite(client, as: admin, email: "invitee@demo.test", role: "budget_holder").status == .created)
            _ = try await client.send(.post, "/v1/auth/tokens", json: ["email": "holder@demo.test", "password": "a wrong password"])
        }
        let dispatcher = MailDispatcher(
            outbox: market.services.mail, transport: nil, folder: market.directory.appendingPathComponent("mail"),
            from: "no-reply@market.test", logger: Logger(label: "test"))
        #expect(try await dispatcher.sendDue() >= 1)
        _ = try await market.database.deleteExpired()
        #expect(try await market.count("login_throttle") == 1, "a throttle of today is kept")
        #expect(try await market.count("mail_outbox WHERE sent_at IS NOT NULL") >= 1, "sent mail is kept a week")
        market.clock.advance(by: 8 * 86_400)
        _ = try await market.database.deleteExpired()
        #expect(try await market.count("login_throttle") == 0)
        #expect(try await market.count("mail_outbox WHERE sent_at IS NOT NULL") == 0)
        #expect(try await market.count("account_link") == 1, "an invitation is kept a month after it expired")
        market.clock.advance(by: 30 * 86_400)
        _ = try await market.database.deleteExpired()
        #expect(try await market.count("account_link") == 0)
    }
}
