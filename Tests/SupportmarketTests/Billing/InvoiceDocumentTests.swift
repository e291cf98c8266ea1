import Foundation
import HTTPTypes
@testable import MarketAPI
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

    @Test func csvFieldsStayDataInASpreadsheet() {
        #expect(CSV.field("plain") == "\"plain\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("line one\nline two") == "\"line one\nline two\"")
        for formula in ["=SUM(A1:A9)", "+44 20", "-1+1", "@cmd", "\tTAB", "\rCR"] {
            #expect(CSV.field(formula) == "\"'" + formula + "\"", "\(formula)")
        }
        #expect(CSV.row(["a", "b"]) == "\"a\",\"b\"\r\n")
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
