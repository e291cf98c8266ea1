import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Orders")
struct OrderTests {
    @Test func placingReservesTheTotalAtTheHoldersCouncilRate() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 2_000)
            let rate = try await client.agreeRate(scene.adminToken, offering: scene.offering, pence: 1_800)
            #expect(rate.status == .created)
            let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 1.5, ["recurrence": ["weeks": 4], "note": "Mornings"]))
            #expect(answer.status == .created, "\(answer.text)")
            let order = try answer.json
            let line = try #require((order["lines"] as? [[String: Any]])?.first)
            #expect(line["unit_price_pence"] as? Int == 1_800)
            #expect(line["price_source"] as? String == "council_rate")
            #expect(line["quantity"] as? Double == 1.5)
            #expect(line["line_total_pence"] as? Int == 1_800 * 3 / 2 * 4)
            #expect(order["total_pence"] as? Int == 10_800)
            #expect(order["status"] as? String == "placed")
            #expect(order["stream_id"] as? String == scene.stream)
            let stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 10_800)
            #expect(stream["available_pence"] as? Int == 100_000 - 10_800)
            // One transaction wrote the order, its lines, its reservation, an audit record and an event.
            #expect(try await market.count("purchase_order") == 1)
            #expect(try await market.count("order_line") == 1)
            let placed = try await market.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE type = 'order.placed'")
            }
            #expect(placed == 1)
            try await market.expectLedgerHolds()
        }
    }

    @Test func aSelfFunderPaysPublicPrices() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 2_000)
            _ = try await client.agreeRate(scene.adminToken, offering: scene.offering, pence: 1_500)
            let selfFunder = try await client.login("selffunder@demo.test")
            let own = try await client.registerHolder(selfFunder, name: "Sam")
            _ = try await client.addStream(selfFunder, holder: own, [
                "source": "own_contribution", "management_option": "direct_payment", "fund_holder": "holder",
            ])
            let answer = try await client.placeOrder(selfFunder, Client.orderBody(holder: own, offering: scene.offering))
            #expect(answer.status == .created, "\(answer.text)")
            #expect(try answer.json["total_pence"] as? Int == 4_000)
        }
    }

    @Test func anOrderThatDoesNotFitIsRefusedWithTheReasonAndWritesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, allocation: 5_000, price: 2_000)
            let tooBig = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: 3))
            #expect(tooBig.status == .unprocessableContent)
            #expect(tooBig.problemFields == ["stream_id"])
            #expect(tooBig.text.contains("£50.00 available"), "\(tooBig.text)")
            // A restricted stream names the category it may not pay for.
            let restricted = try await client.addStream(scene.adminToken, holder: scene.holder, [
                "restricted_to_categories": ["transport"], "allocation_pence": 900_000,
            ])
            let refused = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 3, ["stream_id": restricted]))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("may not pay for personal-care.home-care"), "\(refused.text)")
            // Outside a stream's period.
            let late = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 1, start: "2027-05-01"))
            #expect(late.status == .unprocessableContent)
            #expect(try await market.count("purchase_order") == 0)
            #expect(try await market.count("ledger_entry") == 2)
            // The service picks the first stream that can pay: here, only when it fits the first.
            let fits = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: 2))
            #expect(fits.status == .created)
            #expect(try fits.string("stream_id") == scene.stream)
            try await market.expectLedgerHolds()
        }
    }

    /// A stream pays for orders within its period only: a weekly order that would run past the
    /// period's end is refused, with the days named, and falls to a stream that covers it.
    @Test func aWeeklyOrderMustFitTheStreamsPeriod() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            // From Monday 28 September 2026, 27 weeks end on Sunday 4 April 2027: past 31 March.
            let long = Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 1, start: "2026-09-28", ["recurrence": ["weeks": 27]])
            let refused = try await client.placeOrder(scene.holderToken, long)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("runs from 2026-09-28 to 2027-04-04"), "\(refused.text)")
            // 26 weeks end on 28 March 2027, inside the period.
            var short = long
            short["recurrence"] = ["weeks": 26]
            #expect(try await client.placeOrder(scene.holderToken, short).status == .created)
            let nextYear = try await client.addStream(scene.adminToken, holder: scene.holder, [
                "period_from": "2026-09-01", "period_to": "2027-08-31",
            ])
            let moved = try await client.placeOrder(scene.holderToken, long)
            #expect(moved.status == .created)
            #expect(try moved.string("stream_id") == nextYear)
            try await market.expectLedgerHolds()
        }
    }

    /// A quote prices the order for the holder and says which streams could pay, and why the
    /// others could not, writing nothing; the order then goes to the first that can.
    @Test func aQuoteSaysWhichStreamsCanPayWithoutWritingAnything() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, allocation: 2_000, price: 1_000)
            let restricted = try await client.addStream(scene.adminToken, holder: scene.holder, [
                "restricted_to_categories": ["transport"], "allocation_pence": 50_000,
            ])
            let roomy = try await client.addStream(scene.adminToken, holder: scene.holder, ["allocation_pence": 50_000])
            _ = try await client.agreeRate(scene.adminToken, offering: scene.offering, pence: 900)
            let before = try await market.count("ledger_entry")
            let body = Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: 3)
            let quote = try await client.send(.post, "/v1/order-quotes", token: scene.holderToken, json: body)
            #expect(quote.status == .ok, "\(quote.text)")
            let json = try quote.json
            #expect(json["total_pence"] as? Int == 2_700)
            #expect((json["lines"] as? [[String: Any]])?.first?["price_source"] as? String == "council_rate")
            let answers = try #require(json["streams"] as? [[String: Any]])
            #expect(answers.map { $0["stream_id"] as? String } == [scene.stream, restricted, roomy])
            #expect(answers.map { $0["can_pay"] as? Bool } == [false, false, true])
            #expect((answers[0]["reason"] as? String)?.contains("£20.00 available") == true)
            #expect((answers[1]["reason"] as? String)?.contains("may not pay for personal-care.home-care") == true)
            #expect(answers[2]["reason"] is NSNull)
            #expect(try await market.count("ledger_entry") == before)
            #expect(try await market.count("purchase_order") == 0)
            #expect(try await market.orderEvents() == 0)
            // The order goes where the quote said.
            #expect(try await client.placeOrder(scene.holderToken, body).string("stream_id") == roomy)
            // Bad input is refused as placing refuses it; outsiders learn nothing.
            let bad = try await client.send(.post, "/v1/order-quotes", token: scene.holderToken, json: Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 0))
            #expect(bad.status == .unprocessableContent)
            #expect(bad.problemFields == ["lines[0].quantity"])
            let unknown = try await client.send(.post, "/v1/order-quotes", token: scene.holderToken, json: Client.orderBody(
                holder: scene.holder, offering: scene.offering, ["stream_id": "fst_00000000000000000000"]))
            #expect(unknown.status == .unprocessableContent)
            for token in [scene.providerToken, try await client.login("broker@demo.test"),
                          try await client.login("commissioner@northfield.demo.test")] {
                #expect(try await client.send(.post, "/v1/order-quotes", token: token, json: body).status == .notFound)
            }
        }
    }

    /// Quantities that cannot be paid: zero, negative, too many decimals, fractions of a unit
    /// that cannot be split, and amounts whose product would overflow.
    @Test(arguments: [
        (0 as any Sendable, "hour"), (-1, "hour"), (1.234, "hour"), (1.5, "session"), (10_001, "hour"),
        (9_223_372_036_854_775_807, "hour"), (1e300, "hour"), ("two", "hour"),
    ])
    func quantitiesThatCannotBePaidAreClearProblems(quantity: any Sendable, unit: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, allocation: 1_000_000_000, price: 10_000_000, unit: unit)
            let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: quantity))
            #expect(answer.status == .unprocessableContent, "\(quantity) \(unit): \(answer.text)")
            #expect(answer.problemFields.contains("lines[0].quantity"), "\(quantity): \(answer.text)")
            #expect(try await market.count("purchase_order") == 0)
        }
    }

    @Test func theLargestOrderStaysExactAndIsRefusedOnlyForWantOfMoney() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            // £100,000 an hour × 10,000 hours × 104 weeks × 50 lines: far beyond any stream, but no overflow.
            let scene = try await OrderScene.make(client, allocation: 1_000_000_000, price: 10_000_000)
            let longest = try await client.addStream(scene.adminToken, holder: scene.holder, [
                "period_from": "2026-01-01", "period_to": "2099-12-31", "allocation_pence": 1_000_000_000,
            ])
            let lines = Array(repeating: ["offering_id": scene.offering, "quantity": 10_000] as [String: any Sendable], count: 50)
            let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering,
                ["lines": lines, "recurrence": ["weeks": 104], "stream_id": longest]))
            #expect(answer.status == .unprocessableContent)
            #expect(answer.problemFields == ["stream_id"], "\(answer.text)")
            #expect(answer.text.contains("£5,200,000,000,000.00"), "\(answer.text)")
        }
    }

    @Test(arguments: [
        (["recurrence": ["weeks": 0]] as [String: any Sendable], "recurrence.weeks"),
        (["recurrence": ["weeks": 105]], "recurrence.weeks"),
        (["start_date": "2026-09-20"], "start_date"),
        (["start_date": "tomorrow"], "start_date"),
        (["lines": [] as [String]], "lines"),
        (["budget_holder_id": NSNull()], "budget_holder_id"),
        (["stream_id": "fst_00000000000000000000"], "stream_id"),
        (["note": String(repeating: "x", count: 2001)], "note"),
    ])
    func badOrdersAreRefusedAndWriteNothing(overrides: [String: any Sendable], field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, overrides))
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            #expect(try await market.count("purchase_order") == 0)
            #expect(try await market.orderEvents() == 0)
        }
    }

    @Test func draftsUnknownOfferingsAndMixedProvidersCannotBeOrdered() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let draft = try await client.createOffering(scene.providerToken, publish: false)
            let cakes = try await client.createOffering(try await client.otherProviderStaff())
            for lines: [[String: any Sendable]] in [
                [["offering_id": draft, "quantity": 1]],
                [["offering_id": "off_00000000000000000000", "quantity": 1]],
                [["offering_id": scene.offering, "quantity": 1], ["offering_id": cakes, "quantity": 1]],
            ] {
                let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(
                    holder: scene.holder, offering: scene.offering, ["lines": lines]))
                #expect(answer.status == .unprocessableContent, "\(answer.text)")
            }
            #expect(try await market.count("purchase_order") == 0)
        }
    }

    @Test func theSameIdempotencyKeyPlacesOneOrder() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let body = Client.orderBody(holder: scene.holder, offering: scene.offering)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-1"]
            let first = try await client.send(.post, "/v1/orders", token: scene.holderToken, json: body, headers: key)
            let second = try await client.send(.post, "/v1/orders", token: scene.holderToken, json: body, headers: key)
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(try first.string("id") == second.string("id"))
            var other = body
            other["note"] = "different"
            let reused = try await client.send(.post, "/v1/orders", token: scene.holderToken, json: other, headers: key)
            #expect(reused.status == .unprocessableContent)
            #expect(try await market.count("purchase_order") == 1)
            try await market.expectLedgerHolds()
        }
    }

    /// placed → accepted → partial deliveries → confirmed and disputed → completed, with the money
    /// moving from committed to spent only on confirmation.
    @Test func theLifecycleMovesMoneyOnlyOnConfirmation() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let placed = try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, quantity: 2.5, start: "2026-09-21", ["recurrence": ["weeks": 2]]))
            let order = try #require(try placed.string("id"))
            // Deliveries wait for acceptance; only the provider accepts.
            let early = try await client.send(.post, "/v1/orders/\(order)/deliveries", token: scene.providerToken, json: [
                "line_number": 1, "delivered_on": "2026-09-21", "quantity": 1,
            ])
            #expect(early.status == .conflict)
            #expect(try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.holderToken).status == .forbidden)
            let accepted = try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken)
            #expect(try accepted.string("status") == "accepted")
            #expect(try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken).status == .conflict)

            func deliver(_ quantity: any Sendable, on day: String = "2026-09-21") async throws -> Client.Answer {
                try await client.send(.post, "/v1/orders/\(order)/deliveries", token: scene.providerToken, json: [
                    "line_number": 1, "delivered_on": day, "quantity": quantity,
                ])
            }
            let first = try await deliver(2.25)
            #expect(first.status == .created, "\(first.text)")
            #expect(try first.json["amount_pence"] as? Int == 2_250)
            // Never more than ordered (5 hours in all), never in the future, never before the start.
            #expect(try await deliver(2.76).status == .unprocessableContent)
            #expect(try await deliver(1, on: "2026-09-22").status == .unprocessableContent)
            #expect(try await deliver(1, on: "2026-09-20").status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/orders/\(order)/deliveries", token: scene.providerToken, json: [
                "line_number": 2, "delivered_on": "2026-09-21", "quantity": 1,
            ]).status == .unprocessableContent)
            // The second week's hours cannot be delivered in the first week.
            let ahead = try await deliver(2.75)
            #expect(ahead.status == .unprocessableContent)
            #expect(ahead.text.contains("ahead of the order's schedule"), "\(ahead.text)")
            market.clock.advance(by: 7 * 86_400)
            let second = try await deliver(2.75, on: "2026-09-28")
            #expect(second.status == .created, "\(second.text)")
            #expect(try second.json["amount_pence"] as? Int == 2_750)

            let firstID = try #require(try first.string("id"))
            let secondID = try #require(try second.string("id"))
            // The provider cannot confirm its own delivery; the buyer confirms or disputes.
            #expect(try await client.send(.post, "/v1/deliveries/\(firstID)/confirm", token: scene.providerToken).status == .forbidden)
            let confirmed = try await client.send(.post, "/v1/deliveries/\(firstID)/confirm", token: scene.holderToken)
            #expect(try confirmed.string("status") == "confirmed")
            var stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["spent_pence"] as? Int == 2_250)
            #expect(stream["committed_pence"] as? Int == 2_750)
            let noReason = try await client.send(.post, "/v1/deliveries/\(secondID)/dispute", token: scene.holderToken, json: ["reason": " "])
            #expect(noReason.status == .unprocessableContent)
            let disputed = try await client.send(
                .post, "/v1/deliveries/\(secondID)/dispute", token: scene.holderToken, json: ["reason": "Carer did not arrive"])
            #expect(try disputed.string("status") == "disputed")
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 2_750, "a dispute holds the money")
            #expect(try await client.send(.get, "/v1/orders/\(order)", token: scene.holderToken).string("status") == "accepted")
            // Resolved: confirming the disputed delivery completes the order.
            #expect(try await client.send(.post, "/v1/deliveries/\(secondID)/confirm", token: scene.holderToken).status == .ok)
            #expect(try await client.send(.post, "/v1/deliveries/\(secondID)/confirm", token: scene.holderToken).status == .conflict)
            let done = try await client.send(.get, "/v1/orders/\(order)", token: scene.holderToken).json
            #expect(done["status"] as? String == "completed")
            #expect((done["deliveries"] as? [Any])?.count == 2)
            // Each step keeps its own time: a dispute then a confirmation keeps both.
            #expect(done["accepted_at"] as? String != nil)
            #expect(done["completed_at"] as? String != nil)
            #expect(done["cancelled_at"] is NSNull)
            let resolved = try #require((done["deliveries"] as? [[String: Any]])?.last)
            #expect(resolved["disputed_at"] as? String != nil)
            #expect(resolved["confirmed_at"] as? String != nil)
            #expect(resolved["decided_at"] as? String == resolved["confirmed_at"] as? String)
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["spent_pence"] as? Int == 5_000)
            #expect(stream["committed_pence"] as? Int == 0)
            #expect(try await client.send(.post, "/v1/orders/\(order)/cancel", token: scene.holderToken).status == .conflict)
            let events = try await market.database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT type FROM outbox_event ORDER BY seq")
            }
            #expect(events == [
                "offering.published", "order.placed", "order.accepted", "delivery.recorded", "delivery.recorded", "delivery.confirmed",
                "delivery.disputed", "delivery.confirmed", "order.completed",
            ])
            try await market.expectLedgerHolds()
        }
    }

    @Test func decliningReleasesEverythingAndCancellingReleasesWhatWasNotDelivered() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let body = Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: 4, start: "2026-09-21")
            let declined = try #require(try await client.placeOrder(scene.holderToken, body).string("id"))
            #expect(try await client.send(.post, "/v1/orders/\(declined)/decline", token: scene.holderToken).status == .forbidden)
            #expect(try await client.send(.post, "/v1/orders/\(declined)/decline", token: scene.providerToken).string("status") == "declined")
            var stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 0)

            let cancelled = try #require(try await client.placeOrder(scene.holderToken, body).string("id"))
            _ = try await client.send(.post, "/v1/orders/\(cancelled)/accept", token: scene.providerToken)
            let delivery = try await client.send(.post, "/v1/orders/\(cancelled)/deliveries", token: scene.providerToken, json: [
                "line_number": 1, "delivered_on": "2026-09-21", "quantity": 1,
            ])
            #expect(delivery.status == .created)
            let answer = try await client.send(.post, "/v1/orders/\(cancelled)/cancel", token: scene.holderToken)
            #expect(try answer.string("status") == "cancelled")
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 1_000, "the delivered hour stays reserved until confirmed")
            // A delivery recorded before the cancellation can still be confirmed.
            #expect(try await client.send(.post, "/v1/deliveries/\(try #require(try delivery.string("id")))/confirm", token: scene.holderToken).status == .ok)
            stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == 0)
            #expect(stream["spent_pence"] as? Int == 1_000)
            #expect(try await client.send(.post, "/v1/orders/\(cancelled)/deliveries", token: scene.providerToken, json: [
                "line_number": 1, "delivered_on": "2026-09-21", "quantity": 1,
            ]).status == .conflict)
            try await market.expectLedgerHolds()
        }
    }

    /// Falling under 10% available announces `budget.low_balance` once.
    @Test func aLowBalanceIsAnnouncedOnce() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, allocation: 10_000, price: 1_000)
            for quantity in [5, 4, 1] as [Int] {
                let answer = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering, quantity: quantity))
                #expect(answer.status == .created)
            }
            let low = try await market.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE type = 'budget.low_balance'")
            }
            #expect(low == 1)
            #expect(try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)["low_balance"] as? Bool == true)
        }
    }

    /// Provider staff see orders addressed to them, never the budget; other providers and other
    /// councils see nothing.
    @Test func whoSeesAnOrder() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let order = try #require(try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering)).string("id"))
            for email in ["provider@demo.test", "holder@demo.test", "councilboss@demo.test", "finance@demo.test", "admin@demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/orders/\(order)", token: token).status == .ok, "\(email)")
                #expect(try await client.send(.get, "/v1/orders", token: token).items.count == 1, "\(email)")
            }
            #expect(try await client.send(.get, "/v1/budget-holders/\(scene.holder)/budget", token: scene.providerToken).status == .notFound)
            let outsiders = [
                try await client.otherProviderStaff(), try await client.login("broker@demo.test"),
                try await client.login("selffunder@demo.test"), try await client.login("commissioner@northfield.demo.test"),
                try await client.login("community@demo.test"),
            ]
            for token in outsiders {
                #expect(try await client.send(.get, "/v1/orders/\(order)", token: token).status == .notFound)
                #expect(try await client.send(.get, "/v1/orders", token: token).items.isEmpty)
                for action in ["accept", "decline", "cancel"] {
                    #expect(try await client.send(.post, "/v1/orders/\(order)/\(action)", token: token).status == .notFound, "\(action)")
                }
                let delivery = try await client.send(.post, "/v1/orders/\(order)/deliveries", token: token, json: [
                    "line_number": 1, "delivered_on": "2026-09-21", "quantity": 1,
                ])
                #expect(delivery.status == .notFound)
                let placed = try await client.placeOrder(token, Client.orderBody(holder: scene.holder, offering: scene.offering))
                #expect(placed.status == .notFound)
            }
            // Council staff see but do not order or cancel for the holder.
            #expect(try await client.placeOrder(scene.adminToken, Client.orderBody(holder: scene.holder, offering: scene.offering)).status == .forbidden)
            #expect(try await client.send(.post, "/v1/orders/\(order)/cancel", token: scene.adminToken).status == .forbidden)
            #expect(try await client.send(.get, "/v1/orders", token: nil).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/orders?status=lost", token: scene.holderToken).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/orders?cursor=abc", token: scene.holderToken).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/orders/ord_x", token: scene.holderToken).status == .badRequest)
            #expect(try await market.count("purchase_order") == 1)
        }
    }

    /// Only the buyer decides on a delivery: the provider and council staff may not, and anyone
    /// who cannot see the order does not learn that the delivery exists.
    @Test func whoDecidesOnADelivery() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            let order = try #require(try await client.placeOrder(scene.holderToken, Client.orderBody(
                holder: scene.holder, offering: scene.offering, start: "2026-09-21")).string("id"))
            _ = try await client.send(.post, "/v1/orders/\(order)/accept", token: scene.providerToken)
            let delivery = try #require(try await client.send(.post, "/v1/orders/\(order)/deliveries", token: scene.providerToken, json: [
                "line_number": 1, "delivered_on": "2026-09-21", "quantity": 1,
            ]).string("id"))
            for (token, status) in [
                (scene.providerToken, HTTPResponse.Status.forbidden), (scene.adminToken, .forbidden),
                (try await client.otherProviderStaff(), .notFound), (try await client.login("broker@demo.test"), .notFound),
                (try await client.login("commissioner@northfield.demo.test"), .notFound),
                (try await client.login("selffunder@demo.test"), .notFound),
            ] {
                #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: token).status == status)
                let dispute = try await client.send(
                    .post, "/v1/deliveries/\(delivery)/dispute", token: token, json: ["reason": "not mine to judge"])
                #expect(dispute.status == status)
            }
            #expect(try await client.send(.post, "/v1/deliveries/dlv_00000000000000000000/confirm", token: scene.holderToken).status == .notFound)
            #expect(try await client.send(.post, "/v1/deliveries/nope/confirm", token: scene.holderToken).status == .badRequest)
            let unchanged = try await client.send(.get, "/v1/orders/\(order)", token: scene.holderToken).json
            #expect((unchanged["deliveries"] as? [[String: Any]])?.first?["status"] as? String == "recorded")
            #expect(try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)["spent_pence"] as? Int == 0)
        }
    }

    @Test func listsPageNewestFirstAndFilter() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client)
            var ids: [String] = []
            for _ in 0..<5 {
                ids.append(try #require(try await client.placeOrder(scene.holderToken, Client.orderBody(
                    holder: scene.holder, offering: scene.offering, quantity: 1)).string("id")))
            }
            _ = try await client.send(.post, "/v1/orders/\(ids[0])/decline", token: scene.providerToken)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.send(.get, "/v1/orders?limit=2\(cursor.map { "&cursor=\($0)" } ?? "")", token: scene.holderToken)
                seen += try page.items.compactMap { $0["id"] as? String }
                cursor = try page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(seen == ids.reversed())
            #expect(try await client.send(.get, "/v1/orders?status=declined", token: scene.holderToken).items.count == 1)
            #expect(try await client.send(.get, "/v1/orders?budget_holder_id=\(scene.holder)", token: scene.providerToken).items.count == 5)
        }
    }
}
