import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Idempotency-Key on creating POSTs")
struct IdempotencyTests {
    let key = HTTPField.Name("Idempotency-Key")!
    let replayed = HTTPField.Name("Idempotent-Replayed")!

    func councilCount(_ market: TestMarket) async throws -> Int {
        try await market.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM council") ?? -1 }
    }

    @Test func theSameKeyAndBodyReplaysTheFirstAnswer() async throws {
        let market = try await TestMarket.make()
        let before = try await councilCount(market)
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let body: [String: any Sendable] = ["name": "Eastmoor", "code": "E11000003"]
            let first = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-1"])
            let second = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-1"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(try first.string("id") == second.string("id"))
            #expect(try first.string("created_at") == second.string("created_at"))
        }
        #expect(try await councilCount(market) == before + 1)
    }

    /// A retry is answered with the first answer as it was, byte for byte and marked as a
    /// replay, although the order has moved on since (accepted, with a delivery).
    @Test func aRetryGetsTheFirstAnswerExactlyMarkedAsAReplay() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let body = Client.orderBody(holder: scene.holder, offering: scene.offering)
            let first = try await client.send(.post, "/v1/orders", token: scene.holderToken, json: body, headers: [key: "order-r"])
            #expect(first.status == .created)
            #expect(first.headers[replayed] == nil, "a first answer is not a replay")
            let order = try #require(try first.string("id"))
            let accepted = try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken)
            #expect(accepted.status == .ok)

            let retry = try await client.send(.post, "/v1/orders", token: scene.holderToken, json: body, headers: [key: "order-r"])
            #expect(retry.status == .created)
            #expect(retry.body == first.body, "the first answer, byte for byte")
            #expect(try retry.string("status") == "placed")
            #expect(retry.headers[replayed] == "true")
            #expect(retry.headers[.contentType] == first.headers[.contentType])
            #expect(retry.headers[.location] == first.headers[.location])
            #expect(try await market.count("purchase_order") == 1)
        }
    }

    /// When the first answer was not kept (the process stopped between the action and keeping
    /// it), a retry replays the action's stored result, still marked, and still acts once.
    @Test func withoutAKeptAnswerTheStoredResultIsReplayed() async throws {
        let market = try await TestMarket.make()
        let before = try await councilCount(market)
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let body: [String: any Sendable] = ["name": "Eastmoor", "code": "E11000003"]
            let first = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-lost"])
            #expect(first.status == .created)
            let kept = try await market.database.writer.write { db in
                let kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency_record WHERE idempotency_key = 'k-lost' AND answer_body IS NOT NULL")
                try db.execute(sql: """
                    UPDATE idempotency_record SET answer_status = NULL, answer_content_type = NULL, answer_location = NULL,
                        answer_body = NULL WHERE idempotency_key = 'k-lost'
                    """)
                return kept
            }
            #expect(kept == 1, "the first answer was kept")
            let retry = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-lost"])
            #expect(retry.status == .created)
            #expect(try retry.string("id") == first.string("id"))
            #expect(retry.headers[replayed] == "true")
        }
        #expect(try await councilCount(market) == before + 1)
    }

    /// A key stored by an earlier release, in a shape this one cannot read and with no answer
    /// kept, is a clear 409 on retry: never a second action, never a 500.
    @Test func aResultAnEarlierReleaseStoredIsAConflictNotA500() async throws {
        let market = try await TestMarket.make()
        let before = try await councilCount(market)
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let body: [String: any Sendable] = ["name": "Eastmoor", "code": "E11000003"]
            let first = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-old"])
            #expect(first.status == .created)
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    UPDATE idempotency_record SET response = '{"shape":"of an earlier release"}', answer_status = NULL,
                        answer_content_type = NULL, answer_location = NULL, answer_body = NULL WHERE idempotency_key = 'k-old'
                    """)
            }
            let retry = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "k-old"])
            #expect(retry.status == .conflict, "\(retry.text)")
            #expect(retry.text.contains("earlier release"))
        }
        #expect(try await councilCount(market) == before + 1)
    }

    @Test func theSameKeyWithAnotherBodyIs422AndWritesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            _ = try await client.send(.post, "/v1/councils", token: admin, json: ["name": "Eastmoor", "code": "E11000003"], headers: [key: "k-2"])
            let other = try await client.send(.post, "/v1/councils", token: admin, json: ["name": "Westmoor", "code": "E11000004"], headers: [key: "k-2"])
            #expect(other.status == .unprocessableContent)
            #expect(other.problemType == "idempotency-key-reused")
        }
        let westmoor = try await market.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM council WHERE code = 'E11000004'")
        }
        #expect(westmoor == 0)
    }

    @Test func differentCallersWithTheSameKeyDoNotCollide() async throws {
        let market = try await TestMarket.make()
        let before = try await councilCount(market)
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let created = try await client.send(
                .post, "/v1/users", token: admin,
                json: ["email": "admin2@demo.test", "display_name": "Second Admin", "role": "platform_admin"])
            #expect(created.status == .created)
            let second = try await client.acceptInvitation(of: "admin2@demo.test")
            let body: [String: any Sendable] = ["name": "Eastmoor", "code": "E11000003"]
            let first = try await client.send(.post, "/v1/councils", token: admin, json: body, headers: [key: "shared"])
            let other = try await client.send(
                .post, "/v1/councils", token: second, json: ["name": "Southmoor", "code": "E11000005"], headers: [key: "shared"])
            #expect(first.status == .created)
            #expect(other.status == .created)
            #expect(try first.string("id") != other.string("id"))
        }
        #expect(try await councilCount(market) == before + 2)
    }

    @Test func aFailedActionStoresNoKeySoARetryCanSucceed() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let invalid = try await client.send(.post, "/v1/councils", token: admin, json: ["name": "", "code": "E11000006"], headers: [key: "k-3"])
            #expect(invalid.status == .unprocessableContent)
            let fixed = try await client.send(.post, "/v1/councils", token: admin, json: ["name": "Northmoor", "code": "E11000006"], headers: [key: "k-3"])
            #expect(fixed.status == .created)
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 256), "has space"])
    func aMalformedKeyIs422(value: String) async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let answer = try await client.send(
                .post, "/v1/councils", token: admin, json: ["name": "Eastmoor", "code": "E11000003"], headers: [key: value])
            #expect(answer.status == .unprocessableContent)
            #expect(answer.problemFields == ["Idempotency-Key"])
        }
    }
}
