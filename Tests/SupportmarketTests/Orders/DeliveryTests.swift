import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Deliveries as they happen: never twice on a retry, never ahead of the schedule, voidable while
/// not confirmed, each step with its time.
@Suite("Deliveries")
struct DeliveryTests {
    let key = HTTPField.Name("Idempotency-Key")!

    /// An accepted weekly order of `hours` a week for `weeks` weeks from the test clock's today (2026-09-21).
    func acceptedOrder(_ client: Client, _ scene: OrderScene, hours: Int = 2, weeks: Int = 3) async throws -> String {
        let placed = try await client.placeOrder(scene.holderToken, Client.orderBody(
            holder: scene.holder, offering: scene.offering, quantity: hours, start: "2026-09-21", ["recurrence": ["weeks": weeks]]))
        let order = try #require(try placed.string("id"), "\(placed.text)")
        let accepted = try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken)
        try #require(accepted.status == .ok, "\(accepted.text)")
        return order
    }

    func deliver(
        _ client: Client, _ scene: OrderScene, order: String, _ quantity: any Sendable, on day: String = "2026-09-21",
        note: String? = nil, key value: String? = nil
    ) async throws -> Client.Answer {
        var body: [String: any Sendable] = ["line_number": 1, "delivered_on": day, "quantity": quantity]
        if let note { body["note"] = note }
        return try await client.send(
            .post, "/v1/orders/\(order)/deliveries", token: scene.providerToken, json: body,
            headers: value.map { [key: $0] } ?? [:])
    }

    @Test func theSameDeliverySentTwiceWithOneKeyRecordsOne() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene)
            let first = try await deliver(client, scene, order: order, 1.5, key: "visit-1")
            let retry = try await deliver(client, scene, order: order, 1.5, key: "visit-1")
            #expect(first.status == .created, "\(first.text)")
            #expect(retry.status == .created)
            #expect(try first.string("id") == retry.string("id"))
            #expect(try first.string("recorded_at") == retry.string("recorded_at"))
            // The same key with another body is refused and writes nothing.
            let other = try await deliver(client, scene, order: order, 0.5, key: "visit-1")
            #expect(other.status == .unprocessableContent)
            #expect(other.problemType == "idempotency-key-reused")
            // Another key is another delivery.
            #expect(try await deliver(client, scene, order: order, 0.5, key: "visit-2").status == .created)
        }
        #expect(try await market.count("delivery") == 2)
        let recorded = try await market.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE type = 'delivery.recorded'")
        }
        #expect(recorded == 2)
        try await market.expectLedgerHolds()
    }

    /// While the first request with a key waits for the database, a second with the same key is
    /// 409 at once and never runs; once the first has answered, a retry replays it.
    @Test func aKeyWhoseFirstRequestIsStillRunningIs409() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene)
            let held = DispatchSemaphore(value: 0)
            let holding = Task { try await market.database.writer.write { _ in _ = held.wait(timeout: .now() + 10) } }
            let first = Task { try await deliver(client, scene, order: order, 2, key: "visit-1") }
            try await Task.sleep(for: .milliseconds(300))
            let second = try await deliver(client, scene, order: order, 2, key: "visit-1")
            #expect(second.status == .conflict, "\(second.text)")
            #expect(second.problemType == "idempotency-key-in-use")
            #expect(second.headers[.retryAfter] == "1")
            held.signal()
            try await holding.value
            let answered = try await first.value
            #expect(answered.status == .created, "\(answered.text)")
            let replayed = try await deliver(client, scene, order: order, 2, key: "visit-1")
            #expect(replayed.status == .created)
            #expect(try replayed.string("id") == answered.string("id"))
        }
        #expect(try await market.count("delivery") == 1)
        try await market.expectLedgerHolds()
    }

    /// The same delivery sent at once on eight connections to a live server: one delivery, and
    /// every answer is that delivery or 409.
    @Test func theSameDeliverySentConcurrentlyRecordsOne() async throws {
        let market = try await TestMarket.make()
        try await market.application.test(.live) { raw in
            let client = Client(client: raw, market: market)
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene)
            let port = try #require(raw.port)
            let body = try JSONSerialization.data(withJSONObject: ["line_number": 1, "delivered_on": "2026-09-21", "quantity": 1])
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port) { connection in
                            let response = try await connection.post(
                                "/v1/orders/\(order)/deliveries",
                                headers: [.authorization: "Bearer \(scene.providerToken)", .contentType: "application/json",
                                          key: "burst-1"],
                                body: ByteBuffer(bytes: body))
                            let json = response.body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.readableBytesView)) } as? [String: Any]
                            let identity = response.head.status == .created ? json?["id"] as? String : json?["type"] as? String
                            return (response.head.status, identity)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = answers.filter { $0.0 == .created }
            #expect(!created.isEmpty)
            #expect(Set(created.map(\.1)).count == 1, "every 201 is the one delivery")
            for refused in answers where refused.0 != .created {
                #expect(refused.0 == .conflict)
                #expect(refused.1?.hasSuffix("idempotency-key-in-use") == true)
            }
        }
        #expect(try await market.count("delivery") == 1)
        try await market.expectLedgerHolds()
    }

    @Test func aWeeklyOrderIsNotDeliveredAheadOfItsSchedule() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene, hours: 2, weeks: 3)
            // Week 1: its two hours, not a minute of week 2's.
            #expect(try await deliver(client, scene, order: order, 2).status == .created)
            let ahead = try await deliver(client, scene, order: order, 0.25)
            #expect(ahead.status == .unprocessableContent)
            #expect(ahead.problemFields == ["quantity"])
            #expect(ahead.text.contains("1 of 3 weeks have begun"), "\(ahead.text)")
            // Week 3: the missed week 2 is made up, and week 3 is due.
            market.clock.advance(by: 14 * 86_400)
            #expect(try await deliver(client, scene, order: order, 4, on: "2026-10-05").status == .created)
        }
        #expect(try await market.count("delivery") == 2)
        try await market.expectLedgerHolds()
    }

    /// A delivery dated in an earlier week counts from that week on: backdating cannot put more
    /// in week 1 than week 1 was for.
    @Test func aBackdatedDeliveryCountsFromItsOwnDate() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene, hours: 2, weeks: 3)
            market.clock.advance(by: 14 * 86_400)
            #expect(try await deliver(client, scene, order: order, 2, on: "2026-10-05").status == .created)
            #expect(try await deliver(client, scene, order: order, 2, on: "2026-09-21").status == .created)
            // Week 1 has its 2 hours: a third dated in week 1 is ahead; one dated in week 2 is not.
            #expect(try await deliver(client, scene, order: order, 1, on: "2026-09-22").status == .unprocessableContent)
            #expect(try await deliver(client, scene, order: order, 2, on: "2026-09-28").status == .created)
            #expect(try await deliver(client, scene, order: order, 0.01, on: "2026-10-05").status == .unprocessableContent)
        }
        #expect(try await market.count("delivery") == 3)
    }

    @Test func aNoteIsKeptAndALongOneIsRefused() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene)
            let long = try await deliver(client, scene, order: order, 1, note: String(repeating: "x", count: 501))
            #expect(long.status == .unprocessableContent)
            #expect(long.problemFields == ["note"])
            #expect(try await market.count("delivery") == 0)
            let noted = try await deliver(client, scene, order: order, 1, note: " Visited at 10, all well. ")
            #expect(try noted.string("note") == "Visited at 10, all well.")
        }
    }

    @Test func theProviderVoidsADeliveryRecordedByMistake() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene, hours: 2, weeks: 1)
            let mistaken = try #require(try await deliver(client, scene, order: order, 2).string("id"))
            // Only its provider voids it: the buyer may not; another provider cannot see it.
            #expect(try await client.send(.post, "/v1/deliveries/\(mistaken)/void", token: scene.holderToken).status == .forbidden)
            let other = try await client.otherProviderStaff()
            #expect(try await client.send(.post, "/v1/deliveries/\(mistaken)/void", token: other).status == .notFound)
            #expect(try await client.send(.post, "/v1/deliveries/not-an-id/void", token: scene.providerToken).status == .badRequest)
            let voided = try await client.send(.post, "/v1/deliveries/\(mistaken)/void", token: scene.providerToken)
            #expect(voided.status == .ok, "\(voided.text)")
            #expect(try voided.string("status") == "voided")
            #expect(try voided.json["voided_at"] as? String != nil)
            // Final: neither confirmed nor voided again.
            #expect(try await client.send(.post, "/v1/deliveries/\(mistaken)/confirm", token: scene.holderToken).status == .conflict)
            #expect(try await client.send(.post, "/v1/deliveries/\(mistaken)/void", token: scene.providerToken).status == .conflict)
            // Nothing was spent, the money is still reserved, and the line can be delivered in full.
            var stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["spent_pence"] as? Int == 0)
            #expect(stream["committed_pence"] as? Int == 2_000)
            let real = try #require(try await deliver(client, scene, order: order, 2).string("id"))
            // A confirmed delivery cannot be voided.
            #expect(try await client.send(.post, "/v1/deliveries/\(real)/confirm", token: scene.holderToken).status == .ok)
            #expect(try await client.send(.post, "/v1/deliveries/\(real)/void", token: scene.providerToken).status == .conflict)
            let done = try await client.send(.get, "/v1/orders/\(order)", token: scene.holderToken).json
            #expect(done["status"] as? String == "completed")
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["spent_pence"] as? Int == 2_000)
            #expect(stream["committed_pence"] as? Int == 0)
        }
        let events = try await market.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type FROM outbox_event WHERE type LIKE 'delivery.%' ORDER BY seq")
        }
        #expect(events == ["delivery.recorded", "delivery.voided", "delivery.recorded", "delivery.confirmed"])
        let audited = try await market.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_event WHERE action = 'delivery.voided'")
        }
        #expect(audited == 1)
        try await market.expectLedgerHolds()
    }

    /// On a cancelled order, a delivery's money stays reserved until it is confirmed; voiding it
    /// releases it instead.
    @Test func voidingOnACancelledOrderReleasesTheMoney() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let order = try await acceptedOrder(client, scene, hours: 2, weeks: 2)
            let delivery = try #require(try await deliver(client, scene, order: order, 1.5).string("id"))
            let cancelled = try await client.send(.post, "/v1/orders/\(order)/cancel", token: scene.holderToken).json
            #expect(cancelled["cancelled_at"] as? String != nil)
            var stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 1_500)
            #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/void", token: scene.providerToken).status == .ok)
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 0)
            #expect(stream["spent_pence"] as? Int == 0)
        }
        try await market.expectLedgerHolds()
    }
}
