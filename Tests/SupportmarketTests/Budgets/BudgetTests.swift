import Foundation
import GRDB
import Testing

@Suite("Budget holders, funding streams and the ledger")
struct BudgetTests {
    @Test func councilStaffRegisterFundedHoldersAndSelfFundersSignThemselvesUp() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let council = try await client.councilID(of: admin)
            let holder = try await client.registerHolder(admin, name: "George Okafor")
            let shown = try await client.send(.get, "/v1/budget-holders/\(holder)", token: admin).json
            #expect(shown["council_id"] as? String == council)
            #expect(shown["self_funded"] as? Bool == false)
            #expect(shown["user_id"] is NSNull)

            // The self-funder registers themself, once; /v1/me then names the record.
            let selfFunder = try await client.login("selffunder@demo.test")
            let someoneElse = try #require(try await client.me(try await client.login("holder@demo.test"))["user_id"] as? String)
            let forAnother = try await client.send(
                .post, "/v1/budget-holders", token: selfFunder, json: ["display_name": "Sam", "user_id": someoneElse])
            #expect(forAnother.status == .unprocessableContent)
            let own = try await client.registerHolder(selfFunder, name: "Sam Fletcher")
            #expect(try await client.me(selfFunder)["budget_holder_id"] as? String == own)
            let again = try await client.send(.post, "/v1/budget-holders", token: selfFunder, json: ["display_name": "Sam"])
            #expect(again.status == .conflict)
            // Their own stream is theirs to manage: no council may hold or pay it.
            let councilManaged = try await client.send(
                .post, "/v1/budget-holders/\(own)/streams", token: selfFunder, json: Client.streamBody())
            #expect(councilManaged.status == .unprocessableContent)
            #expect(Set(councilManaged.problemFields) == ["management_option", "fund_holder"])
            let stream = try await client.addStream(selfFunder, holder: own, [
                "source": "own_contribution", "management_option": "direct_payment", "fund_holder": "holder",
            ])
            let topUp = try await client.send(
                .post, "/v1/budget-holders/\(own)/streams/\(stream)/top-ups", token: selfFunder, json: ["amount_pence": 5_000])
            #expect(topUp.status == .ok)
            #expect(try topUp.json["allocated_pence"] as? Int == 105_000)
        }
    }

    @Test func linkingAnAccountNeedsABudgetHolderAccountOfTheSameCouncil() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let commissioner = try await client.login("commissioner@demo.test")
            let commissionerUser = try #require(try await client.me(commissioner)["user_id"] as? String)
            let selfFunderUser = try #require(try await client.me(try await client.login("selffunder@demo.test"))["user_id"] as? String)
            for user in [commissionerUser, selfFunderUser] {
                let answer = try await client.send(
                    .post, "/v1/budget-holders", token: admin, json: ["display_name": "X", "user_id": user])
                #expect(answer.status == .unprocessableContent, "\(answer.text)")
                #expect(answer.problemFields == ["user_id"])
            }
            #expect(try await market.count("budget_holder") == 0)
        }
    }

    @Test(arguments: ["provider@demo.test", "broker@demo.test", "community@demo.test", "finance@demo.test", "holder@demo.test"])
    func otherRolesCannotRegisterFundedHolders(email: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login(email)
            let answer = try await client.send(.post, "/v1/budget-holders", token: token, json: ["display_name": "Someone"])
            #expect(answer.status == .forbidden, "\(email): \(answer.text)")
            #expect(try await market.count("budget_holder") == 0)
        }
    }

    @Test func aStreamsBalanceComesFromItsLedger() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let finance = try await client.login("finance@demo.test")
            let holder = try await client.registerHolder(admin)
            let stream = try await client.addStream(admin, holder: holder, ["allocation_pence": 50_000])
            let topUp = try await client.send(
                .post, "/v1/budget-holders/\(holder)/streams/\(stream)/top-ups", token: finance, json: ["amount_pence": 25_000])
            #expect(topUp.status == .ok, "\(topUp.text)")
            let budget = try await client.send(.get, "/v1/budget-holders/\(holder)/budget", token: admin).json
            let totals = try #require(budget["totals"] as? [String: Any])
            #expect(totals["allocated_pence"] as? Int == 75_000)
            #expect(totals["available_pence"] as? Int == 75_000)
            let statement = try await client.send(.get, "/v1/budget-holders/\(holder)/statement", token: admin).items
            #expect(statement.map { $0["kind"] as? String } == ["allocation", "allocation"])
            #expect(statement.map { $0["allocated_change_pence"] as? Int } == [50_000, 25_000])
            let financeUser = try #require(try await client.me(finance)["user_id"] as? String)
            #expect(statement.last?["actor_user_id"] as? String == financeUser)
            try await market.expectLedgerHolds()
        }
    }

    @Test(arguments: [
        (["allocation_pence": 0] as [String: any Sendable], "allocation_pence"),
        (["allocation_pence": 1_000_000_001], "allocation_pence"),
        (["allocation_pence": 12.5], "allocation_pence"),
        (["source": "lottery"], "source"),
        (["management_option": "managed_account"], "managing_organisation_id"),
        (["period_to": "2026-01-01"], "period_to"),
        (["period_from": "2026-02-30"], "period_from"),
        (["restricted_to_categories": ["not-a-category"]], "restricted_to_categories[0]"),
        (["fund_holder": "broker"], "fund_holder"),
        (["source": NSNull()], "source"),
    ])
    func badStreamsAreRefusedAndWriteNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin)
            let answer = try await client.send(
                .post, "/v1/budget-holders/\(holder)/streams", token: admin, json: Client.streamBody(overrides))
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            #expect(try await market.count("funding_stream") == 0)
            #expect(try await market.count("ledger_entry") == 0)
        }
    }

    @Test func topUpsOutOfRangeAreRefused() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin)
            let stream = try await client.addStream(admin, holder: holder)
            for amount: any Sendable in [0, -5, 1_000_000_000, 9_999_999_999_999_999] {
                let answer = try await client.send(
                    .post, "/v1/budget-holders/\(holder)/streams/\(stream)/top-ups", token: admin, json: ["amount_pence": amount])
                #expect(answer.status == .unprocessableContent, "\(amount): \(answer.text)")
            }
            #expect(try await market.count("ledger_entry") == 1)
        }
    }

    /// Who sees a funded holder's budget: their council's staff and the holder; nobody else
    /// learns it exists.
    @Test func onlyTheHolderAndTheirCouncilSeeTheBudget() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin)
            let streamID = try await client.addStream(admin, holder: holder)
            for email in ["commissioner@demo.test", "finance@demo.test", "admin@demo.test"] {
                let token = try await client.login(email)
                let answer = try await client.send(.get, "/v1/budget-holders/\(holder)/budget", token: token)
                #expect(answer.status == .ok, "\(email)")
                #expect(try await client.send(.get, "/v1/budget-holders", token: token).items.count == 1, "\(email)")
            }
            for email in ["commissioner@northfield.demo.test", "provider@demo.test", "broker@demo.test", "holder@demo.test",
                          "selffunder@demo.test", "community@demo.test"] {
                let token = try await client.login(email)
                for path in ["", "/budget", "/statement"] {
                    let answer = try await client.send(.get, "/v1/budget-holders/\(holder)\(path)", token: token)
                    #expect(answer.status == .notFound, "\(email) \(path): \(answer.status)")
                }
                let stream = try await client.send(
                    .post, "/v1/budget-holders/\(holder)/streams", token: token, json: Client.streamBody())
                #expect(stream.status == .notFound, "\(email)")
                let topUp = try await client.send(
                    .post, "/v1/budget-holders/\(holder)/streams/\(streamID)/top-ups", token: token, json: ["amount_pence": 100])
                #expect(topUp.status == .notFound, "\(email)")
                #expect(try await client.send(.get, "/v1/budget-holders", token: token).items.isEmpty, "\(email)")
            }
            let platformAdmin = try await client.login("admin@demo.test")
            let adminTopUp = try await client.send(
                .post, "/v1/budget-holders/\(holder)/streams/\(streamID)/top-ups", token: platformAdmin, json: ["amount_pence": 100])
            #expect(adminTopUp.status == .forbidden)
            let anonymous = try await client.send(.get, "/v1/budget-holders/\(holder)")
            #expect(anonymous.status == .unauthorized)
            // Finance may fund; commissioners too; but nobody outside the council.
            let northfield = try await client.login("commissioner@northfield.demo.test")
            let topUp = try await client.send(.post, "/v1/budget-holders/\(holder)/streams", token: northfield, json: Client.streamBody())
            #expect(topUp.status == .notFound)
            #expect(try await market.count("funding_stream") == 1)
            #expect(try await market.count("ledger_entry") == 1)
        }
    }

    @Test func theLedgerRefusesEditsDeletionsAndOverspendingAtTheSchema() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin)
            let stream = try await client.addStream(admin, holder: holder, ["allocation_pence": 1_000])
            try await market.database.writer.write { db in
                try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "ledger_entry is append-only") {
                    try db.execute(sql: "UPDATE ledger_entry SET amount_pence = 5")
                }
                try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "ledger_entry is append-only") { try db.execute(sql: "DELETE FROM ledger_entry") }
                // A reservation beyond the allocation fails the stream's CHECK, whatever the code does.
                try expectRefusal(.SQLITE_CONSTRAINT_CHECK, "committed_pence") {
                    try db.execute(sql: """
                        INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence,
                            committed_change_pence, spent_change_pence, occurred_at)
                        VALUES (?, ?, 'reservation', 1001, 0, 1001, 0, '2026-09-21')
                        """, arguments: [stream, holder])
                }
                // An entry whose changes do not match its kind fails the ledger's CHECK.
                try expectRefusal(.SQLITE_CONSTRAINT_CHECK, "CASE kind") {
                    try db.execute(sql: """
                        INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence,
                            committed_change_pence, spent_change_pence, occurred_at)
                        VALUES (?, ?, 'release', 10, 0, 10, 0, '2026-09-21')
                        """, arguments: [stream, holder])
                }
            }
            try await market.expectLedgerHolds()
        }
    }

    @Test func badPathsAndCursorsAreProblems() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("councilboss@demo.test")
            let holder = try await client.registerHolder(admin)
            #expect(try await client.send(.get, "/v1/budget-holders/nope/budget", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/v1/budget-holders/\(holder)/statement?cursor=zz", token: admin).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/budget-holders/\(holder)/statement?limit=101", token: admin).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/budget-holders/\(holder)/statement?stream_id=x", token: admin).status == .unprocessableContent)
            let missing = try await client.send(.get, "/v1/budget-holders/bdh_00000000000000000000/budget", token: admin)
            #expect(missing.status == .notFound)
        }
    }
}
