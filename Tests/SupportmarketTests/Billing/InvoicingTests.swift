import Foundation
import GRDB
import HTTPTypes
import MarketCore
import MarketStore
import Testing

/// Invoices that write themselves: from confirmed (and deemed confirmed) deliveries to numbered
/// invoices, approval, disputes and credit notes, with the money and the numbers checked.
@Suite("Invoicing")
struct InvoicingTests {
    /// The parts most tests share: the order scene, the provider and its profile, finance.
    struct Scene {
        let order: OrderScene
        let provider: String
        let financeToken: String
        let financeUser: String
    }

    func scene(_ client: Client, price: Int = 1_000) async throws -> Scene {
        let order = try await OrderScene.make(client, price: price)
        let provider = try #require(try await client.me(order.providerToken)["organisation_id"] as? String)
        let profile = try await client.putBillingProfile(order.providerToken, provider: provider)
        try #require(profile.status == .ok, "\(profile.text)")
        let financeToken = try await client.login("finance@demo.test")
        let financeUser = try #require(try await client.me(financeToken)["user_id"] as? String)
        return Scene(order: order, provider: provider, financeToken: financeToken, financeUser: financeUser)
    }

    @Test func theLifecycleFromDeliveriesToACreditNote() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await scene(client)
            let order = scene.order
            let reference = try await client.send(
                .put, "/v1/budget-holders/\(order.holder)/council-reference", token: order.adminToken,
                json: ["council_reference": "HBY-00042"])
            #expect(reference.status == .ok, "\(reference.text)")

            // Three deliveries in September: one confirmed, one left to be deemed, one disputed.
            let orderID = try await client.acceptedOrder(order, hours: 6)
            try market.setToday("2026-09-24")
            let confirmed = try await client.deliver(order, order: orderID, hours: 1, on: "2026-09-21")
            let deemed = try await client.deliver(order, order: orderID, hours: 2, on: "2026-09-22")
            let disputed = try await client.deliver(order, order: orderID, hours: 1, on: "2026-09-23")
            #expect(try await client.send(.post, "/v1/deliveries/\(confirmed)/confirm", token: order.holderToken).status == .ok)
            let dispute = try await client.send(
                .post, "/v1/deliveries/\(disputed)/dispute", token: order.holderToken, json: ["reason": "nobody came"])
            #expect(dispute.status == .ok, "\(dispute.text)")

            // September is not closed on its last day: nothing is invoiced, nothing is deemed yet.
            try market.setToday("2026-09-30")
            let early = try await client.runInvoicing(scene.financeToken)
            #expect(early["invoices_written"] as? Int == 0)
            #expect(early["deemed_confirmed"] as? Int == 0)

            // On 5 October the period is closed and the second delivery is 11 days old.
            try market.setToday("2026-10-05")
            let run = try await client.runInvoicing(scene.financeToken)
            #expect(run["deemed_confirmed"] as? Int == 1)
            #expect(run["invoices_written"] as? Int == 1)
            #expect(run["lines_written"] as? Int == 2)
            #expect(run["total_pence"] as? Int == 3_000)
            #expect(run["trigger"] as? String == "request")
            #expect(run["started_by"] as? String == scene.financeUser)
            let deemedAnswer = try await client.send(.get, "/v1/orders/\(orderID)", token: order.holderToken)
            let deliveries = try #require(try deemedAnswer.json["deliveries"] as? [[String: any Sendable]])
            let deemedDelivery = try #require(deliveries.first { $0["id"] as? String == deemed })
            #expect(deemedDelivery["status"] as? String == "confirmed")
            #expect(deemedDelivery["confirmation_deemed"] as? Bool == true)

            let listed = try await client.invoices(scene.financeToken)
            #expect(listed.count == 1)
            let invoiceID = try #require(listed.first?["id"] as? String)
            let invoice = try await client.send(.get, "/v1/invoices/\(invoiceID)", token: scene.financeToken).json
            #expect(invoice["number"] as? String == "BRIGHT-000001")
            #expect(invoice["issue_date"] as? String == "2026-10-05")
            #expect(invoice["due_date"] as? String == "2026-11-04")
            #expect(invoice["status"] as? String == "awaiting_approval")
            #expect((invoice["payer"] as? [String: any Sendable])?["kind"] as? String == "council")
            #expect((invoice["period"] as? [String: any Sendable])?["start"] as? String == "2026-09-01")
            let lines = try #require(invoice["lines"] as? [[String: any Sendable]])
            #expect(lines.map { $0["delivery_id"] as? String } == [confirmed, deemed])
            #expect(lines.map { $0["total_pence"] as? Int } == [1_000, 2_000])
            #expect(lines.map { $0["confirmed_by_buyer"] as? Bool } == [true, false])
            #expect(lines.allSatisfy { $0["council_reference"] as? String == "HBY-00042" && $0["vat_category"] as? String == "E" })

            // Running again creates nothing; confirming the disputed delivery later puts it on a
            // supplementary invoice for September, approved automatically (the buyer confirmed it).
            #expect(try await client.runInvoicing(scene.financeToken)["invoices_written"] as? Int == 0)
            #expect(try await client.send(.post, "/v1/deliveries/\(disputed)/confirm", token: order.holderToken).status == .ok)
            let supplementary = try await client.runInvoicing(scene.financeToken)
            #expect(supplementary["invoices_written"] as? Int == 1)
            let second = try #require(try await client.invoices(scene.financeToken).first)
            #expect(second["number"] as? String == "BRIGHT-000002")
            #expect(second["status"] as? String == "approved")
            #expect(second["approved_by"] as? String == "automatic")

            // Finance disputes the deemed line; twice is a conflict, and so is approving it now.
            let disputeInvoice = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/dispute", token: scene.financeToken,
                json: ["reason": "only one hour was delivered on the 22nd", "line_numbers": [2]])
            #expect(disputeInvoice.status == .ok, "\(disputeInvoice.text)")
            #expect(try disputeInvoice.string("status") == "disputed")
            let disputedLines = try #require(try disputeInvoice.json["lines"] as? [[String: any Sendable]])
            #expect(disputedLines.map { $0["disputed"] as? Bool } == [false, true])
            #expect(try await client.send(
                .post, "/v1/invoices/\(invoiceID)/dispute", token: scene.financeToken, json: ["reason": "again"]).status == .conflict)
            #expect(try await client.send(.post, "/v1/invoices/\(invoiceID)/approve", token: scene.financeToken).status == .conflict)

            // The provider credits one hour of line 2; more than is left is refused and changes nothing.
            let before = try await client.stream(order.holderToken, holder: order.holder, id: order.stream)
            let tooMuch = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: order.providerToken,
                json: ["reason": "one hour", "lines": [["line_number": 2, "amount_pence": 2_001]]])
            #expect(tooMuch.status == .unprocessableContent, "\(tooMuch.text)")
            #expect(tooMuch.problemFields == ["lines[0].amount_pence"])
            let note = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: order.providerToken,
                json: ["reason": "one hour was not delivered", "lines": [["line_number": 2, "amount_pence": 1_000]]])
            #expect(note.status == .created, "\(note.text)")
            #expect(try note.string("number") == "BRIGHT-CN-000001")
            let after = try await client.stream(order.holderToken, holder: order.holder, id: order.stream)
            #expect((before["spent_pence"] as? Int).map { $0 - 1_000 } == after["spent_pence"] as? Int)
            #expect((before["available_pence"] as? Int).map { $0 + 1_000 } == after["available_pence"] as? Int)

            // Credited, it awaits approval again; finance approves what is left, once.
            let credited = try await client.send(.get, "/v1/invoices/\(invoiceID)", token: order.providerToken).json
            #expect(credited["status"] as? String == "awaiting_approval")
            #expect(credited["credited_pence"] as? Int == 1_000)
            #expect(credited["outstanding_pence"] as? Int == 2_000)
            #expect((credited["credit_notes"] as? [[String: any Sendable]])?.count == 1)
            let approved = try await client.send(.post, "/v1/invoices/\(invoiceID)/approve", token: scene.financeToken)
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(try approved.string("approved_by") == scene.financeUser)
            #expect(try await client.send(.post, "/v1/invoices/\(invoiceID)/approve", token: scene.financeToken).status == .conflict)

            // Crediting the rest of the invoice, all lines at once, leaves it credited.
            let rest = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: order.providerToken, json: ["reason": "withdrawn"])
            #expect(rest.status == .created, "\(rest.text)")
            #expect(try rest.string("number") == "BRIGHT-CN-000002")
            #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)", token: order.providerToken).string("status") == "credited")
            let nothingLeft = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: order.providerToken, json: ["reason": "again"])
            #expect(nothingLeft.status == .unprocessableContent)
        }
        try await market.expectLedgerHolds()
        let events = try await market.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type FROM outbox_event WHERE type LIKE 'invoice.%' OR type LIKE 'credit_note.%' ORDER BY seq")
        }
        #expect(events == [
            "invoice.issued", "invoice.issued", "invoice.approved", "invoice.disputed", "credit_note.issued",
            "invoice.approved", "credit_note.issued",
        ])
        let deemedAudit = try await market.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_event WHERE action = 'delivery.deemed_confirmed' AND actor_user_id IS NULL")
        }
        #expect(deemedAudit == 1)
    }

    @Test func onlyThePeopleOnEachSideSeeOrActOnAnInvoice() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await scene(client)
            let order = scene.order
            let orderID = try await client.acceptedOrder(order, hours: 2)
            let delivery = try await client.deliver(order, order: orderID, hours: 2, on: "2026-09-21")
            try market.setToday("2026-10-20")
            let admin = try await client.login("admin@demo.test")
            let run = try await client.runInvoicing(admin)
            #expect(run["invoices_written"] as? Int == 1)
            #expect(run["trigger"] as? String == "request")
            let invoiceID = try #require(try await client.invoices(admin).first?["id"] as? String)
            _ = delivery

            // Who sees it: the provider, the council's staff, platform admins. Nobody else.
            for email in ["provider@demo.test", "councilboss@demo.test", "commissioner@demo.test", "finance@demo.test", "admin@demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)", token: token).status == .ok, "\(email)")
                #expect(try await client.invoices(token).count == 1, "\(email)")
            }
            for email in ["holder@demo.test", "broker@demo.test", "selffunder@demo.test", "community@demo.test", "commissioner@northfield.demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)", token: token).status == .notFound, "\(email)")
                #expect(try await client.invoices(token).isEmpty, "\(email)")
                #expect(try await client.send(.post, "/v1/invoices/\(invoiceID)/approve", token: token).status == .notFound, "\(email)")
                #expect(try await client.send(
                    .post, "/v1/invoices/\(invoiceID)/credit-notes", token: token, json: ["reason": "x"]).status == .notFound, "\(email)")
            }
            // Who acts: the council's finance staff approve and dispute; only the provider credits.
            for email in ["provider@demo.test", "councilboss@demo.test", "commissioner@demo.test", "admin@demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.post, "/v1/invoices/\(invoiceID)/approve", token: token).status == .forbidden, "\(email)")
                #expect(try await client.send(
                    .post, "/v1/invoices/\(invoiceID)/dispute", token: token, json: ["reason": "x"]).status == .forbidden, "\(email)")
            }
            let financeCredit = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: scene.financeToken, json: ["reason": "x"])
            #expect(financeCredit.status == .forbidden)
            #expect(try await client.send(.get, "/v1/invoices", token: nil).status == .unauthorized)

            // Runs: platform admins and finance start and read them; others may not.
            for email in ["provider@demo.test", "councilboss@demo.test", "commissioner@demo.test", "holder@demo.test", "broker@demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.post, "/v1/invoicing-runs", token: token, json: [:]).status == .forbidden, "\(email)")
                #expect(try await client.send(.get, "/v1/invoicing-runs", token: token).status == .forbidden, "\(email)")
            }
            let runID = try #require(run["id"] as? String)
            // A platform admin's run is not one of the council's.
            #expect(try await client.send(.get, "/v1/invoicing-runs/\(runID)", token: admin).status == .ok)
            #expect(try await client.send(.get, "/v1/invoicing-runs/\(runID)", token: scene.financeToken).status == .notFound)

            // Billing profiles: the provider's staff and platform admins read; only its staff write.
            #expect(try await client.send(.get, "/v1/providers/\(scene.provider)/billing-profile", token: order.providerToken).status == .ok)
            #expect(try await client.send(.get, "/v1/providers/\(scene.provider)/billing-profile", token: scene.financeToken).status == .notFound)
            #expect(try await client.putBillingProfile(scene.financeToken, provider: scene.provider).status == .forbidden)
            #expect(try await client.putBillingProfile(admin, provider: scene.provider).status == .forbidden)
            // Council terms: its admins and finance set them; a commissioner reads; another council's staff see nothing.
            let council = order.council
            let terms = ["cycle": "weekly", "deemed_confirmed_after_days": 5] as [String: any Sendable]
            let commissioner = try await client.login("commissioner@demo.test")
            #expect(try await client.send(.put, "/v1/councils/\(council)/billing-settings", token: commissioner, json: terms).status == .forbidden)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.send(.get, "/v1/councils/\(council)/billing-settings", token: northfield).status == .notFound)
            #expect(try await client.send(.put, "/v1/councils/\(council)/billing-settings", token: scene.financeToken, json: terms).status == .ok)
            let read = try await client.send(.get, "/v1/councils/\(council)/billing-settings", token: commissioner)
            #expect(try read.string("cycle") == "weekly")
            #expect(try read.json["deemed_confirmed_after_days"] as? Int == 5)
            // Council references: only the holder's council sets them.
            #expect(try await client.send(
                .put, "/v1/budget-holders/\(order.holder)/council-reference", token: northfield,
                json: ["council_reference": "X"]).status == .notFound)
            #expect(try await client.send(
                .put, "/v1/budget-holders/\(order.holder)/council-reference", token: commissioner,
                json: ["council_reference": "X"]).status == .forbidden)
        }
    }

    @Test func holdersPayTheirOwnDirectPaymentInvoicesAndDelegatesApproveThem() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await scene(client)
            let base = scene.order
            let stream = try await client.addStream(
                base.adminToken, holder: base.holder, ["management_option": "direct_payment", "fund_holder": "holder"])
            let order = OrderScene(
                holderToken: base.holderToken, providerToken: base.providerToken, adminToken: base.adminToken,
                holder: base.holder, stream: stream, offering: base.offering, council: base.council)
            let placed = try await client.placeOrder(order.holderToken, Client.orderBody(
                holder: order.holder, offering: order.offering, quantity: 2, start: "2026-09-21", ["stream_id": stream]))
            let orderID = try #require(try placed.string("id"), "\(placed.text)")
            #expect(try await client.send(.post, "/v1/orders/\(orderID)/accept", token: order.providerToken).status == .ok)
            _ = try await client.deliver(order, order: orderID, hours: 2, on: "2026-09-21")
            try market.setToday("2026-10-20")
            _ = try await client.runInvoicing(try await client.login("admin@demo.test"))

            let mine = try await client.invoices(order.holderToken)
            #expect(mine.count == 1)
            let invoice = try #require(mine.first)
            #expect((invoice["payer"] as? [String: any Sendable])?["id"] as? String == order.holder)
            let id = try #require(invoice["id"] as? String)
            // The council sees its holder's invoice but does not pay it; the broker has no delegation.
            #expect(try await client.send(.post, "/v1/invoices/\(id)/approve", token: scene.financeToken).status == .forbidden)
            let broker = try await client.login("broker@demo.test")
            #expect(try await client.send(.get, "/v1/invoices/\(id)", token: broker).status == .notFound)
            // A broker with a view-only delegation sees it and may not approve; with approve_invoices it may.
            let brokerOrganisation = try #require(try await client.me(broker)["organisation_id"] as? String)
            let grant = try await client.send(
                .post, "/v1/delegations", token: order.holderToken,
                json: ["budget_holder_id": order.holder, "grantee_organisation_id": brokerOrganisation, "rights": ["view"]])
            #expect(grant.status == .created, "\(grant.text)")
            #expect(try await client.send(.get, "/v1/invoices/\(id)", token: broker).status == .ok)
            #expect(try await client.send(.post, "/v1/invoices/\(id)/approve", token: broker).status == .forbidden)
            let approving = try await client.send(
                .post, "/v1/delegations", token: order.holderToken,
                json: ["budget_holder_id": order.holder, "grantee_organisation_id": brokerOrganisation, "rights": ["approve_invoices"]])
            #expect(approving.status == .created, "\(approving.text)")
            let approved = try await client.send(.post, "/v1/invoices/\(id)/approve", token: broker)
            #expect(approved.status == .ok, "\(approved.text)")
        }
        try await market.expectLedgerHolds()
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await scene(client)
            let provider = scene.order.providerToken
            let cases: [([String: any Sendable], String)] = [
                (["legal_name": " "], "legal_name"),
                (["address": ["line1": "1 High Street", "town": "Harrowby", "postcode": "12345"] as [String: any Sendable]], "address.postcode"),
                (["address": NSNull()], "address.line1"),
                (["invoice_prefix": "1X"], "invoice_prefix"),
                (["invoice_prefix": NSNull()], "invoice_prefix"),
                (["payment_terms_days": 121], "payment_terms_days"),
                (["payment_terms_days": -1], "payment_terms_days"),
                (["vat_number": "GB12"], "vat_number"),
                (["company_number": "12"], "company_number"),
                (["remittance_email": "not-an-email"], "remittance_email"),
            ]
            for (overrides, field) in cases {
                let answer = try await client.putBillingProfile(provider, provider: scene.provider, overrides)
                #expect(answer.status == .unprocessableContent, "\(overrides): \(answer.text)")
                #expect(answer.problemFields.contains(field), "\(overrides): \(answer.problemFields)")
            }
            let kept = try await client.send(.get, "/v1/providers/\(scene.provider)/billing-profile", token: provider)
            #expect(try kept.string("invoice_prefix") == "BRIGHT")
            #expect(try (kept.json["address"] as? [String: any Sendable])?["postcode"] as? String == "HA1 2AB")
            #expect(try await client.send(.get, "/v1/providers/org_00000000000000000000/billing-profile", token: provider).status == .notFound)
            #expect(try await client.send(.get, "/v1/providers/nonsense/billing-profile", token: provider).status == .badRequest)

            let council = scene.order.council
            let settingsCases: [([String: any Sendable], String)] = [
                (["cycle": "fortnightly"], "cycle"),
                (["cycle": "four_weekly"], "four_weekly_from"),
                (["cycle": "monthly", "four_weekly_from": "2026-01-05"], "four_weekly_from"),
                (["deemed_confirmed_after_days": 0], "deemed_confirmed_after_days"),
                (["deemed_confirmed_after_days": 61], "deemed_confirmed_after_days"),
            ]
            for (body, field) in settingsCases {
                let answer = try await client.send(.put, "/v1/councils/\(council)/billing-settings", token: scene.financeToken, json: body)
                #expect(answer.status == .unprocessableContent, "\(body): \(answer.text)")
                #expect(answer.problemFields.contains(field), "\(body): \(answer.problemFields)")
            }
            let settings = try await client.send(.get, "/v1/councils/\(council)/billing-settings", token: scene.financeToken)
            #expect(try settings.string("cycle") == "monthly")

            let future = try await client.send(.post, "/v1/invoicing-runs", token: scene.financeToken, json: ["as_of": "2026-09-22"])
            #expect(future.status == .unprocessableContent)
            #expect(future.problemFields == ["as_of"])
            let malformed = try await client.send(.post, "/v1/invoicing-runs", token: scene.financeToken, json: ["as_of": "2026-02-30"])
            #expect(malformed.status == .badRequest || malformed.status == .unprocessableContent, "\(malformed.text)")
            #expect(try await market.count("invoicing_run") == 0)
            for query in ["?status=settled", "?period=2026-13-01", "?due_before=soon", "?payer=someone", "?provider_id=x", "?limit=0"] {
                #expect(try await client.send(.get, "/v1/invoices\(query)", token: scene.financeToken).status == .unprocessableContent, "\(query)")
            }
            #expect(try await client.send(.get, "/v1/invoices/inv_00000000000000000000", token: scene.financeToken).status == .notFound)
            #expect(try await client.send(.get, "/v1/invoices/nonsense", token: scene.financeToken).status == .badRequest)
            let longReference = String(repeating: "x", count: 41)
            let reference = try await client.send(
                .put, "/v1/budget-holders/\(scene.order.holder)/council-reference", token: scene.order.adminToken,
                json: ["council_reference": longReference])
            #expect(reference.status == .unprocessableContent)
        }
    }

    /// What the schema refuses, whatever the Swift code does: a delivery on two lines, a line
    /// added to an issued invoice, an invoice whose total is not its lines', a number that skips,
    /// an edited or deleted invoice.
    @Test func theSchemaKeepsInvoicesWholeAndNumbersGapless() async throws {
        let market = try await TestMarket.make()
        let invoiceID = try await market.test { client in
            let scene = try await scene(client)
            let orderID = try await client.acceptedOrder(scene.order, hours: 2)
            _ = try await client.deliver(scene.order, order: orderID, hours: 2, on: "2026-09-21")
            try market.setToday("2026-10-20")
            _ = try await client.runInvoicing(scene.financeToken)
            return try #require(try await client.invoices(scene.financeToken).first?["id"] as? String)
        }
        let refused: [String] = [
            "UPDATE invoice SET total_pence = total_pence + 1 WHERE id = '\(invoiceID)'",
            "DELETE FROM invoice WHERE id = '\(invoiceID)'",
            "DELETE FROM invoice_line WHERE invoice_id = '\(invoiceID)'",
            "UPDATE invoice_line SET total_pence = 1 WHERE invoice_id = '\(invoiceID)'",
            "INSERT INTO invoice_line SELECT invoice_id, 2, delivery_id, order_id, budget_holder_id, offering_id, description, delivered_on, quantity_hundredths, unit, unit_price_pence, total_pence, vat_category, council_reference, confirmed_by_buyer, 0, 0 FROM invoice_line WHERE invoice_id = '\(invoiceID)'",
            "UPDATE billing_sequence SET last_number = last_number + 2",
            "UPDATE billing_sequence SET last_number = last_number - 1",
            "DELETE FROM billing_sequence",
            "INSERT INTO invoice SELECT NULL, 'inv_zzzzzzzzzzzzzzzzzzzz', provider_id, sequence_number + 1, number || 'X', payer_kind, payer_council_id, payer_organisation_id, payer_budget_holder_id, council_id, period_start, period_end, issue_date, due_date, total_pence, 0, line_count, status, approved_by, approved_at, NULL, NULL, NULL, run_id, created_at FROM invoice WHERE id = '\(invoiceID)'",
            "UPDATE invoice_line SET credited_pence = total_pence + 1 WHERE invoice_id = '\(invoiceID)'",
        ]
        for sql in refused {
            await #expect(throws: DatabaseError.self, "\(sql)") {
                try await market.database.writer.write { db in try db.execute(sql: sql) }
            }
        }
        try await market.expectLedgerHolds()
    }

    /// Runs racing new deliveries and confirmations never invoice a delivery twice, nor one that
    /// is not confirmed; when the racing stops, one more run invoices every confirmed delivery.
    @Test func runsRacingConfirmationsInvoiceEachConfirmedDeliveryOnce() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await scene(client, price: 100)
            let orderID = try await client.acceptedOrder(scene.order, hours: 40)
            try market.setToday("2026-09-30")
            var deliveries: [String] = []
            for day in 21...30 {
                for _ in 0..<2 { deliveries.append(try await client.deliver(scene.order, order: orderID, hours: 1, on: "2026-09-\(day)")) }
            }
            try market.setToday("2026-10-02")
            let runner = market.services.invoicing
            let recorded = deliveries
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for _ in 0..<8 { _ = try await runner.run(asOf: nil, trigger: .commandLine, startedBy: nil, council: nil) }
                }
                group.addTask {
                    for delivery in recorded {
                        let answer = try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: scene.order.holderToken)
                        #expect(answer.status == .ok, "\(answer.text)")
                    }
                }
                try await group.waitForAll()
            }
            _ = try await runner.run(asOf: nil, trigger: .commandLine, startedBy: nil, council: nil)
        }
        let (lines, distinct, unconfirmed) = try await market.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM invoice_line") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(DISTINCT delivery_id) FROM invoice_line") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM invoice_line l JOIN delivery d ON d.id = l.delivery_id WHERE d.status <> 'confirmed'") ?? -1)
        }
        #expect(lines == 20)
        #expect(distinct == 20)
        #expect(unconfirmed == 0)
        try await market.expectLedgerHolds()
    }

    /// The daily run inside `serve`: the live application's scheduler runs invoicing once when
    /// the clock passes 02:00, not again that day, and again the next day.
    @Test func theScheduledRunInvoicesOncePerDayByTheInjectedClock() async throws {
        let market = try await TestMarket.make()
        let application = market.application { configuration in
            configuration.invoicingTime = TimeOfDay(hour: 2, minute: 0)
            configuration.schedulerPollInterval = .milliseconds(20)
        }
        let scheduledRuns = { @Sendable in
            try await market.database.writer.read { db in
                try Int.fetchAll(db, sql: "SELECT invoices_written FROM invoicing_run WHERE origin = 'schedule' ORDER BY seq")
            }
        }
        /// Waits (at most five seconds) until `count` scheduled runs have finished.
        let awaitRuns = { @Sendable (count: Int) async throws -> [Int] in
            for _ in 0..<250 {
                let finished = try await market.database.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM invoicing_run WHERE origin = 'schedule' AND finished_at IS NOT NULL") ?? 0
                }
                if finished >= count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await scheduledRuns()
        }
        // The service starts at noon on 25 September, so its first run is due at 02:00 on the 26th.
        try market.setToday("2026-09-25")
        try await application.test(.live) { raw in
            let client = Client(client: raw, market: market)
            let scene = try await scene(client)
            let orderID = try await client.acceptedOrder(scene.order, hours: 2, start: "2026-09-25")
            let delivery = try await client.deliver(scene.order, order: orderID, hours: 2, on: "2026-09-25")
            #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: scene.order.holderToken).status == .ok)
            #expect(try await scheduledRuns().isEmpty)

            // 02:01 on 2 October: the first scheduled run invoices September.
            market.clock.set(try Date("2026-10-02T02:01:00Z", strategy: Date.ISO8601FormatStyle()))
            #expect(try await awaitRuns(1) == [1])
            // Later that day nothing more runs, however often the scheduler looks.
            market.clock.set(try Date("2026-10-02T23:59:00Z", strategy: Date.ISO8601FormatStyle()))
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await scheduledRuns() == [1])
            // The next day's run finds nothing new to invoice.
            market.clock.set(try Date("2026-10-03T02:00:00Z", strategy: Date.ISO8601FormatStyle()))
            #expect(try await awaitRuns(2) == [1, 0])
            let invoices = try await client.invoices(scene.financeToken)
            #expect(invoices.count == 1)
            #expect(invoices.first?["total_pence"] as? Int == 2_000)
        }
    }

    @Test func billingPeriodsFollowTheCouncilsCycle() throws {
        let day = try #require(CalendarDay("2026-09-23"))
        #expect(BillingSettings.standard.period(containing: day) == BillingPeriod(start: CalendarDay("2026-09-01")!, end: CalendarDay("2026-09-30")!))
        let weekly = BillingSettings(cycle: .weekly, fourWeeklyFrom: nil, deemedConfirmedAfterDays: 7)
        #expect(weekly.period(containing: day) == BillingPeriod(start: CalendarDay("2026-09-21")!, end: CalendarDay("2026-09-27")!))
        let fourWeekly = BillingSettings(cycle: .fourWeekly, fourWeeklyFrom: CalendarDay("2026-04-06"), deemedConfirmedAfterDays: 7)
        #expect(fourWeekly.period(containing: day) == BillingPeriod(start: CalendarDay("2026-09-21")!, end: CalendarDay("2026-10-18")!))
        #expect(fourWeekly.period(containing: CalendarDay("2026-04-05")!) == BillingPeriod(start: CalendarDay("2026-03-09")!, end: CalendarDay("2026-04-05")!))
        let december = BillingSettings.standard.period(containing: CalendarDay("2026-12-31")!)
        #expect(december == BillingPeriod(start: CalendarDay("2026-12-01")!, end: CalendarDay("2026-12-31")!))
        #expect(!december.isClosed(on: CalendarDay("2026-12-31")!))
        #expect(december.isClosed(on: CalendarDay("2027-01-01")!))
        #expect(Invoice.number(prefix: "BRIGHT", 42) == "BRIGHT-000042")
        #expect(Invoice.number(prefix: "BRIGHT", 1_234_567) == "BRIGHT-1234567")
        #expect(Invoice.creditNoteNumber(prefix: "BRIGHT", 3) == "BRIGHT-CN-000003")
    }
}
