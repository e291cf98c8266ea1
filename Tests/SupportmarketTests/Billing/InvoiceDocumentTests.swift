import Foundation
import HTTPTypes
@testable import MarketAPI
import MarketCore
import Testing

/// The invoice as people and finance systems take it: the printable page and the CSV list.
@Suite("Invoice documents")
struct InvoiceDocumentTests {
    @Test func thePrintablePageShowsBothPartiesEscapedAndOnlyToThoseWhoSeeTheInvoice() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let order = try await OrderScene.make(client, price: 1_250)
            let provider = try #require(try await client.me(order.providerToken)["organisation_id"] as? String)
            let profile = try await client.putBillingProfile(
                order.providerToken, provider: provider,
                ["legal_name": "Brightpath <script>alert(1)</script> & Co", "vat_number": "GB123456789"])
            try #require(profile.status == .ok, "\(profile.text)")
            #expect(try await client.send(
                .put, "/v1/budget-holders/\(order.holder)/council-reference", token: order.adminToken,
                json: ["council_reference": "HBY-00042"]).status == .ok)
            let orderID = try await client.acceptedOrder(order, hours: 4)
            let delivery = try await client.deliver(order, order: orderID, hours: 3, on: "2026-09-21")
            #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: order.holderToken).status == .ok)
            try market.setToday("2026-10-02")
            let finance = try await client.login("finance@demo.test")
            _ = try await client.runInvoicing(finance)
            let invoiceID = try #require(try await client.invoices(finance).first?["id"] as? String)

            let page = try await client.send(.get, "/v1/invoices/\(invoiceID)/document", token: finance)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = page.text
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("@page { size: A4"))
            #expect(html.contains("BRIGHT-000001"))
            #expect(html.contains("Brightpath &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"))
            #expect(!html.contains("<script"))
            #expect(html.contains("HBY-00042"))
            #expect(html.contains("VAT registration GB123456789"))
            #expect(html.contains("£37.50"))  // three hours at £12.50
            #expect(html.contains("2026-11-01"))  // due thirty days after issue
            #expect(html.contains("accounts@brightpath.test"))
            // Nothing to fetch: no scripts, stylesheets, images or fonts from elsewhere.
            #expect(!html.contains("src=") && !html.contains("<link"))

            // A browser asking for the invoice itself gets the page; an API client gets JSON.
            let browser = try await client.send(
                .get, "/v1/invoices/\(invoiceID)", token: finance,
                headers: [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
            #expect(browser.headers[.contentType] == "text/html; charset=utf-8")
            #expect(browser.text == html)
            let api = try await client.send(.get, "/v1/invoices/\(invoiceID)", token: finance, headers: [.accept: "application/json, text/html"])
            #expect(try api.string("number") == "BRIGHT-000001")

            // Outside the invoice's reach the page is as absent as the invoice.
            for email in ["holder@demo.test", "broker@demo.test", "commissioner@northfield.demo.test"] {
                let token = try await client.login(email)
                #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)/document", token: token).status == .notFound, "\(email)")
            }
            #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)/document", token: nil).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/invoices/not-an-id/document", token: finance).status == .badRequest)
            #expect(try await client.send(.get, "/v1/invoices/inv_00000000000000000000/document", token: finance).status == .notFound)
        }
    }

    @Test func theCSVListHasEveryMatchingInvoiceAndRefusesUnknownFormats() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let order = try await OrderScene.make(client, price: 1_000)
            let provider = try #require(try await client.me(order.providerToken)["organisation_id"] as? String)
            try #require(try await client.putBillingProfile(order.providerToken, provider: provider).status == .ok)
            let orderID = try await client.acceptedOrder(order, hours: 6)
            try market.setToday("2026-10-03")
            for day in ["2026-09-22", "2026-10-01", "2026-10-02"] {
                let delivery = try await client.deliver(order, order: orderID, hours: 1, on: day)
                #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: order.holderToken).status == .ok)
            }
            try market.setToday("2026-11-02")
            let finance = try await client.login("finance@demo.test")
            #expect(try await client.runInvoicing(finance)["invoices_written"] as? Int == 2)

            let csv = try await client.send(.get, "/v1/invoices?format=csv&limit=1", token: finance)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8; header=present")
            let rows = csv.text.components(separatedBy: "\r\n")
            #expect(rows.count == 4 && rows.last == "")  // the header, both invoices despite limit=1, the final CRLF
            #expect(rows.first?.hasPrefix("\"number\",\"invoice_id\",\"provider_id\"") == true)
            #expect(rows[1].hasPrefix("\"BRIGHT-000002\""))
            #expect(rows[1].contains("\"2026-10-01\",\"2026-10-31\""))
            #expect(rows[1].contains("\"2000\",\"0\",\"2000\",\"2\""))
            #expect(rows[2].hasPrefix("\"BRIGHT-000001\""))
            // The filters narrow the CSV as they do the JSON; others see no rows at all.
            let october = try await client.send(.get, "/v1/invoices?format=csv&period=2026-10-15", token: finance)
            #expect(october.text.components(separatedBy: "\r\n").count == 3)
            let outsider = try await client.send(.get, "/v1/invoices?format=csv", token: try await client.login("commissioner@northfield.demo.test"))
            #expect(outsider.status == .ok && outsider.text.components(separatedBy: "\r\n").count == 2)

            let unknown = try await client.send(.get, "/v1/invoices?format=xml", token: finance)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.problemFields == ["format"])
        }
    }

    /// The e-invoices of a council's invoice, from a provider not registered for VAT (category O)
    /// and registered (exempt, E), and a credit note, pass the UBL 2.1 XSD and the EN 16931 and
    /// Peppol BIS 3.0 Schematron rules (`scripts/ubl-validate.py`).
    @Test func eInvoicesPassTheUBLSchemaAndTheEN16931AndPeppolRules() async throws {
        let market = try await TestMarket.make()
        let documents = try await market.test { client in
            let order = try await OrderScene.make(client, price: 1_250)
            let provider = try #require(try await client.me(order.providerToken)["organisation_id"] as? String)
            let issuedAs: [String: any Sendable] = [
                "legal_name": "Brightpath <Care> & Co", "address": [
                    "line1": "1 High Street", "line2": "Unit 2", "town": "Harrowby", "postcode": "HA1 2AB",
                ] as [String: any Sendable],
            ]
            try #require(try await client.putBillingProfile(order.providerToken, provider: provider, issuedAs).status == .ok)
            #expect(try await client.send(
                .put, "/v1/budget-holders/\(order.holder)/council-reference", token: order.adminToken,
                json: ["council_reference": "HBY-00042"]).status == .ok)
            let orderID = try await client.acceptedOrder(order, hours: 6)
            try market.setToday("2026-09-30")
            for (day, hours) in [("2026-09-21", 2), ("2026-09-24", 1)] {
                let delivery = try await client.deliver(order, order: orderID, hours: hours, on: day)
                #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: order.holderToken).status == .ok)
            }
            try market.setToday("2026-10-02")
            let finance = try await client.login("finance@demo.test")
            _ = try await client.runInvoicing(finance)
            let invoiceID = try #require(try await client.invoices(finance).first?["id"] as? String)
            let note = try await client.send(
                .post, "/v1/invoices/\(invoiceID)/credit-notes", token: order.providerToken,
                json: ["reason": "one hour on the 21st was not delivered", "lines": [["line_number": 1, "amount_pence": 1_250]]])
            let noteID = try #require(try note.string("id"), "\(note.text)")

            // No e-invoice until both sides are on Peppol: 409 saying who must add what.
            let noProvider = try await client.send(.get, "/v1/invoices/\(invoiceID)/ubl", token: finance)
            #expect(noProvider.status == .conflict)
            #expect(noProvider.text.contains("the provider has no Peppol participant id"))
            let badID = try await client.putBillingProfile(order.providerToken, provider: provider, ["peppol_id": "1234:nope"])
            #expect(badID.status == .unprocessableContent && badID.problemFields == ["peppol_id"])
            try #require(try await client.putBillingProfile(
                order.providerToken, provider: provider, issuedAs.merging(["peppol_id": "0088:5012345678900"]) { $1 }).status == .ok)
            let noCouncil = try await client.send(.get, "/v1/invoices/\(invoiceID)/credit-notes/\(noteID)/ubl", token: finance)
            #expect(noCouncil.status == .conflict)
            #expect(noCouncil.text.contains("the council has no Peppol participant id"))
            let settings = try await client.send(
                .put, "/v1/councils/\(order.council)/billing-settings", token: finance, json: ["peppol_id": "9932:GB987654321"])
            #expect(try settings.status == .ok && settings.string("peppol_id") == "9932:GB987654321", "\(settings.text)")

            let invoiceXML = try await client.send(.get, "/v1/invoices/\(invoiceID)/ubl", token: finance)
            #expect(invoiceXML.status == .ok)
            #expect(invoiceXML.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(invoiceXML.text.contains("<cbc:ID>BRIGHT-000001</cbc:ID>"))
            #expect(invoiceXML.text.contains("Council reference HBY-00042"))
            #expect(invoiceXML.text.contains("<cbc:RegistrationName>Brightpath &lt;Care&gt; &amp; Co</cbc:RegistrationName>"))
            #expect(invoiceXML.text.contains("<cbc:PayableAmount currencyID=\"GBP\">37.50</cbc:PayableAmount>"))
            let noteXML = try await client.send(.get, "/v1/invoices/\(invoiceID)/credit-notes/\(noteID)/ubl", token: order.providerToken)
            #expect(noteXML.status == .ok)
            #expect(noteXML.text.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"))
            #expect(noteXML.text.contains("<cac:InvoiceDocumentReference>\n      <cbc:ID>BRIGHT-000001</cbc:ID>"))

            // Outside the invoice's reach, and a credit note of another invoice, are 404.
            let outsider = try await client.login("commissioner@northfield.demo.test")
            #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)/ubl", token: outsider).status == .notFound)
            #expect(try await client.send(
                .get, "/v1/invoices/\(invoiceID)/credit-notes/\(noteID)/ubl", token: outsider).status == .notFound)
            #expect(try await client.send(
                .get, "/v1/invoices/\(invoiceID)/credit-notes/crn_00000000000000000000/ubl", token: finance).status == .notFound)
            #expect(try await client.send(.get, "/v1/invoices/\(invoiceID)/credit-notes/x/ubl", token: finance).status == .badRequest)

            // Registered for VAT later, the provider's next invoice states the exempt category;
            // the first keeps the details it was issued with, delivered to the new Peppol address.
            try #require(try await client.putBillingProfile(order.providerToken, provider: provider, [
                "legal_name": "Brightpath Care Ltd", "vat_number": "GB123456789", "peppol_id": "9932:GB123456789",
            ]).status == .ok)
            let october = try await client.deliver(order, order: orderID, hours: 1, on: "2026-10-02")
            #expect(try await client.send(.post, "/v1/deliveries/\(october)/confirm", token: order.holderToken).status == .ok)
            try market.setToday("2026-11-02")
            _ = try await client.runInvoicing(finance)
            let secondID = try #require(try await client.invoices(finance).first?["id"] as? String)
            #expect(secondID != invoiceID)
            let exempt = try await client.send(.get, "/v1/invoices/\(secondID)/ubl", token: finance)
            #expect(exempt.text.contains("<cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>"))
            #expect(exempt.text.contains("<cbc:RegistrationName>Brightpath Care Ltd</cbc:RegistrationName>"))
            #expect(invoiceXML.text.contains("<cbc:ID>O</cbc:ID><cac:TaxScheme>"))
            let first = try await client.send(.get, "/v1/invoices/\(invoiceID)/ubl", token: finance)
            #expect(first.text.contains("<cbc:ID>O</cbc:ID><cac:TaxScheme>") && !first.text.contains("GB123456789</cbc:CompanyID>"))
            #expect(first.text.contains("Brightpath &lt;Care&gt; &amp; Co"))
            #expect(first.text.contains("<cbc:EndpointID schemeID=\"9932\">GB123456789</cbc:EndpointID>"))
            let firstPage = try await client.send(.get, "/v1/invoices/\(invoiceID)/document", token: finance)
            #expect(firstPage.text.contains("Brightpath &lt;Care&gt; &amp; Co") && !firstPage.text.contains("VAT registration"))
            return [("invoice-O.xml", invoiceXML.text), ("credit-note-O.xml", noteXML.text), ("invoice-E.xml", exempt.text)]
        }
        var paths: [String] = []
        for (name, text) in documents {
            let path = market.directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let (status, output) = try runScript("scripts/ubl-validate.py", paths)
        #expect(status == 0, "\(output)")
        #expect(output.contains("skipped") || output.components(separatedBy: "valid (UBL 2.1 XSD, EN 16931, Peppol BIS 3.0)").count == 4, "\(output)")
    }

    /// Runs one of the repository's Python scripts; returns its exit status and its output.
    func runScript(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        try runCommand(["python3", repositoryRoot.appendingPathComponent(script).path] + arguments)
    }

    @Test func csvFieldsStayDataInASpreadsheet() {
        #expect(CSV.field("plain") == "\"plain\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("line one\nline two") == "\"line one\nline two\"")
        for formula in ["=SUM(A1:A9)", "+44 20", "-1+1", "@cmd", "\tTAB", "=\u{0301}SUM(A1)"] {
            #expect(CSV.field(formula) == "\"'" + formula + "\"", "\(formula)")
        }
        // A control character is no formula: it is replaced where it stands.
        #expect(CSV.field("\rCR") == "\"\u{FFFD}CR\"")
        #expect(CSV.row(["a", "b"]) == "\"a\",\"b\"\r\n")
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
