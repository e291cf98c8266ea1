import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Idempotency-Key on creating POSTs")
struct IdempotencyTests {
    let key = HTTPField.Name("Idempotency-Key")!

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
