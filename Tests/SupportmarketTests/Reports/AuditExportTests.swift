import Foundation
import MarketCore
import MarketStore
import Testing

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF), as a spreadsheet reads it.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else { field.append(character) }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            row.append(field); field = ""
        } else if character == "\r\n" || character == "\n" {
            row.append(field); rows.append(row); row = []; field = ""
        } else { field.append(character) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// The finance audit export: every money movement of a council in a range of days, streamed.
@Suite("Finance audit export")
struct AuditExportTests {
    /// A confirmed, invoiced delivery: its ledger entries (allocation, reservation, spend with its
    /// invoice) and the invoice, in CSV and in JSON, and the same in pages of two.
    @Test func everyMoneyMovementOfTheCouncilIsExported() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let invoiced = try await InvoicedDelivery.make(client, market)
            let (scene, provider, order, delivery, finance) = (invoiced.scene, invoiced.provider, invoiced.order, invoiced.delivery, invoiced.financeToken)

            let csv = try await client.send(.get, "/v1/audit/transactions?from=2026-01-01&to=2026-12-31", token: finance)
            #expect(csv.status == .ok, "\(csv.text)")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let rows = parseCSV(csv.text)
            #expect(rows.first == AuditTransaction.columns)
            let records = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(AuditTransaction.columns, $0)) }
            #expect(records.filter { $0["record_type"] == "ledger_entry" }.compactMap { $0["kind"] }.sorted() == ["allocation", "reservation", "spend"])
            let spend = try #require(records.first { $0["kind"] == "spend" })
            #expect(spend["amount_pence"] == "2000")
            #expect(spend["order_id"] == order && spend["delivery_id"] == delivery && spend["provider_id"] == provider)
            #expect(spend["budget_holder_id"] == scene.holder && spend["funding_source"] == "adult_social_care")
            let invoice = try #require(records.first { $0["record_type"] == "invoice" })
            #expect(spend["invoice_id"] == invoice["record_id"] && spend["invoice_number"]?.isEmpty == false)
            #expect(invoice["amount_pence"] == "2000")

            // JSON carries the same records; pages of two give the same whole.
            let json = try await client.send(.get, "/v1/audit/transactions?from=2026-01-01&to=2026-12-31&format=json", token: finance)
            let array = try #require(try JSONSerialization.jsonObject(with: json.body) as? [[String: Any]])
            #expect(array.count == records.count)
            #expect(array.first { $0["kind"] as? String == "spend" }?["amount_pence"] as? Int == 2000)
            let council = try #require(CouncilID(scene.council))
            let request = try CouncilPeriod(council: council, from: CalendarDay("2026-01-01"), to: CalendarDay("2026-12-31"))
            let store = AuditExportStore(database: market.database, pageSize: 2)
            var paged: [AuditTransaction] = []
            var position: AuditExportStore.Position? = .start
            while let current = position {
                let (page, next) = try await store.page(request, at: current)
                #expect(page.count <= 2)
                paged += page
                position = next
            }
            #expect(paged.map(\.fields) == rows.dropFirst().map { $0 })

            // A range that ends before anything happened has the header only.
            let early = try await client.send(.get, "/v1/audit/transactions?from=2026-01-01&to=2026-01-02", token: finance)
            #expect(parseCSV(early.text).count == 1)
        }
    }

    @Test(arguments: [
        ("commissioner@northfield.demo.test", 404), ("provider@demo.test", 404), ("broker@demo.test", 404),
        ("holder@demo.test", 403), ("councilboss@demo.test", 200), ("commissioner@demo.test", 200), ("admin@demo.test", 200),
    ])
    func onlyTheCouncilsStaffExportItsMoney(email: String, status: Int) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let council = try await client.councilID(of: try await client.login("finance@demo.test"))
            let token = try await client.login(email)
            let answer = try await client.send(.get, "/v1/audit/transactions?council_id=\(council)&from=2026-01-01&to=2026-12-31", token: token)
            #expect(answer.status.code == status, "\(email): \(answer.text)")
            #expect(try await client.send(.get, "/v1/audit/transactions?council_id=\(council)&from=2026-01-01&to=2026-12-31").status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("from=2026-01-01", "to"), ("to=2026-01-01", "from"), ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"), ("from=2026-01-01&to=2026-02-01&format=xml", "format"),
        ("council_id=nonsense&from=2026-01-01&to=2026-02-01", "council_id"),
    ])
    func badRangesAndFormatsAreRefused(query: String, field: String) async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let finance = try await client.login("finance@demo.test")
            let answer = try await client.send(.get, "/v1/audit/transactions?\(query)", token: finance)
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.problemFields.contains(field), "\(answer.text)")
            // A platform admin has no council of their own: it must be named.
            let admin = try await client.login("admin@demo.test")
            let unnamed = try await client.send(.get, "/v1/audit/transactions?from=2026-01-01&to=2026-02-01", token: admin)
            #expect(unnamed.status == .unprocessableContent && unnamed.problemFields == ["council_id"])
        }
    }
}
