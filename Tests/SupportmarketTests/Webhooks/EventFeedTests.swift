import Foundation
import HTTPTypes
import Testing

/// `GET /v1/events`: the events the caller may see, by the same audiences as webhooks, in a
/// strictly increasing sequence, with long-polling.
@Suite("The event feed")
struct EventFeedTests {
    func feed(_ client: Client, _ token: String, _ query: String = "") async throws -> (types: [String], seqs: [Int], next: Int) {
        let answer = try await client.send(.get, "/v1/events\(query)", token: token)
        try #require(answer.status == .ok, "\(answer.text)")
        let items = try answer.items
        return (items.compactMap { $0["type"] as? String }, items.compactMap { $0["seq"] as? Int },
                try #require(try answer.json["next_after"] as? Int))
    }

    @Test func eachCallerSeesOnlyTheirOwnEventsInOrder() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            _ = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
            let community = try await client.login("community@demo.test")
            let provider = try #require(try await client.me(scene.providerToken)["organisation_id"] as? String)
            _ = try await client.send(.post, "/v1/concerns", token: community, json: [
                "council_id": scene.council, "about_provider_id": provider, "urgency": "routine", "description": "Late visits, every week",
            ])

            let ofProvider = try await feed(client, scene.providerToken)
            #expect(ofProvider.types == ["offering.published", "order.placed"], "never the concern about it")
            #expect(ofProvider.seqs == ofProvider.seqs.sorted() && Set(ofProvider.seqs).count == ofProvider.seqs.count)
            #expect(try await feed(client, scene.adminToken).types == ["order.placed", "concern.raised"])
            #expect(try await feed(client, scene.holderToken).types == ["order.placed"], "the holder's own account")
            let broker = try await client.login("broker@demo.test")
            #expect(try await feed(client, broker).types.isEmpty, "no delegation over this holder")
            for email in ["commissioner@northfield.demo.test", "cakes@demo.test", "admin@demo.test"] {
                let token = email == "cakes@demo.test" ? try await client.otherProviderStaff() : try await client.login(email)
                // cakes@ was invited in this test: its own `user.invited` is its to see.
                #expect(try await feed(client, token).types.filter { !$0.hasPrefix("user.") }.isEmpty, "\(email)")
            }
            #expect(try await feed(client, community).types.isEmpty, "whoever raised a concern is not told of it by the feed")

            // Resuming after the last sequence gives nothing new; types filter.
            #expect(try await feed(client, scene.providerToken, "?after=\(ofProvider.next)").types.isEmpty)
            #expect(try await feed(client, scene.providerToken, "?types=order.placed").types == ["order.placed"])
            #expect(try await feed(client, scene.providerToken, "?limit=1").types == ["offering.published"])
            let payload = try await client.send(.get, "/v1/events?types=order.placed", token: scene.providerToken).items.first
            #expect((payload?["data"] as? [String: Any])?["total_pence"] as? Int == 4_000)
        }
    }

    /// A long poll answers as soon as an event for the caller commits.
    @Test func aLongPollAnswersWhenAnEventArrives() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let after = try await feed(client, scene.providerToken).next
            let started = ContinuousClock.now
            async let waited = feed(client, scene.providerToken, "?after=\(after)&wait=20")
            try await Task.sleep(for: .milliseconds(300))
            _ = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
            let answer = try await waited
            #expect(answer.types == ["order.placed"])
            #expect(ContinuousClock.now - started < .seconds(10), "it did not wait for the full 20 s")
            let empty = try await feed(client, scene.providerToken, "?after=\(answer.next)&wait=1")
            #expect(empty.types.isEmpty && empty.next == answer.next)
        }
    }

    @Test(arguments: ["after=-1", "after=x", "limit=0", "limit=501", "wait=31", "wait=soon", "types=order.exploded"])
    func badFeedQueriesAreRefused(query: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let token = try await client.login("provider@demo.test")
            let answer = try await client.send(.get, "/v1/events?\(query)", token: token)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(try await client.send(.get, "/v1/events").status == .unauthorized)
        }
    }

    /// Sequence numbers are never issued twice: the outbox is append-only and AUTOINCREMENT.
    @Test func eventsAreNeverDeletedNorTheirNumbersReused() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            _ = try await client.createOffering(provider)
        }
        await #expect(throws: (any Error).self) {
            try await market.database.writer.write { db in try db.execute(sql: "DELETE FROM outbox_event") }
        }
        let schema = try await market.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'outbox_event'")
        }
        #expect(schema?.contains("AUTOINCREMENT") == true)
    }
}
