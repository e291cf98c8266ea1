import Crypto
import Foundation
import GRDB
import HTTPTypes
import MarketCore
import MarketStore
import Testing

/// Paying approved invoices: bank details verified by each payer, batches approved by a second
/// person, bank files the bank takes (parsed back, validated against the ISO XSD), remittances.
@Suite("Payments")
struct PaymentTests {
    @Test func fromApprovedInvoicesToABankFileAndPaidInvoices() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            try market.setToday("2026-11-02")
            let key = "batch-\(UUID().uuidString)"
            let batch = try await client.createBatch(scene.finance, cutOff: "2026-11-04", key: key)
            let batchID = try #require(batch["id"] as? String)
            #expect(batch["status"] as? String == "draft")
            #expect(batch["total_pence"] as? Int == scene.invoiceTotal)
            let payments = try #require(batch["payments"] as? [[String: any Sendable]])
            #expect(payments.count == 1)
            let payment = try #require(payments.first)
            #expect(payment["amount_pence"] as? Int == scene.invoiceTotal)
            #expect((payment["items"] as? [[String: any Sendable]])?.map { $0["invoice_id"] as? String } == [scene.invoice])
            #expect((payment["payee"] as? [String: any Sendable])?["sort_code"] as? String == "200000")
            // The same key again is the same batch, not a second one.
            #expect(try await client.createBatch(scene.finance, cutOff: "2026-11-04", key: key)["id"] as? String == batchID)
            #expect(try await market.count("payment_batch") == 1)

            // Four eyes: the creator may not approve; nothing is exported before approval.
            let own = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: scene.finance)
            #expect(own.status == .forbidden, "\(own.text)")
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)/files/bacs", token: scene.finance).status == .conflict)
            #expect(try await client.send(
                .post, "/v1/payment-batches/\(batchID)/export", token: scene.finance, json: [:]).status == .conflict)
            let exported = try await client.approveAndExport(batchID, approver: scene.finance2, exporter: scene.finance)
            #expect(exported["status"] as? String == "exported")
            #expect(exported["processing_date"] as? String == "2026-11-03")
            let files = try #require(exported["files"] as? [[String: any Sendable]])
            #expect(Set(files.compactMap { $0["format"] as? String }) == ["csv", "bacs", "pain.001"])
            #expect(try await client.send(
                .post, "/v1/payment-batches/\(batchID)/export", token: scene.finance, json: [:]).status == .conflict)

            // Every download is the same bytes, carrying their SHA-256.
            let bacs = try await client.send(.get, "/v1/payment-batches/\(batchID)/files/bacs", token: scene.finance)
            #expect(bacs.status == .ok)
            let again = try await client.send(.get, "/v1/payment-batches/\(batchID)/files/bacs", token: scene.finance2)
            #expect(again.body == bacs.body)
            let sha = SHA256.hash(data: bacs.body).map { String(format: "%02x", $0) }.joined()
            #expect(bacs.headers[.eTag] == "\"\(sha)\"")
            #expect(bacs.headers[HTTPField.Name("Content-Digest")!] == "sha-256=:\(Data(SHA256.hash(data: bacs.body)).base64EncodedString()):")
            #expect(files.first { $0["format"] as? String == "bacs" }?["sha256"] as? String == sha)

            let parsed = try ParsedBACSFile(bacs.text)
            #expect(parsed.labels == ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"])
            #expect(parsed.credits.count == 1)
            #expect(parsed.credits.first?.sortCode == "200000" && parsed.credits.first?.account == "55779911")
            #expect(parsed.credits.first?.amount == scene.invoiceTotal)
            #expect(parsed.credits.first?.name.trimmingCharacters(in: .whitespaces) == "BRIGHTPATH CARE LT")
            #expect(parsed.credits.first?.reference.trimmingCharacters(in: .whitespaces) == payment["reference"] as? String)
            #expect(parsed.contraAmount == parsed.credits.reduce(0) { $0 + $1.amount })
            #expect(parsed.trailer.debitTotal == parsed.contraAmount && parsed.trailer.creditTotal == parsed.contraAmount)
            #expect(parsed.trailer.debitCount == 1 && parsed.trailer.creditCount == 1)
            #expect(bacs.text.hasPrefix("VOL1") && bacs.text.contains("UHL1 26307123456"))

            let pain = try await client.send(.get, "/v1/payment-batches/\(batchID)/files/pain.001", token: scene.finance)
            #expect(pain.headers[.contentType]?.hasPrefix("application/xml") == true)
            #expect(pain.text.contains("<EndToEndId>\(payment["id"] as? String ?? "")</EndToEndId>"))
            #expect(pain.text.contains("<NbOfTxs>1</NbOfTxs>") && pain.text.contains("<CtrlSum>20.00</CtrlSum>"))
            #expect(pain.text.contains("<InstdAmt Ccy=\"GBP\">20.00</InstdAmt>"))
            #expect(pain.text.contains("<Ustrd>Invoices BRIGHT-000001</Ustrd>"))
            if let (status, output) = try validatePain001(pain.text, in: market.directory) {
                #expect(status == 0, "\(output)")
            }
            let csv = try await client.send(.get, "/v1/payment-batches/\(batchID)/files/csv", token: scene.finance)
            #expect(csv.text.components(separatedBy: "\r\n").count == 3)
            #expect(csv.text.contains("\"BRIGHT-000001\"") && csv.text.contains("\"2000\",\"20.00\""))

            // Marked paid with the bank's value date: the invoice is paid with the payment's reference.
            let tooEarly = try await client.send(
                .post, "/v1/payment-batches/\(batchID)/mark-paid", token: scene.finance, json: ["value_date": "2026-11-03"])
            #expect(tooEarly.status == .unprocessableContent, "today is before the processing date: \(tooEarly.text)")
            try market.setToday("2026-11-03")
            let paid = try await client.send(
                .post, "/v1/payment-batches/\(batchID)/mark-paid", token: scene.finance2, json: ["value_date": "2026-11-03"])
            #expect(paid.status == .ok, "\(paid.text)")
            #expect(try paid.string("status") == "paid")
            let invoice = try await client.send(.get, "/v1/invoices/\(scene.invoice)", token: scene.order.providerToken).json
            #expect(invoice["status"] as? String == "paid")
            #expect(invoice["paid_on"] as? String == "2026-11-03")
            #expect(invoice["payment_reference"] as? String == payment["reference"] as? String)
            #expect(try await client.send(
                .post, "/v1/payment-batches/\(batchID)/mark-paid", token: scene.finance, json: ["value_date": "2026-11-03"]).status == .conflict)

            // The remittance adds up to the payment; the provider sees its own, as JSON, CSV and a page.
            let remittance = try await client.send(
                .get, "/v1/payment-batches/\(batchID)/remittances/\(scene.provider)", token: scene.order.providerToken)
            #expect(remittance.status == .ok, "\(remittance.text)")
            let remitted = try #require(try remittance.json["payment"] as? [String: any Sendable])
            let items = try #require(remitted["items"] as? [[String: any Sendable]])
            #expect(items.reduce(0) { $0 + ($1["amount_pence"] as? Int ?? 0) } == remitted["amount_pence"] as? Int)
            #expect(try remittance.string("payment_date") == "2026-11-03")
            let page = try await client.send(
                .get, "/v1/payment-batches/\(batchID)/remittances/\(scene.provider)?format=html", token: scene.order.providerToken)
            #expect(page.text.contains("<h1>Remittance advice</h1>") && page.text.contains("<tr><td>Invoice BRIGHT-000001</td><td class=\"num\">£20.00</td></tr>"), "\(page.text)")
            #expect(!page.text.contains("GRDB") && !page.text.contains("SQL("))
            let rows = try await client.send(
                .get, "/v1/payment-batches/\(batchID)/remittances/\(scene.provider)?format=csv", token: scene.finance)
            #expect(rows.text.hasPrefix("\"payment_id\"") && rows.text.contains("\"BRIGHT-000001\""))

            // The provider never sees the batch itself; every step is in the audit trail and the outbox.
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: scene.order.providerToken).status == .notFound)
            let events = try await market.database.read { db in
                try String.fetchAll(db, sql: "SELECT type FROM outbox_event WHERE type LIKE 'payment%' OR type IN ('invoice.paid', 'bank_account.changed') ORDER BY rowid")
            }
            #expect(events == ["bank_account.changed", "payment_batch.created", "payment_batch.approved", "payment_batch.exported",
                               "invoice.paid", "payment_batch.paid"])
            let audited = try await market.database.read { db in
                try String.fetchAll(db, sql: "SELECT action FROM audit_event WHERE subject_type IN ('payment_batch', 'provider', 'payer') ORDER BY rowid")
            }
            #expect(audited.contains("bank_account.verified") && audited.contains("payer_account.confirmed") && audited.contains("payment_batch.paid"))
            try await market.expectLedgerHolds()
        }
    }

    @Test func aPaymentNeverGoesToDetailsThePayerHasNotVerified() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market, verified: false)
            try market.setToday("2026-11-02")
            // Unverified: held out with the reason, and its invoice stays free.
            let unverified = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            #expect((unverified["payments"] as? [Any])?.isEmpty == true)
            let held = try #require((unverified["held"] as? [[String: any Sendable]])?.first)
            #expect((held["reason"] as? String)?.contains("not yet verified by this payer") == true, "\(held)")
            #expect(held["invoice_ids"] as? [String] == [scene.invoice])
            let empty = try #require(unverified["id"] as? String)
            #expect(try await client.send(.post, "/v1/payment-batches/\(empty)/approve", token: scene.finance2).status == .conflict)
            #expect(try await client.send(.post, "/v1/payment-batches/\(empty)/cancel", token: scene.finance2).status == .ok)

            // Only a payer verifies, only the current version, and never the person who entered it.
            let verifyPath = "/v1/providers/\(scene.provider)/bank-account/verify"
            #expect(try await client.send(.post, verifyPath, token: scene.order.providerToken,
                                          json: ["version": 1, "method": "I checked it myself"]).status == .forbidden)
            #expect(try await client.send(.post, verifyPath, token: scene.finance, json: ["version": 2, "method": "phoned"]).status == .conflict)
            let missing = try await client.send(.post, verifyPath, token: scene.finance, json: ["version": 1])
            #expect(missing.status == .unprocessableContent && missing.problemFields == ["method"], "\(missing.text)")
            #expect(try await client.send(.post, verifyPath, token: scene.finance, json: ["version": 1, "method": "phoned"]).status == .ok)

            // A change (mandate fraud's route) is a new version that nobody has verified: held again.
            let changed = try await client.send(
                .put, "/v1/providers/\(scene.provider)/bank-account", token: scene.order.providerToken,
                json: Client.bankDetails.merging(["account_number": "99999999", "iban": NSNull()]) { $1 })
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.json["version"] as? Int == 2)
            let same = try await client.send(
                .put, "/v1/providers/\(scene.provider)/bank-account", token: scene.order.providerToken,
                json: Client.bankDetails.merging(["account_number": "99999999", "iban": NSNull()]) { $1 })
            #expect(try same.json["version"] as? Int == 2, "the same details again are not a new version")
            let versions = try await client.send(.get, "/v1/providers/\(scene.provider)/bank-account", token: scene.finance).json
            #expect((versions["versions"] as? [[String: any Sendable]])?.map { $0["version"] as? Int } == [2, 1])
            let again = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            #expect((again["payments"] as? [Any])?.isEmpty == true)
            #expect(((again["held"] as? [[String: any Sendable]])?.first?["reason"] as? String)?.contains("version 2") == true)
            _ = try await client.send(.post, "/v1/payment-batches/\(again["id"] as? String ?? "")/cancel", token: scene.finance)

            // The schema refuses a payment to unverified details and a verification by the person who entered them.
            let refusals = try await market.database.writer.write { db -> [String] in
                var messages: [String] = []
                let account = try #require(try String.fetchOne(db, sql: "SELECT id FROM bank_account WHERE version = 2"))
                let enteredBy = try #require(try String.fetchOne(db, sql: "SELECT entered_by FROM bank_account WHERE version = 2"))
                let council = scene.order.council
                for sql in [
                    "INSERT INTO bank_account_verification VALUES ('\(account)', '\(council)', '\(enteredBy)', '2026-11-02', 'myself')",
                    """
                    INSERT INTO payment_item (payment_id, invoice_id, amount_pence) VALUES ('pay_00000000000000000000', '\(scene.invoice)', 1);
                    INSERT INTO payment (id, batch_id, provider_id, bank_account_id, amount_pence, reference, status)
                    VALUES ('pay_00000000000000000000', '\(empty)', '\(scene.provider)', '\(account)', 1, 'X', 'pending')
                    """,
                ] {
                    try db.inSavepoint {
                        do { try db.execute(sql: sql) } catch let error as DatabaseError { messages.append(error.message ?? "") }
                        return .rollback
                    }
                }
                return messages
            }
            #expect(refusals == ["the person who entered bank details can never verify them",
                                 "a payment goes only to the provider's current bank details, verified by the payer"])
        }
    }

    @Test func twoBatchesCreatedAtOnceNeverShareAnInvoice() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            try market.setToday("2026-11-02")
            let batches = try await withThrowingTaskGroup(of: [String: any Sendable].self) { group in
                for token in [scene.finance, scene.finance2, scene.finance, scene.finance2] {
                    group.addTask { try await client.createBatch(token, cutOff: "2026-11-04") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(batches.count == 4)
            #expect(batches.filter { ($0["payments"] as? [Any])?.isEmpty == false }.count == 1)
            let live = try await market.database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM payment_item WHERE live = 1 AND invoice_id = ?", arguments: [scene.invoice])
            }
            #expect(live == 1)
            // And the schema refuses a second live item for the invoice, whatever the code does.
            let duplicate = await #expect(throws: DatabaseError.self) {
                try await market.database.writer.write { db in
                    try db.execute(sql: """
                        INSERT INTO payment_item (payment_id, invoice_id, amount_pence) SELECT payment_id, invoice_id, amount_pence
                        FROM payment_item WHERE invoice_id = ?
                        """, arguments: [scene.invoice])
                }
            }
            #expect(duplicate?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
            // A dispute or a credit note would change what the batch pays: refused while it is in one.
            #expect(try await client.send(
                .post, "/v1/invoices/\(scene.invoice)/dispute", token: scene.finance, json: ["reason": "late"]).status == .conflict)
            #expect(try await client.send(
                .post, "/v1/invoices/\(scene.invoice)/credit-notes", token: scene.order.providerToken, json: ["reason": "x"]).status == .conflict)
        }
    }

    @Test func creditNotesAfterPaymentAreNettedAndANonPositiveNetIsHeld() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            // October: £10 delivered and confirmed, invoiced on 5 November.
            try market.setToday("2026-10-12")
            let octoberOrder = try await client.acceptedOrder(scene.order, hours: 3, start: "2026-10-12")
            try market.setToday("2026-10-14")
            let october = try await client.deliver(scene.order, order: octoberOrder, hours: 1, on: "2026-10-13")
            #expect(try await client.send(.post, "/v1/deliveries/\(october)/confirm", token: scene.order.holderToken).status == .ok)

            // September's £20 invoice is paid in November's first batch.
            try market.setToday("2026-11-02")
            let first = try #require(try await client.createBatch(scene.finance, cutOff: "2026-11-04")["id"] as? String)
            _ = try await client.approveAndExport(first, approver: scene.finance2, exporter: scene.finance)
            try market.setToday("2026-11-03")
            #expect(try await client.send(
                .post, "/v1/payment-batches/\(first)/mark-paid", token: scene.finance, json: ["value_date": "2026-11-03"]).status == .ok)

            // Then the provider credits it in full: £20 the council recovers; the invoice stays paid.
            let note = try await client.send(
                .post, "/v1/invoices/\(scene.invoice)/credit-notes", token: scene.order.providerToken,
                json: ["reason": "the visit was not delivered"])
            #expect(note.status == .created, "\(note.text)")
            #expect(try await client.send(.get, "/v1/invoices/\(scene.invoice)", token: scene.finance).string("status") == "paid")
            try market.setToday("2026-11-05")
            _ = try await client.runInvoicing(scene.finance)

            // November: £30, invoiced in December.
            try market.setToday("2026-11-09")
            let novemberOrder = try await client.acceptedOrder(scene.order, hours: 3, start: "2026-11-09")
            try market.setToday("2026-11-10")
            let november = try await client.deliver(scene.order, order: novemberOrder, hours: 3, on: "2026-11-09")
            #expect(try await client.send(.post, "/v1/deliveries/\(november)/confirm", token: scene.order.holderToken).status == .ok)

            // Before December's invoicing, October's £10 nets to -£10: held with the reason, nothing paid.
            try market.setToday("2026-12-07")
            let finance = try await client.login("finance@demo.test")
            let netNegative = try await client.createBatch(finance, cutOff: "2026-12-31")
            #expect((netNegative["payments"] as? [Any])?.isEmpty == true)
            let held = try #require((netNegative["held"] as? [[String: any Sendable]])?.first)
            #expect(held["net_pence"] as? Int == -1_000)
            #expect((held["reason"] as? String)?.contains("credit notes to recover") == true, "\(held)")
            _ = try await client.send(.post, "/v1/payment-batches/\(netNegative["id"] as? String ?? "")/cancel", token: finance)

            // With November's £30 as well, the payment is £10 + £30 - £20 = £20, and lists all three.
            _ = try await client.runInvoicing(finance)
            let netted = try await client.createBatch(finance, cutOff: "2027-01-31")
            let payment = try #require((netted["payments"] as? [[String: any Sendable]])?.first)
            #expect(payment["amount_pence"] as? Int == 2_000)
            let amounts = (payment["items"] as? [[String: any Sendable]])?.compactMap { $0["amount_pence"] as? Int }.sorted()
            #expect(amounts == [-2_000, 1_000, 3_000])
            try await market.expectLedgerHolds()
        }
    }

    @Test func aReturnedPaymentLeavesItsInvoicesUnpaidForTheNextBatch() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            try market.setToday("2026-11-02")
            let batch = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            let batchID = try #require(batch["id"] as? String)
            let paymentID = try #require((batch["payments"] as? [[String: any Sendable]])?.first?["id"] as? String)
            let returnPath = "/v1/payment-batches/\(batchID)/payments/\(paymentID)/return"
            #expect(try await client.send(.post, returnPath, token: scene.finance, json: ["reason": "closed"]).status == .conflict)
            _ = try await client.approveAndExport(batchID, approver: scene.finance2, exporter: scene.finance)
            try market.setToday("2026-11-04")
            #expect(try await client.send(
                .post, "/v1/payment-batches/\(batchID)/mark-paid", token: scene.finance, json: ["value_date": "2026-11-03"]).status == .ok)
            #expect(try await client.send(.post, returnPath, token: scene.finance, json: [:]).status == .unprocessableContent)
            let returned = try await client.send(.post, returnPath, token: scene.finance, json: ["reason": "account closed"])
            #expect(returned.status == .ok, "\(returned.text)")
            #expect(try await client.send(.post, returnPath, token: scene.finance, json: ["reason": "again"]).status == .conflict)
            let invoice = try await client.send(.get, "/v1/invoices/\(scene.invoice)", token: scene.finance).json
            #expect(invoice["status"] as? String == "approved")
            #expect(invoice["paid_on"] is NSNull)
            let next = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            #expect((next["payments"] as? [[String: any Sendable]])?.first?["amount_pence"] as? Int == scene.invoiceTotal)
            let events = try await market.count("outbox_event WHERE type = 'payment.returned'")
            #expect(events == 1)
        }
    }

    @Test func badInputAndEveryRoleThatMustNotSeeOrAct() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            try market.setToday("2026-11-02")
            let provider = scene.order.providerToken

            // Bank details are checked field by field and change nothing when wrong.
            let bad = try await client.send(
                .put, "/v1/providers/\(scene.provider)/bank-account", token: provider,
                json: ["account_name": " ", "sort_code": "12-34-5", "account_number": "1234567x", "iban": "GB61BARC20000055779911",
                       "bic": "BARC"])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.problemFields) == ["account_name", "sort_code", "account_number", "iban", "bic"])
            #expect(try await market.count("bank_account") == 1)
            let payerBad = try await client.send(
                .put, "/v1/payer-accounts/\(scene.order.council)", token: scene.finance,
                json: Client.councilAccount.merging(["service_user_number": "12345"]) { $1 })
            #expect(payerBad.problemFields == ["service_user_number"])

            // Batches: the cut-off is required and a date; only a payer's staff make one.
            #expect(try await client.send(.post, "/v1/payment-batches", token: scene.finance, json: [:]).status == .unprocessableContent)
            let malformed = try await client.send(.post, "/v1/payment-batches", token: scene.finance, json: ["cut_off_date": "2026-02-30"])
            #expect(malformed.status == .badRequest || malformed.status == .unprocessableContent)
            let commissioner = try await client.login("commissioner@demo.test")
            let northfield = try await client.login("commissioner@northfield.demo.test")
            for token in [provider, scene.order.holderToken, commissioner, scene.order.adminToken] {
                #expect(try await client.send(
                    .post, "/v1/payment-batches", token: token, json: ["cut_off_date": "2026-11-04"]).status == .forbidden)
            }
            #expect(try await market.count("payment_batch") == 0)
            let batch = try await client.createBatch(scene.finance, cutOff: "2026-11-04")
            let batchID = try #require(batch["id"] as? String)

            // Who sees the batch: the council's finance and admins; not its provider, another council or a broker.
            let broker = try await client.login("broker@demo.test")
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: scene.order.adminToken).status == .ok)
            for token in [provider, northfield, broker, scene.order.holderToken] {
                #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: token).status == .notFound)
                #expect(try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: token).status == .notFound)
            }
            #expect(try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: scene.order.adminToken).status == .forbidden)
            #expect(try await client.send(.get, "/v1/payment-batches", token: provider).status == .forbidden)
            #expect((try await client.send(.get, "/v1/payment-batches", token: broker).json["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.send(.get, "/v1/payment-batches/pbt_00000000000000000000", token: scene.finance).status == .notFound)
            #expect(try await client.send(.get, "/v1/payment-batches/nonsense", token: scene.finance).status == .badRequest)

            // Bank details and payer accounts: nobody else's.
            for token in [northfield, broker, scene.order.holderToken, commissioner] {
                #expect(try await client.send(.get, "/v1/providers/\(scene.provider)/bank-account", token: token).status == .notFound)
            }
            for token in [provider, northfield, broker] {
                #expect(try await client.send(.get, "/v1/payer-accounts/\(scene.order.council)", token: token).status == .notFound)
            }
            #expect(try await client.send(
                .put, "/v1/payer-accounts/\(scene.order.council)", token: scene.order.adminToken, json: Client.councilAccount).status == .forbidden)
            #expect(try await client.send(
                .put, "/v1/providers/\(scene.provider)/bank-account", token: scene.finance, json: Client.bankDetails).status == .forbidden)
            #expect(try await client.send(.get, "/v1/payer-accounts/someone", token: scene.finance).status == .badRequest)

            // Export: a processing day must be a weekday ahead; files and remittances know their formats.
            #expect(try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: scene.finance2).status == .ok)
            let saturday = try await client.send(
                .post, "/v1/payment-batches/\(batchID)/export", token: scene.finance, json: ["processing_date": "2026-11-07"])
            #expect(saturday.status == .unprocessableContent && saturday.problemFields == ["processing_date"], "\(saturday.text)")
            let past = try await client.send(
                .post, "/v1/payment-batches/\(batchID)/export", token: scene.finance, json: ["processing_date": "2026-11-02"])
            #expect(past.problemFields == ["processing_date"])
            #expect(try await market.count("payment_batch_file") == 0)
            _ = try await client.send(.post, "/v1/payment-batches/\(batchID)/export", token: scene.finance, json: ["processing_date": "2026-11-05"])
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)/files/xlsx", token: scene.finance).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)/files/bacs", token: provider).status == .notFound)
            let remittancePath = "/v1/payment-batches/\(batchID)/remittances/\(scene.provider)"
            #expect(try await client.send(.get, remittancePath + "?format=xml", token: provider).status == .unprocessableContent)
            #expect(try await client.send(.get, remittancePath, token: northfield).status == .notFound)
            let otherProvider = try #require(try await client.send(.get, "/v1/organisations?kind=provider&limit=50").items
                .compactMap { $0["id"] as? String }.first { $0 != scene.provider })
            #expect(try await client.send(
                .get, "/v1/payment-batches/\(batchID)/remittances/\(otherProvider)", token: scene.finance).status == .notFound)
            #expect(try await client.send(
                .get, "/v1/payment-batches/\(batchID)/remittances/\(scene.provider)", token: broker).status == .notFound)
            #expect(try await client.send(.get, remittancePath, token: provider).status == .ok)
            // Council invoices are paid through batches, never marked paid by hand.
            #expect(try await client.send(
                .post, "/v1/invoices/\(scene.invoice)/mark-paid", token: scene.finance,
                json: ["paid_on": "2026-11-02", "reference": "BACS"]).status == .conflict)
        }
    }

    /// Two hours at £10 delivered in September from a new stream of the holder's (`stream`
    /// overrides), confirmed and invoiced on 5 October to that stream's payer.
    static func invoicedStream(_ client: Client, _ market: TestMarket, _ stream: [String: any Sendable]) async throws -> OrderScene {
        try market.setToday("2026-09-21")
        let base = try await OrderScene.make(client, price: 1_000)
        let provider = try #require(try await client.me(base.providerToken)["organisation_id"] as? String)
        #expect(try await client.putBillingProfile(base.providerToken, provider: provider).status == .ok)
        let streamID = try await client.addStream(base.adminToken, holder: base.holder, stream)
        let order = OrderScene(
            holderToken: base.holderToken, providerToken: base.providerToken, adminToken: base.adminToken,
            holder: base.holder, stream: streamID, offering: base.offering, council: base.council)
        let placed = try await client.placeOrder(base.holderToken, Client.orderBody(
            holder: base.holder, offering: base.offering, quantity: 2, start: "2026-09-21", ["stream_id": streamID]))
        let orderID = try #require(try placed.string("id"), "\(placed.text)")
        #expect(try await client.send(.post, "/v1/orders/\(orderID)/accept", token: base.providerToken).status == .ok)
        try market.setToday("2026-09-23")
        let delivery = try await client.deliver(order, order: orderID, hours: 2, on: "2026-09-22")
        #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: base.holderToken).status == .ok)
        try market.setToday("2026-10-05")
        _ = try await client.runInvoicing(try await client.login("admin@demo.test"))
        return order
    }

    /// Its staff make the batch; only its finance staff (broker2, granted by a platform admin) approve it.
    @Test func aBrokerPaysItsManagedAccountsWithTwoOfItsStaff() async throws {
        let market = try await TestMarket.make(seedPayments: true)
        try await market.test { client in
            let broker = try await client.login("broker@demo.test")
            let broker2 = try await client.login("broker2@demo.test")
            #expect(try await client.me(broker2)["role"] as? String == "broker_finance")
            let budgetMinder = try #require(try await client.me(broker)["organisation_id"] as? String)
            _ = try await Self.invoicedStream(client, market, [
                "management_option": "managed_account", "fund_holder": "broker", "managing_organisation_id": budgetMinder,
            ])

            // The demo's bank details are verified by Budget Minder; its own account is in the demo.
            let batch = try await client.createBatch(broker, cutOff: "2026-11-30")
            #expect((batch["payer"] as? [String: any Sendable])?["id"] as? String == budgetMinder)
            let payments = try #require(batch["payments"] as? [[String: any Sendable]])
            #expect(payments.map { $0["amount_pence"] as? Int } == [2_000])
            let batchID = try #require(batch["id"] as? String)
            // The council does not see or pay the broker's batch.
            let finance = try await client.login("finance@demo.test")
            #expect(try await client.send(.get, "/v1/payment-batches/\(batchID)", token: finance).status == .notFound)
            let byStaff = try await client.send(.post, "/v1/payment-batches/\(batchID)/approve", token: broker)
            #expect(byStaff.status == .forbidden && byStaff.text.contains("finance staff"), "\(byStaff.text)")
            let exported = try await client.approveAndExport(batchID, approver: broker2, exporter: broker)
            #expect(exported["status"] as? String == "exported")
            let bacs = try await client.send(.get, "/v1/payment-batches/\(batchID)/files/bacs", token: broker2)
            #expect(bacs.text.contains("654321"), "Budget Minder's SUN is in the labels")
            #expect(try ParsedBACSFile(bacs.text).contraAmount == 2_000)
            if let (status, output) = try validatePain001(
                try await client.send(.get, "/v1/payment-batches/\(batchID)/files/pain.001", token: broker).text, in: market.directory) {
                #expect(status == 0, "\(output)")
            }
        }
    }

    @Test func aHolderMarksTheirOwnInvoicePaid() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let base = try await Self.invoicedStream(client, market, ["management_option": "direct_payment", "fund_holder": "holder"])
            let invoice = try #require(try await client.invoices(base.holderToken).first?["id"] as? String)
            let path = "/v1/invoices/\(invoice)/mark-paid"

            let finance = try await client.login("finance@demo.test")
            #expect(try await client.send(.post, path, token: finance, json: ["paid_on": "2026-10-06", "reference": "x"]).status == .forbidden)
            #expect(try await client.send(.post, path, token: base.providerToken, json: ["paid_on": "2026-10-06", "reference": "x"]).status == .forbidden)
            let northfield = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.send(.post, path, token: northfield, json: ["paid_on": "2026-10-06", "reference": "x"]).status == .notFound)
            let missing = try await client.send(.post, path, token: base.holderToken, json: ["paid_on": "2026-10-05"])
            #expect(missing.problemFields == ["reference"], "\(missing.text)")
            let future = try await client.send(.post, path, token: base.holderToken, json: ["paid_on": "2026-10-09", "reference": "FP 1234"])
            #expect(future.status == .unprocessableContent && future.problemFields == ["paid_on"], "\(future.text)")
            let paid = try await client.send(.post, path, token: base.holderToken, json: ["paid_on": "2026-10-05", "reference": "FP 1234"])
            #expect(paid.status == .ok, "\(paid.text)")
            #expect(try paid.string("status") == "paid" && paid.string("payment_reference") == "FP 1234")
            #expect(try await client.send(.post, path, token: base.holderToken, json: ["paid_on": "2026-10-05", "reference": "again"]).status == .conflict)
            #expect(try await market.count("outbox_event WHERE type = 'invoice.paid'") == 1)
            try await market.expectLedgerHolds()
        }
    }

    @Test func theLedgerCheckFindsAnInvoicePaidWithoutAPayment() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await PaymentScene.make(client, market)
            try await market.expectLedgerHolds()
            // Only by removing the trigger that forbids it can a council invoice be paid by hand.
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    DROP TRIGGER invoice_paid_through_payment;
                    UPDATE invoice SET status = 'paid', paid_on = '2026-10-06', payment_reference = 'by hand', paid_by = (SELECT id FROM user WHERE email = 'finance@demo.test'),
                        paid_at = '2026-10-06 12:00:00.000' WHERE id = ?
                    """, arguments: [scene.invoice])
            }
            let report = try await LedgerCheck(database: market.database).run()
            #expect(report.violations == ["invoice BRIGHT-000001 (paid): in 0 live payments, 0 of them paid"])
        }
    }
}
