import Foundation
import MarketCore
import Testing

/// Role grants after an account is made (`POST /v1/users/{id}/role`) and the email domains a
/// council's staff must use: who grants what is one rule in the policy (`authorizeGranting`).
@Suite("Role grants and staff email domains")
struct RoleGrantTests {
    static func userID(_ client: Client, _ token: String) async throws -> String {
        try #require(try await client.me(token)["user_id"] as? String)
    }

    @Test func aCouncilAdminGrantsFinanceAndItsCoolingOffStartsAgain() async throws {
        let market = try await TestMarket.make(seedPayments: true) { $0.newRoleCoolingOffDays = 7 }
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let commissioner = try await client.login("commissioner@demo.test")
            let commissionerID = try await Self.userID(client, commissioner)
            let finance = try await client.login("finance@demo.test")

            let granted = try await client.send(.post, "/v1/users/\(commissionerID)/role", token: boss, json: ["role": "finance"])
            #expect(granted.status == .ok, "\(granted.text)")
            #expect(try granted.string("role") == "finance")
            #expect(try await client.send(.get, "/v1/me", token: commissioner).status == .unauthorized, "its sessions ended")
            #expect(try await market.count("audit_event WHERE action = 'user.role_changed'") == 1)
            #expect(try await market.count("outbox_event WHERE type = 'user.role_changed'") == 1)
            #expect(try await market.count("mail_outbox WHERE kind = 'role_granted' AND recipient = 'commissioner@demo.test'") == 1)
            let again = try await client.send(.post, "/v1/users/\(commissionerID)/role", token: boss, json: ["role": "finance"])
            #expect(again.status == .ok)
            #expect(try await market.count("audit_event WHERE action = 'user.role_changed'") == 1, "granting the role it has changes nothing")

            // The new finance officer must enrol a second factor, and approves nothing for a week.
            let batchID = try #require(try await client.createBatch(finance, cutOff: "2026-11-04")["id"] as? String)
            let newcomer = try await client.login("commissioner@demo.test")
            let early = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: newcomer)
            #expect(early.status == .forbidden && early.text.contains("confirms payments from"), "\(early.text)")
        }
    }

    @Test func whoMayGrantWhat() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let boss = try await client.login("councilboss@demo.test")
            let broker = try await client.login("broker@demo.test")
            let finance = try await client.login("finance@demo.test")
            let commissionerID = try await Self.userID(client, try await client.login("commissioner@demo.test"))
            let brokerID = try await Self.userID(client, broker)
            let northfieldID = try await Self.userID(client, try await client.login("commissioner@northfield.demo.test"))
            let bossID = try await Self.userID(client, boss)
            func grant(_ user: String, _ role: String, by token: String) async throws -> Client.Answer {
                try await client.send(.post, "/v1/users/\(user)/role", token: token, json: ["role": role])
            }
            // A platform admin never grants a council's finance role; a council admin never a broker's.
            #expect(try await grant(commissionerID, "finance", by: admin).status == .forbidden)
            #expect(try await grant(brokerID, "broker_finance", by: boss).status == .notFound, "not the council's")
            // Finance, broker and provider staff grant nothing; nobody re-roles themselves.
            #expect(try await grant(commissionerID, "council_admin", by: finance).status == .notFound, "finance staff see only themselves")
            #expect(try await grant(try await Self.userID(client, finance), "council_admin", by: finance).status == .forbidden)
            #expect(try await grant(brokerID, "broker_finance", by: broker).status == .forbidden)
            #expect(try await grant(bossID, "commissioner", by: boss).status == .forbidden)
            // Another council's staff are out of reach.
            #expect(try await grant(northfieldID, "finance", by: boss).status == .notFound)
            // The role keeps the account at home: a council's staff do not become a broker's.
            let away = try await grant(commissionerID, "broker", by: boss)
            #expect(away.status == .unprocessableContent && away.text.contains("council_admin, commissioner, finance"), "\(away.text)")
            // Malformed: no role, a role that does not exist, an identifier that is not one.
            #expect(try await client.send(.post, "/v1/users/\(commissionerID)/role", token: boss, json: [:]).status == .unprocessableContent)
            let unknown = try await grant(commissionerID, "treasurer", by: boss)
            #expect(unknown.status == .badRequest || unknown.status == .unprocessableContent, "\(unknown.text)")
            #expect(try await grant("not-a-user", "finance", by: boss).status == .badRequest)
            #expect(try await market.count("audit_event WHERE action = 'user.role_changed'") == 0)

            // A platform admin grants a broker's staff member its finance role; the broker's other staff hear of it.
            let granted = try await grant(brokerID, "broker_finance", by: admin)
            #expect(granted.status == .ok, "\(granted.text)")
            #expect(try await market.count("mail_outbox WHERE kind = 'role_granted' AND recipient = 'broker2@demo.test'") == 1)
        }
    }

    @Test func changingARoleNeedsARecentSecondFactor() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let commissionerID = try await Self.userID(client, try await client.login("commissioner@demo.test"))
            market.clock.advance(by: 61 * 86_400)
            let stale = try await client.send(.post, "/v1/users/\(commissionerID)/role", token: boss, json: ["role": "finance"])
            #expect(stale.status == .unauthorized && stale.problemType == "insufficient-user-authentication", "\(stale.text)")
            #expect(try await market.count("user WHERE role = 'finance'") == 2)
        }
    }

    @Test func aCouncilRestrictsItsStaffsEmailDomains() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let boss = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(boss)["council_id"] as? String)
            func invite(_ email: String, _ role: String = "finance") async throws -> Client.Answer {
                try await client.send(.post, "/v1/users", token: boss, json: [
                    "email": email, "display_name": "Someone New", "role": role, "council_id": council,
                ])
            }
            // Bad domains change nothing.
            for bad in [["harrowby"], ["-harrowby.gov.uk"], ["harrowby..gov.uk"], ["harrowby.gov.uk/x"], Array(repeating: "a.uk", count: 21)] {
                let answer = try await client.send(.patch, "/v1/councils/\(council)", token: boss, json: ["staff_email_domains": bad])
                #expect(answer.status == .unprocessableContent, "\(bad): \(answer.text)")
            }
            let commissioner = try await client.login("commissioner@demo.test")
            #expect(try await client.send(
                .patch, "/v1/councils/\(council)", token: commissioner, json: ["staff_email_domains": ["harrowby.gov.uk"]]).status == .forbidden)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            let northfieldCouncil = try #require(try await client.me(northfield)["council_id"] as? String)
            #expect(try await client.send(
                .patch, "/v1/councils/\(northfieldCouncil)", token: boss, json: ["staff_email_domains": ["x.gov.uk"]]).status == .notFound)

            let set = try await client.send(
                .patch, "/v1/councils/\(council)", token: boss, json: ["staff_email_domains": [" Harrowby.GOV.uk ", "harrowby.gov.uk"]])
            #expect(set.status == .ok, "\(set.text)")
            #expect(try set.json["staff_email_domains"] as? [String] == ["harrowby.gov.uk"])

            let webmail = try await invite("fran@webmail.example")
            #expect(webmail.status == .unprocessableContent && webmail.text.contains("harrowby.gov.uk"), "\(webmail.text)")
            #expect(try await invite("fran@mail.harrowby.gov.uk").status == .unprocessableContent, "subdomains are listed on their own")
            #expect(try await invite("fran@harrowby.gov.uk").status == .created)

            // `[]` lifts it; the accounts already open keep working.
            let lifted = try await client.send(.patch, "/v1/councils/\(council)", token: boss, json: ["staff_email_domains": [String]()])
            #expect(try lifted.json["staff_email_domains"] as? [String] == [])
            #expect(try await invite("fran@webmail.example").status == .created)
            #expect(try await market.count("audit_event WHERE action = 'council.settings_changed'") == 2)
        }
    }
}
