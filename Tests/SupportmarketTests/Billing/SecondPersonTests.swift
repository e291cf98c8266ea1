import Foundation
import GRDB
import HTTPTypes
import MarketCore
import Testing

/// Where money goes needs two people: a payer's account changes only when a second person of
/// its staff confirms it, nobody confirms what an account they created did (or what the account
/// that created theirs did), and a platform admin cannot make a council's finance staff.
@Suite("Where money goes needs two people")
struct SecondPersonTests {
    static func createUser(
        _ client: Client, as token: String, email: String, role: String, council: String? = nil, organisation: String? = nil
    ) async throws -> Client.Answer {
        var body: [String: any Sendable] = [
            "email": email, "display_name": "Someone New", "role": role,
        ]
        if let council { body["council_id"] = council }
        if let organisation { body["organisation_id"] = organisation }
        return try await client.send(.post, "/v1/users", token: token, json: body)
    }

    @Test func aPayerAccountChangesOnlyWhenASecondPersonConfirmsIt() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            let finance2 = try await client.login("finance2@demo.test")
            let council = try #require(try await client.me(finance)["council_id"] as? String)
            let before = try await client.send(.get, "/v1/payer-accounts/\(council)", token: finance).json
            let beforeDetails = try #require(before["details"] as? [String: Any])

            let replacement = Client.councilAccount.merging(["account_name": "Not the council", "account_number": "99887766"]) { $1 }
            let proposed = try await client.send(.put, "/v1/payer-accounts/\(council)", token: finance, json: replacement)
            #expect(proposed.status == .accepted, "\(proposed.text)")
            #expect(try proposed.string("status") == "pending")
            let change = try #require(try proposed.string("id"))
            #expect(change.hasPrefix("pac_"))

            // Nothing changed yet, and the proposer cannot confirm it.
            let unchanged = try await client.send(.get, "/v1/payer-accounts/\(council)", token: finance2).json
            #expect((unchanged["details"] as? [String: Any])?["account_number"] as? String == beforeDetails["account_number"] as? String)
            let pending = try await client.send(.get, "/v1/payer-accounts/\(council)/pending-change", token: finance2)
            #expect(pending.status == .ok)
            #expect(try pending.string("id") == change)
            let own = try await client.send(.post, "/v1/payer-accounts/\(council)/confirm", token: finance, json: ["change_id": change])
            #expect(own.status == .forbidden, "\(own.text)")

            // Bad input and other people change nothing.
            #expect(try await client.send(.post, "/v1/payer-accounts/\(council)/confirm", token: finance2, json: [:])
                .problemFields == ["change_id"])
            #expect(try await client.send(.post, "/v1/payer-accounts/\(council)/confirm", token: finance2, json: ["change_id": "nonsense"])
                .status == .unprocessableContent)
            #expect(try await client.send(
                .post, "/v1/payer-accounts/\(council)/confirm", token: finance2, json: ["change_id": "pac_00000000000000000000"]).status == .conflict)
            for token in [try await client.login("councilboss@demo.test"), try await client.login("commissioner@demo.test")] {
                let answer = try await client.send(.post, "/v1/payer-accounts/\(council)/confirm", token: token, json: ["change_id": change])
                #expect(answer.status == .forbidden || answer.status == .notFound, "\(answer.text)")
            }
            for token in [try await client.login("commissioner@northfield.demo.test"), try await client.login("provider@demo.test")] {
                #expect(try await client.send(
                    .post, "/v1/payer-accounts/\(council)/confirm", token: token, json: ["change_id": change]).status == .notFound)
                #expect(try await client.send(.get, "/v1/payer-accounts/\(council)/pending-change", token: token).status == .notFound)
            }
            #expect(try await market.count("payer_account_change", where: "status = 'confirmed'") == 0)

            // A second person confirms: now it is in effect, and nothing is pending.
            let confirmed = try await client.send(.post, "/v1/payer-accounts/\(council)/confirm", token: finance2, json: ["change_id": change])
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let after = try await client.send(.get, "/v1/payer-accounts/\(council)", token: finance).json
            #expect((after["details"] as? [String: Any])?["account_number"] as? String == "99887766")
            #expect(try await client.send(.get, "/v1/payer-accounts/\(council)/pending-change", token: finance).status == .notFound)
            // A confirmed change cannot be confirmed again.
            #expect(try await client.send(
                .post, "/v1/payer-accounts/\(council)/confirm", token: finance2, json: ["change_id": change]).status == .notFound)
        }
    }

    @Test func aNewProposalSupersedesOneStillPending() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            let finance2 = try await client.login("finance2@demo.test")
            let council = try #require(try await client.me(finance)["council_id"] as? String)
            let first = try #require(try await client.send(.put, "/v1/payer-accounts/\(council)", token: finance, json: Client.councilAccount).string("id"))
            let second = try #require(try await client.send(.put, "/v1/payer-accounts/\(council)", token: finance2, json: Client.councilAccount).string("id"))
            #expect(try await client.send(
                .post, "/v1/payer-accounts/\(council)/confirm", token: finance, json: ["change_id": first]).status == .conflict)
            #expect(try await client.send(
                .post, "/v1/payer-accounts/\(council)/confirm", token: finance, json: ["change_id": second]).status == .ok)
            #expect(try await market.count("payer_account_change", where: "status = 'superseded'") == 1)
        }
    }

    @Test func theSchemaRefusesAConfirmationByTheProposer() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            let council = try #require(try await client.me(finance)["council_id"] as? String)
            _ = try await client.send(.put, "/v1/payer-accounts/\(council)", token: finance, json: Client.councilAccount)
        }
        await #expect(throws: DatabaseError.self) {
            try await market.database.writer.write { db in
                try db.execute(sql: "UPDATE payer_account_change SET status = 'confirmed', decided_by = proposed_by, decided_at = proposed_at")
            }
        }
    }

    @Test func aPlatformAdminCannotMakeACouncilsFinanceStaffButItsAdminsCan() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let councilAdmin = try await client.login("councilboss@demo.test")
            let council = try #require(try await client.me(councilAdmin)["council_id"] as? String)
            let refused = try await Self.createUser(client, as: admin, email: "insider@demo.test", role: "finance", council: council)
            #expect(refused.status == .forbidden, "\(refused.text)")
            #expect(try await market.count("user", where: "email = 'insider@demo.test'") == 0)
            let granted = try await Self.createUser(client, as: councilAdmin, email: "finance3@demo.test", role: "finance", council: council)
            #expect(granted.status == .created, "\(granted.text)")
            // Who created whom is recorded, for the four-eyes rule.
            let creator = try await market.database.writer.read { db in
                try String.fetchOne(db, sql: "SELECT created_by FROM user WHERE email = 'finance3@demo.test'")
            }
            #expect(creator == (try await client.me(councilAdmin)["user_id"] as? String))
        }
    }

    /// A broker's staff cannot make their own approver: the broker finance role is granted by a
    /// platform admin only, and a colleague the broker invited stays bound to them after the grant.
    @Test func aColleagueOneCreatedIsNoSecondPerson() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let broker = try await client.login("broker@demo.test")
            let organisation = try #require(try await client.me(broker)["organisation_id"] as? String)
            let asFinance = try await Self.createUser(
                client, as: broker, email: "approver@broker.demo.test", role: "broker_finance", organisation: organisation)
            #expect(asFinance.status == .forbidden, "\(asFinance.text)")
            #expect(try asFinance.string("detail")?.contains("platform admin") == true)
            // The broker invites a colleague with their own role; the platform admin makes another finance.
            let colleague = try await Self.createUser(client, as: broker, email: "colleague@broker.demo.test", role: "broker", organisation: organisation)
            #expect(colleague.status == .created, "\(colleague.text)")
            let colleagueID = try #require(try colleague.string("id"))
            let admin = try await client.login("admin@demo.test")
            let other = try await Self.createUser(client, as: admin, email: "other@broker.demo.test", role: "broker_finance", organisation: organisation)
            #expect(other.status == .created, "\(other.text)")
            var colleagueToken = try await client.acceptInvitation(of: "colleague@broker.demo.test")
            let otherToken = try await client.acceptInvitation(of: "other@broker.demo.test")

            // A change proposed by the broker: the colleague, as broker staff, confirms nothing...
            let change = try #require(try await client.send(
                .put, "/v1/payer-accounts/\(organisation)", token: broker, json: Client.councilAccount).string("id"))
            let asStaff = try await client.send(
                .post, "/v1/payer-accounts/\(organisation)/confirm", token: colleagueToken, json: ["change_id": change])
            #expect(asStaff.status == .forbidden, "\(asStaff.text)")
            #expect(try asStaff.string("detail")?.contains("finance staff") == true)
            // ...and once a platform admin grants them the finance role, still not what the broker who invited them did.
            let granted = try await client.send(.post, "/v1/users/\(colleagueID)/role", token: admin, json: ["role": "broker_finance"])
            #expect(granted.status == .ok && granted.text.contains("\"broker_finance\""), "\(granted.text)")
            #expect(try await client.send(.get, "/v1/me", token: colleagueToken).status == .unauthorized, "a role change ends the sessions")
            colleagueToken = try await client.login("colleague@broker.demo.test", password: "a long enough password")
            let byColleague = try await client.send(
                .post, "/v1/payer-accounts/\(organisation)/confirm", token: colleagueToken, json: ["change_id": change])
            #expect(byColleague.status == .forbidden, "\(byColleague.text)")
            #expect(try byColleague.string("detail")?.contains("invited your account") == true)
            // A finance colleague with no such tie confirms it.
            let byOther = try await client.send(.post, "/v1/payer-accounts/\(organisation)/confirm", token: otherToken, json: ["change_id": change])
            #expect(byOther.status == .ok, "\(byOther.text)")
        }
    }

    @Test func detailsVerifiedFewerThanTheHoldDaysAgoAreHeldOutWithTheReasonThenPaid() async throws {
        let market = try await TestMarket.make { $0.newBankDetailsHoldDays = 3 }
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)  // verified on 2026-10-05
            try market.setToday("2026-10-06")
            let early = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            let held = try #require(early["held"] as? [[String: Any]])
            #expect(held.count == 1 && (early["payments"] as? [Any])?.isEmpty == true, "\(early)")
            let reason = try #require(held.first?["reason"] as? String)
            #expect(reason.contains("fewer than 3 days ago") && reason.contains("paid from 2026-10-08"), "\(reason)")
            let id = try #require(early["id"] as? String)
            #expect(try await client.send(.post, "/v1/payment-batches/\(id)/cancel", token: scene.finance).status == .ok)
            try market.setToday("2026-10-08")
            let later = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            #expect((later["held"] as? [Any])?.isEmpty == true && (later["payments"] as? [Any])?.count == 1, "\(later)")
        }
    }

    @Test func theRule() throws {
        let a = UserID.random(), b = UserID.random(), c = UserID.random(), d = UserID.random()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let old = now.addingTimeInterval(-60 * 86_400), recent = now.addingTimeInterval(-10 * 86_400)
        let week: TimeInterval = 7 * 86_400
        func check(_ confirmer: FourEyes.Person, _ author: FourEyes.Person) throws {
            try FourEyes.check(confirmer, confirming: author, "did it", at: now, coolingOff: week)
        }
        // The same person; one who invited the other in the last 30 days, either way round;
        // one invited by someone the author invited.
        #expect(throws: MarketError.self) { try check(.init(id: a, grantedAt: old, createdBy: nil), .init(id: a, grantedAt: old, createdBy: nil)) }
        #expect(throws: MarketError.self) { try check(.init(id: a, grantedAt: old, createdBy: nil), .init(id: b, grantedAt: recent, createdBy: a)) }
        #expect(throws: MarketError.self) { try check(.init(id: b, grantedAt: recent, createdBy: a), .init(id: a, grantedAt: old, createdBy: nil)) }
        #expect(throws: MarketError.self) {
            try check(.init(id: d, grantedAt: recent, createdBy: b, createdByCreator: a), .init(id: a, grantedAt: old, createdBy: nil))
        }
        // A role granted in the last week confirms nothing yet.
        #expect(throws: MarketError.self) {
            try check(.init(id: b, grantedAt: now.addingTimeInterval(-86_400), createdBy: c), .init(id: a, grantedAt: old, createdBy: c))
        }
        // Invitations older than 30 days no longer bind; strangers confirm.
        try check(.init(id: b, grantedAt: old, createdBy: a), .init(id: a, grantedAt: old, createdBy: nil))
        try check(.init(id: b, grantedAt: recent, createdBy: c), .init(id: a, grantedAt: old, createdBy: c))
        try check(.init(id: b, grantedAt: old, createdBy: nil), .init(id: a, grantedAt: old, createdBy: nil))
    }

    /// A finance account invited today approves nothing for a week (`SUPPORTMARKET_NEW_ROLE_COOLING_OFF_DAYS`).
    @Test func aNewFinanceAccountWaitsOutItsCoolingOff() async throws {
        let market = try await TestMarket.make { $0.newRoleCoolingOffDays = 7 }
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            let batchID = try #require(try await client.createBatch(scene.finance, cutOff: "2026-11-04")["id"] as? String)
            let boss = try await client.login("councilboss@demo.test")
            let created = try await Self.createUser(client, as: boss, email: "finance3@demo.test", role: "finance", council: scene.order.council)
            #expect(created.status == .created, "\(created.text)")
            let newcomer = try await client.acceptInvitation(of: "finance3@demo.test")
            let early = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: newcomer)
            #expect(early.status == .forbidden, "\(early.text)")
            #expect(try early.string("detail")?.contains("confirms payments from") == true)
            market.clock.advance(by: 8 * 86_400)
            try await client.passSecondFactor(
                newcomer, secret: try #require(SecondFactorSecrets.shared.secret(of: "finance3@demo.test", clock: market.clock)),
                path: "/v1/auth/step-up")
            let later = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: newcomer)
            #expect(later.status == .ok, "\(later.text)")
        }
    }
}
