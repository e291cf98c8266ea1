import Foundation
import HTTPTypes
import Testing

/// Ratings only from people who bought, published without a trace of who they are, answered by
/// the provider and moderated, with the store's count and average following in the same step.
@Suite("Ratings")
struct RatingTests {
    /// An accepted order from `scene`'s offering with one delivery on 22 September, confirmed
    /// unless `confirmed` is false.
    func deliveredOrder(_ client: Client, _ market: TestMarket, _ scene: OrderScene, confirmed: Bool = true) async throws -> String {
        let order = try await client.acceptedOrder(scene, hours: 4)
        try market.setToday("2026-09-23")
        let delivery = try await client.deliver(scene, order: order, hours: 1, on: "2026-09-22")
        if confirmed {
            #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: scene.holderToken).status == .ok)
        }
        return order
    }

    /// A holder with a council-managed stream and an order of the provider's with a confirmed delivery.
    func ratedScene(_ client: Client, _ market: TestMarket) async throws -> (OrderScene, provider: String, order: String) {
        try market.setToday("2026-09-21")
        let scene = try await OrderScene.make(client, price: 1_000)
        let provider = try #require(try await client.me(scene.providerToken)["organisation_id"] as? String)
        return (scene, provider, try await deliveredOrder(client, market, scene))
    }

    func storefront(_ client: Client, _ provider: String) async throws -> [String: any Sendable] {
        try await client.send(.get, "/v1/providers/\(provider)").json
    }

    @Test func onlyBuyersRateAndThePublicNeverLearnsWhoTheyAre() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            try market.setToday("2026-09-21")
            let scene = try await OrderScene.make(client, price: 1_000)
            let provider = try #require(try await client.me(scene.providerToken)["organisation_id"] as? String)
            let unconfirmed = try await deliveredOrder(client, market, scene, confirmed: false)
            let early = try await client.send(.post, "/v1/ratings", token: scene.holderToken, json: ["order_id": unconfirmed, "stars": 5])
            #expect(early.status == .unprocessableContent && early.problemFields == ["order_id"], "\(early.text)")

            try market.setToday("2026-09-21")
            let order = try await deliveredOrder(client, market, scene)
            // Strangers cannot see the order (404); the council sees it but does not speak for the holder (403).
            let body: [String: any Sendable] = ["order_id": order, "stars": 4, "comment": "Kind and on time, Amira says"]
            for email in ["selffunder@demo.test", "commissioner@northfield.demo.test", "provider@demo.test", "broker@demo.test"] {
                let stranger = try await client.send(.post, "/v1/ratings", token: try await client.login(email), json: body)
                #expect(stranger.status == .notFound, "\(email): \(stranger.text)")
            }
            #expect(try await client.send(.post, "/v1/ratings", token: scene.adminToken, json: body).status == .forbidden)
            #expect(try await market.count("rating") == 0)

            let rated = try await client.send(.post, "/v1/ratings", token: scene.holderToken, json: body)
            #expect(rated.status == .created, "\(rated.text)")
            let rating = try #require(try rated.string("id"))
            #expect(try rated.string("rater") == "a person funded by London Borough of Harrowby")
            let again = try await client.send(.post, "/v1/ratings", token: scene.holderToken, json: body)
            #expect(again.status == .conflict, "\(again.text)")

            // The store's count and average change with the rating, and search's min_rating follows.
            var store = try await storefront(client, provider)
            #expect(store["rating_count"] as? Int == 1 && store["rating_average"] as? Double == 4)
            let found = try await client.send(.get, "/v1/offerings?min_rating=4").items.compactMap { $0["id"] as? String }
            #expect(found.contains(scene.offering))
            #expect(try await client.send(.get, "/v1/offerings?min_rating=4.5").items.isEmpty)

            // The public list: anonymous, and nothing in it names or points at the holder.
            let listed = try await client.send(.get, "/v1/providers/\(provider)/ratings")
            #expect(listed.status == .ok)
            let item = try #require(try listed.items.first)
            #expect(item["stars"] as? Int == 4 && item["rater"] as? String == "a person funded by London Borough of Harrowby")
            #expect(item["rated_on"] as? String == "2026-09-23")
            let holderUser = try #require(try await client.me(scene.holderToken)["user_id"] as? String)
            for secret in [scene.holder, holderUser, order, scene.stream, "holder@demo.test", "Amira Patel", "Hannah Holder"] {
                #expect(!listed.text.contains(secret), "the public list contains \(secret)")
            }

            // The rater changes it within 30 days (the earlier version kept), not after.
            let edited = try await client.send(.patch, "/v1/ratings/\(rating)", token: scene.holderToken, json: ["stars": 2, "comment": "Late twice"])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(try edited.json["version"] as? Int == 2)
            #expect(try await market.count("rating_version WHERE version = 1 AND stars = 4") == 1)
            store = try await storefront(client, provider)
            #expect(store["rating_count"] as? Int == 1 && store["rating_average"] as? Double == 2)
            #expect(try await client.send(.patch, "/v1/ratings/\(rating)", token: scene.adminToken, json: ["stars": 5]).status == .forbidden)
            try market.setToday("2026-10-24")
            let holder = try await client.login("holder@demo.test")
            #expect(try await client.send(.patch, "/v1/ratings/\(rating)", token: holder, json: ["stars": 5]).status == .conflict)

            // A delegate (a broker with a view delegation) rates another order for the holder.
            let broker = try await client.login("broker@demo.test")
            let brokerOrganisation = try #require(try await client.me(broker)["organisation_id"] as? String)
            let grant = try await client.send(
                .post, "/v1/delegations", token: holder,
                json: ["budget_holder_id": scene.holder, "grantee_organisation_id": brokerOrganisation, "rights": ["view"]])
            #expect(grant.status == .created, "\(grant.text)")
            let byDelegate = try await client.send(.post, "/v1/ratings", token: broker, json: ["order_id": unconfirmed, "stars": 3])
            #expect(byDelegate.status == .unprocessableContent, "still no confirmed delivery: \(byDelegate.text)")
            let events = try await market.count("outbox_event WHERE type = 'rating.created'")
            #expect(events == 1)
        }
    }

    @Test func repliesAndModerationChangeWhatIsShownAndWhatCounts() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let (scene, provider, order) = try await ratedScene(client, market)
            let rated = try await client.send(
                .post, "/v1/ratings", token: scene.holderToken, json: ["order_id": order, "stars": 1, "comment": "Rude to my mum"])
            let rating = try #require(try rated.string("id"), "\(rated.text)")

            // Only the provider's staff reply; a second reply replaces the first.
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/reply", token: scene.holderToken, json: ["text": "x"]).status == .forbidden)
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/reply", token: scene.providerToken, json: ["text": " "]).status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/reply", token: scene.providerToken, json: ["text": "Sorry"]).status == .ok)
            let replied = try await client.send(
                .post, "/v1/ratings/\(rating)/reply", token: scene.providerToken, json: ["text": "We are sorry; please call us"])
            #expect(try replied.string("reply") == "We are sorry; please call us")
            #expect(!replied.text.contains(order), "the provider is not told which order was rated")

            // A council admin of the rater's council hides the comment: the stars still count.
            let commissioner = try await client.login("commissioner@demo.test")
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/hide", token: commissioner, json: ["reason": "x"]).status == .forbidden)
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/hide", token: scene.adminToken, json: [:]).status == .unprocessableContent)
            let hidden = try await client.send(
                .post, "/v1/ratings/\(rating)/hide", token: scene.adminToken, json: ["reason": "names a member of staff"])
            #expect(hidden.status == .ok, "\(hidden.text)")
            let shown = try #require(try await client.send(.get, "/v1/providers/\(provider)/ratings?sort=useful").items.first)
            #expect(shown["comment"] is NSNull && shown["comment_hidden"] as? Bool == true && shown["stars"] as? Int == 1)
            #expect(try await storefront(client, provider)["rating_count"] as? Int == 1)

            // Only platform admins remove a rating; then it is gone from the list and stops counting.
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/remove", token: scene.adminToken, json: ["reason": "fake"]).status == .forbidden)
            let admin = try await client.login("admin@demo.test")
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/remove", token: admin, json: ["reason": "a fake rating"]).status == .ok)
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/remove", token: admin, json: ["reason": "again"]).status == .conflict)
            #expect(try await client.send(.get, "/v1/providers/\(provider)/ratings").items.isEmpty)
            let store = try await storefront(client, provider)
            #expect(store["rating_count"] as? Int == 0 && store["rating_average"] as? Double == 0)
            #expect(try await client.send(.post, "/v1/ratings/\(rating)/reply", token: scene.providerToken, json: ["text": "x"]).status == .notFound)
            let audited = try await market.count("audit_event WHERE subject_type = 'rating'")
            #expect(audited == 5, "created, two replies, hidden, removed")
            #expect(try await market.count("outbox_event WHERE type = 'rating.replied'") == 2)
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let (scene, provider, order) = try await ratedScene(client, market)
            let cases: [([String: any Sendable], String)] = [
                (["order_id": order, "stars": 0], "stars"),
                (["order_id": order, "stars": 6], "stars"),
                (["order_id": order], "stars"),
                (["order_id": order, "stars": 3, "comment": String(repeating: "x", count: 2_001)], "comment"),
                (["stars": 3], "order_id"),
                (["order_id": "ord_nonsense", "stars": 3], "order_id"),
            ]
            for (body, field) in cases {
                let answer = try await client.send(.post, "/v1/ratings", token: scene.holderToken, json: body)
                #expect(answer.status == .unprocessableContent && answer.problemFields == [field], "\(field): \(answer.text)")
            }
            let fraction = try await client.send(.post, "/v1/ratings", token: scene.holderToken, json: ["order_id": order, "stars": 2.5])
            #expect(fraction.status == .unprocessableContent || fraction.status == .badRequest)
            #expect(try await client.send(
                .post, "/v1/ratings", token: scene.holderToken, json: ["order_id": "ord_00000000000000000000", "stars": 3]).status == .notFound)
            #expect(try await market.count("rating") == 0)
            #expect(try await client.send(.get, "/v1/providers/\(provider)/ratings?sort=best").status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/providers/org_00000000000000000000/ratings").status == .notFound)
            #expect(try await client.send(.get, "/v1/providers/nonsense/ratings").status == .badRequest)
            #expect(try await client.send(.patch, "/v1/ratings/rtg_00000000000000000000", token: scene.holderToken, json: ["stars": 3]).status == .notFound)
            #expect(try await client.send(.post, "/v1/ratings", json: ["order_id": order, "stars": 3]).status == .unauthorized)
        }
    }
}
