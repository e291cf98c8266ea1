import Foundation
import GRDB
import HTTPTypes
import MarketCore
import MarketStore
import Testing
import Webhooks

extension Client {
    /// Creates a webhook endpoint as `token`; returns its id and its secret.
    func createEndpoint(_ token: String, url: String, types: [String] = []) async throws -> (id: String, secret: String) {
        let answer = try await send(.post, "/v1/webhook-endpoints", token: token, json: ["url": url, "event_types": types])
        try #require(answer.status == .created, "\(answer.text)")
        return (try #require(try answer.string("id")), try #require(try answer.string("secret")))
    }

    /// Waits (at most 10 s) until the endpoint's newest delivery has recorded `count` attempts.
    func awaitAttempts(_ count: Int, _ token: String, endpoint: String) async throws {
        for _ in 0..<500 {
            if let delivery = try await deliveries(token, endpoint: endpoint).first, delivery["attempts"] as? Int ?? 0 >= count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the delivery never reached \(count) attempts")
    }

    func deliveries(_ token: String, endpoint: String, _ query: String = "") async throws -> [[String: any Sendable]] {
        let answer = try await send(.get, "/v1/webhook-endpoints/\(endpoint)/deliveries\(query)", token: token)
        try #require(answer.status == .ok, "\(answer.text)")
        return try answer.items
    }
}

/// Every committed event reaches the endpoints whose owners may see it, signed the Standard
/// Webhooks way, at least once, over real libcurl to receivers on 127.0.0.1.
@Suite("Webhooks")
struct WebhookTests {
    @Test func eventsReachOnlyTheEndpointsWhoseOwnersMaySeeThemSigned() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let admin = try await client.login("councilboss@demo.test")
                let cakes = try await client.otherProviderStaff()
                let northfield = try await client.login("commissioner@northfield.demo.test")
                let brightpath = try await client.createEndpoint(provider, url: receiver.url("/brightpath"))
                let harrowby = try await client.createEndpoint(admin, url: receiver.url("/harrowby"), types: ["order.placed", "concern.raised"])
                _ = try await client.createEndpoint(cakes, url: receiver.url("/cakes"))
                _ = try await client.createEndpoint(northfield, url: receiver.url("/northfield"))

                let scene = try await OrderScene.make(client)
                let placed = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
                let orderID = try #require(try placed.string("id"))
                let community = try await client.login("community@demo.test")
                let concern = try await client.send(.post, "/v1/concerns", token: community, json: [
                    "council_id": scene.council, "about_provider_id": try #require(try await client.me(provider)["organisation_id"] as? String),
                    "urgency": "urgent", "description": "Shouting at a client",
                ])
                #expect(concern.status == .created)

                let atProvider = try await receiver.await(2, at: "/brightpath") { $0.type == "order.placed" || $0.type == "offering.published" }
                #expect(Set(atProvider.compactMap(\.type)) == ["offering.published", "order.placed"])
                let atCouncil = try await receiver.await(2, at: "/harrowby")
                #expect(atCouncil.compactMap(\.type).sorted() == ["concern.raised", "order.placed"], "only the types it asked for")

                // Signed with the endpoint's secret over id.timestamp.body; typed, thin data.
                let order = try #require(atProvider.first { $0.type == "order.placed" })
                let signer = try #require(WebhookSigner(secret: brightpath.secret))
                #expect(signer.verifies(
                    header: try #require(order.signature), messageID: try #require(order.webhookID),
                    timestamp: try #require(order.timestamp), body: order.body))
                #expect(try #require(order.webhookID).hasPrefix("evt_"))
                let data = try #require(order.json["data"] as? [String: Any])
                #expect(data["order_id"] as? String == orderID)
                #expect(data["total_pence"] as? Int == 4_000, "pence are integers")
                #expect(order.headers[.userAgent]?.hasPrefix("Supportmarket-Webhooks/") == true)
                let councilSigner = try #require(WebhookSigner(secret: harrowby.secret))
                #expect(!councilSigner.verifies(
                    header: try #require(order.signature), messageID: try #require(order.webhookID),
                    timestamp: try #require(order.timestamp), body: order.body), "each endpoint has its own secret")

                // Nobody else: not another provider, not another council; and the concern only reached its council.
                try await Task.sleep(for: .milliseconds(300))
                #expect(await receiver.received("/cakes").isEmpty)
                #expect(await receiver.received("/northfield").isEmpty)
                #expect(await receiver.received("/brightpath").allSatisfy { $0.type != "concern.raised" })
                let delivered = try await client.deliveries(provider, endpoint: brightpath.id, "?status=succeeded")
                #expect(delivered.count == 2)
                #expect((delivered.first?["recent_attempts"] as? [[String: Any]])?.first?["status_code"] as? Int == 200)
            }
        }
    }

    /// 503 three times, then 200: four attempts on Svix's schedule, all with the same webhook-id.
    @Test func aFailingReceiverGetsTheSameEventUntilItAnswers() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            await receiver.script("/flaky", .init(statuses: [503, 503, 503, 200]))
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let endpoint = try await client.createEndpoint(provider, url: receiver.url("/flaky"), types: ["offering.published"])
                _ = try await client.createOffering(provider)
                try await receiver.await(1, at: "/flaky")
                for (attempts, wait) in [(2, 6.0), (3, 331.0), (4, 1_981.0)] {
                    // The clock moves only once the last attempt is recorded (its retry is timed from then).
                    try await client.awaitAttempts(attempts - 1, provider, endpoint: endpoint.id)
                    market.clock.advance(by: wait)
                    let got = try await receiver.await(attempts, at: "/flaky")
                    #expect(got.count == attempts, "attempt \(attempts)")
                }
                try await client.awaitAttempts(4, provider, endpoint: endpoint.id)
                let all = await receiver.received("/flaky")
                #expect(Set(all.compactMap(\.webhookID)).count == 1)
                try await Task.sleep(for: .milliseconds(200))
                let delivery = try #require(try await client.deliveries(provider, endpoint: endpoint.id).first)
                #expect(delivery["status"] as? String == "succeeded")
                #expect(delivery["attempts"] as? Int == 4)
                #expect((delivery["recent_attempts"] as? [[String: Any]])?.map { $0["status_code"] as? Int } == [200, 503, 503, 503])
                #expect((delivery["recent_attempts"] as? [[String: Any]])?.last?["response_excerpt"] as? String == "answered 503")
            }
        }
    }

    @Test func a410DisablesTheEndpointAndTellsItsOwner() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            await receiver.script("/gone", .init(statuses: [410]))
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let gone = try await client.createEndpoint(provider, url: receiver.url("/gone"))
                let other = try await client.createEndpoint(provider, url: receiver.url("/other"), types: ["webhook_endpoint.disabled"])
                _ = try await client.createOffering(provider)
                try await receiver.await(1, at: "/gone")
                let told = try await receiver.await(1, at: "/other")
                #expect(told.first?.type == "webhook_endpoint.disabled")
                #expect((told.first?.json["data"] as? [String: Any])?["endpoint_id"] as? String == gone.id)
                let shown = try await client.send(.get, "/v1/webhook-endpoints/\(gone.id)", token: provider).json
                #expect(shown["enabled"] as? Bool == false)
                #expect((shown["disabled_reason"] as? String)?.contains("410") == true)
                // Nothing more is sent to it; enabling it again lets deliveries through.
                _ = try await client.createOffering(provider, ["title": "Another"])
                try await Task.sleep(for: .milliseconds(300))
                #expect(await receiver.received("/gone").count == 1)
                _ = other
            }
        }
    }

    /// An endpoint that has failed without a break for five days (the default) is disabled.
    @Test func daysOfFailuresDisableTheEndpoint() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            await receiver.script("/failing", .init(statuses: [500]))
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let endpoint = try await client.createEndpoint(provider, url: receiver.url("/failing"), types: ["offering.published"])
                _ = try await client.createOffering(provider)
                try await client.awaitAttempts(1, provider, endpoint: endpoint.id)
                market.clock.advance(by: 4 * 86_400)
                _ = try await client.createOffering(provider, ["title": "Four days on"])
                try await receiver.await(2, at: "/failing")
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: provider).json["enabled"] as? Bool == true)
                market.clock.advance(by: 86_400 + 60)
                _ = try await client.createOffering(provider, ["title": "Five days on"])
                try await receiver.await(3, at: "/failing")
                var shown: [String: any Sendable] = [:]
                for _ in 0..<100 {
                    shown = try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: provider).json
                    if shown["enabled"] as? Bool == false { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(shown["enabled"] as? Bool == false)
                #expect((shown["disabled_reason"] as? String)?.contains("5 days") == true, "\(shown)")
            }
        }
    }

    /// A refused connection and a timeout are recorded with curl's error and tried again later.
    @Test func refusedConnectionsAndTimeoutsAreRetried() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            await receiver.script("/slow", .init(statuses: [200], delay: .seconds(3)))
            let app = market.application { $0.webhookTimeout = 1 }
            try await app.test(.router) { raw in
                let client = Client(client: raw, market: market)
                let provider = try await client.login("provider@demo.test")
                let refused = try await client.createEndpoint(provider, url: "http://127.0.0.1:9/closed", types: ["offering.published"])
                let slow = try await client.createEndpoint(provider, url: receiver.url("/slow"), types: ["offering.published"])
                _ = try await client.createOffering(provider)
                for (endpoint, error) in [(refused.id, "connect"), (slow.id, "timeout")] {
                    var delivery: [String: any Sendable] = [:]
                    for _ in 0..<150 {
                        delivery = try await client.deliveries(provider, endpoint: endpoint).first ?? [:]
                        if delivery["attempts"] as? Int == 1 { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(delivery["status"] as? String == "pending", "\(delivery)")
                    #expect(delivery["attempts"] as? Int == 1)
                    #expect(delivery["next_attempt_at"] is String, "retried later")
                    let attempt = try #require((delivery["recent_attempts"] as? [[String: Any]])?.first)
                    #expect(attempt["status_code"] is NSNull)
                    #expect((attempt["error"] as? String)?.lowercased().contains(error) == true, "\(attempt)")
                }
            }
        }
    }

    /// A slow receiver takes up only its own endpoint's slots: the other gets every event first.
    @Test func aSlowReceiverDoesNotHoldUpAnother() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            // Each slow answer takes 5 s: its endpoint's 4 slots are full until then.
            await receiver.script("/slow", .init(statuses: [200], delay: .seconds(5)))
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let admin = try await client.login("councilboss@demo.test")
                _ = try await client.createEndpoint(admin, url: receiver.url("/slow"), types: ["order.placed"])
                _ = try await client.createEndpoint(provider, url: receiver.url("/fast"), types: ["order.placed"])
                let scene = try await OrderScene.make(client)
                for _ in 0..<6 {
                    let placed = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: 1))
                    #expect(placed.status == .created)
                }
                let fast = try await receiver.await(6, at: "/fast")
                let slowSoFar = await receiver.received("/slow").count
                #expect(fast.count == 6)
                #expect(slowSoFar <= 4, "the slow endpoint has at most 4 in flight; it had \(slowSoFar) when the fast one had all 6")
                #expect(try await receiver.await(6, at: "/slow", seconds: 30).count == 6)
            }
        }
    }

    /// The transport refuses to connect to private addresses unless the host is allowed, even
    /// when a name resolves there (checked when the socket opens).
    @Test func theTransportRefusesPrivateAddressesUnlessAllowed() async throws {
        try await WebhookReceiver.with { receiver in
            let transport = try CurlTransport(userAgent: "test", timeout: 5)
            defer { transport.shutdown() }
            let body = Data("{}".utf8)
            let refused = await transport.send(WebhookRequest(url: receiver.url("/x"), headers: [], body: body, allowPrivateAddresses: false))
            #expect(refused.statusCode == nil)
            #expect(refused.error?.contains("loopback") == true, "\(refused)")
            let named = await transport.send(WebhookRequest(
                url: "http://localhost:\(receiver.port)/x", headers: [], body: body, allowPrivateAddresses: false))
            #expect(named.statusCode == nil && named.error?.contains("loopback") == true, "\(named)")
            #expect(await receiver.received("/x").isEmpty)
            let allowed = await transport.send(WebhookRequest(url: receiver.url("/x"), headers: [], body: body, allowPrivateAddresses: true))
            #expect(allowed.statusCode == 200)
            let redirect = await transport.send(WebhookRequest(url: "ftp://127.0.0.1/", headers: [], body: body, allowPrivateAddresses: true))
            #expect(redirect.statusCode == nil, "only http and https")
        }
    }

    @Test func rotatingASecretSignsWithBothForADay() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let endpoint = try await client.createEndpoint(provider, url: receiver.url("/rotating"))
                let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "rotate-1"]
                let rotated = try await client.send(.post, "/v1/webhook-endpoints/\(endpoint.id)/rotate-secret", token: provider, headers: key)
                #expect(rotated.status == .ok)
                let secret = try #require(try rotated.string("secret"))
                // A retried rotation answers the same secret: it does not rotate again.
                let retried = try await client.send(.post, "/v1/webhook-endpoints/\(endpoint.id)/rotate-secret", token: provider, headers: key)
                #expect(try retried.string("secret") == secret)
                #expect(secret != endpoint.secret && secret.hasPrefix("whsec_"))
                #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: provider).json["secret"] == nil)
                _ = try await client.createOffering(provider)
                let got = try #require(try await receiver.await(1, at: "/rotating").first)
                for key in [secret, endpoint.secret] {
                    let signer = try #require(WebhookSigner(secret: key))
                    #expect(signer.verifies(
                        header: try #require(got.signature), messageID: try #require(got.webhookID),
                        timestamp: try #require(got.timestamp), body: got.body))
                }
                // A day later only the new one signs.
                market.clock.advance(by: 86_401)
                _ = try await client.createOffering(provider, ["title": "Later"])
                let later = try await receiver.await(2, at: "/rotating")
                #expect(later.last?.signature?.split(separator: " ").count == 1)
            }
        }
    }

    @Test func replayAndRecoverSendAgain() async throws {
        let market = try await TestMarket.make()
        try await WebhookReceiver.with { receiver in
            await receiver.script("/down", .init(statuses: [500]))
            try await market.test { client in
                let provider = try await client.login("provider@demo.test")
                let endpoint = try await client.createEndpoint(provider, url: receiver.url("/down"))
                _ = try await client.createOffering(provider)
                // Past the whole schedule: it fails for good.
                for (made, wait) in zip(1..., [6.0, 331, 1_981, 7_921, 19_801, 39_601, 39_601]) {
                    try await client.awaitAttempts(made, provider, endpoint: endpoint.id)
                    market.clock.advance(by: wait)
                }
                try await receiver.await(8, at: "/down", seconds: 5)
                let failed = try await client.deliveries(provider, endpoint: endpoint.id, "?status=failed")
                #expect(failed.count == 1)
                await receiver.script("/down", .init(statuses: [200]))
                let id = try #require(failed.first?["id"] as? String)
                let replayed = try await client.send(.post, "/v1/webhook-deliveries/\(id)/replay", token: provider)
                #expect(replayed.status == .ok, "\(replayed.text)")
                try await receiver.await(9, at: "/down")
                let recovered = try await client.send(.post, "/v1/webhook-endpoints/\(endpoint.id)/recover?since=2000-01-01", token: provider)
                #expect(try recovered.json["deliveries_queued"] as? Int == 0, "nothing failed any more")
                let cakes = try await client.otherProviderStaff()
                #expect(try await client.send(.post, "/v1/webhook-deliveries/\(id)/replay", token: cakes).status == .notFound)
            }
        }
    }

    @Test(arguments: [
        (["url": "ftp://example.org/hook"], "url"),
        (["url": "http://example.org/hook"], "url"),
        (["url": "https://10.0.0.1/hook"], "url"),
        (["url": "https://localhost/hook"], "url"),
        (["url": "https://user:pass@example.org/hook"], "url"),
        (["url": "not a url"], "url"),
        ([:], "url"),
        (["url": "https://example.org/hook", "event_types": ["order.exploded"]], "event_types[0]"),
        (["url": "https://example.org/hook", "description": String(repeating: "x", count: 501)], "description"),
    ] as [([String: any Sendable], String)])
    func badEndpointsAreRefusedAndWriteNothing(body: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let answer = try await client.send(.post, "/v1/webhook-endpoints", token: provider, json: body)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields == [field], "\(answer.text)")
            #expect(try await market.count("webhook_endpoint") == 0)
        }
    }

    @Test func endpointsBelongToTheirOwnerAlone() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let provider = try await client.login("provider@demo.test")
            let endpoint = try await client.createEndpoint(provider, url: "https://hooks.brightpath.example/supportmarket")
            #expect(try await client.send(.get, "/v1/webhook-endpoints", token: provider).items.count == 1)
            let secretShown = try await client.send(.get, "/v1/webhook-endpoints", token: provider).text
            #expect(!secretShown.contains(endpoint.secret), "the secret is shown once")
            for email in ["councilboss@demo.test", "broker@demo.test", "commissioner@northfield.demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: token).status == .notFound, "\(email)")
                #expect(try await client.send(.patch, "/v1/webhook-endpoints/\(endpoint.id)", token: token, json: ["enabled": false]).status == .notFound)
                #expect(try await client.send(.delete, "/v1/webhook-endpoints/\(endpoint.id)", token: token).status == .notFound)
                #expect(try await client.send(.post, "/v1/webhook-endpoints/\(endpoint.id)/rotate-secret", token: token).status == .notFound)
                #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)/deliveries", token: token).status == .notFound)
                #expect(try await client.send(.get, "/v1/webhook-endpoints", token: token).items.isEmpty)
            }
            let cakes = try await client.otherProviderStaff()
            #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: cakes).status == .notFound)
            for email in ["holder@demo.test", "admin@demo.test"] {
                let token = try await client.login(email)
                let refused = try await client.send(.post, "/v1/webhook-endpoints", token: token, json: ["url": "https://example.org/h"])
                #expect(refused.status == .forbidden, "\(email)")
            }
            #expect(try await client.send(.get, "/v1/webhook-endpoints").status == .unauthorized)
            let patched = try await client.send(
                .patch, "/v1/webhook-endpoints/\(endpoint.id)", token: provider, json: ["event_types": ["order.placed"], "description": "Rostering"])
            #expect(try patched.json["event_types"] as? [String] == ["order.placed"])
            #expect(try patched.string("description") == "Rostering")
            #expect(try await client.send(.delete, "/v1/webhook-endpoints/\(endpoint.id)", token: provider).status == .noContent)
            #expect(try await client.send(.get, "/v1/webhook-endpoints/\(endpoint.id)", token: provider).status == .notFound)
            let types = try await client.send(.get, "/v1/webhook-event-types").items.compactMap { $0["name"] as? String }
            #expect(types.contains("order.placed") && types.contains("concern.raised") && types.contains("offering.published"))
        }
    }
}
