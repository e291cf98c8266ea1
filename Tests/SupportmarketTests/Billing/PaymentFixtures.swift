import Foundation
import HTTPTypes
import Testing

/// A provider with one approved council invoice, its bank details entered, and the council's
/// finance staff (two people) with the council's account recorded: what every payment test needs.
struct PaymentScene {
    let order: OrderScene
    let provider: String
    let finance: String
    let finance2: String
    let invoice: String
    let invoiceTotal: Int

    /// Two hours at £10 delivered and confirmed in September, invoiced (and approved, the buyer
    /// confirmed every line) on 5 October, due 4 November.
    static func make(_ client: Client, _ market: TestMarket, verified: Bool = true) async throws -> PaymentScene {
        try market.setToday("2026-09-21")
        let order = try await OrderScene.make(client, price: 1_000)
        let provider = try #require(try await client.me(order.providerToken)["organisation_id"] as? String)
        try #require(try await client.putBillingProfile(order.providerToken, provider: provider).status == .ok)
        let finance = try await client.login("finance@demo.test")
        let finance2 = try await client.login("finance2@demo.test")
        let orderID = try await client.acceptedOrder(order, hours: 6)
        try market.setToday("2026-09-24")
        let delivery = try await client.deliver(order, order: orderID, hours: 2, on: "2026-09-22")
        #expect(try await client.send(.post, "/v1/deliveries/\(delivery)/confirm", token: order.holderToken).status == .ok)
        try market.setToday("2026-10-05")
        _ = try await client.runInvoicing(finance)
        let invoice = try #require(try await client.invoices(finance).first)
        try #require(invoice["status"] as? String == "approved")

        let account = try await client.send(
            .put, "/v1/providers/\(provider)/bank-account", token: order.providerToken, json: Client.bankDetails)
        try #require(account.status == .ok, "\(account.text)")
        try await client.setPayerAccount(order.council, proposer: finance, confirmer: finance2)
        if verified {
            let verify = try await client.send(
                .post, "/v1/providers/\(provider)/bank-account/verify", token: finance2,
                json: ["version": 1, "method": "called the number on record"])
            try #require(verify.status == .ok, "\(verify.text)")
        }
        return PaymentScene(
            order: order, provider: provider, finance: finance, finance2: finance2,
            invoice: try #require(invoice["id"] as? String), invoiceTotal: try #require(invoice["total_pence"] as? Int))
    }
}

extension Client {
    /// Proposes the council's account as `proposer` and confirms it as `confirmer` (four eyes).
    func setPayerAccount(
        _ payer: String, _ account: [String: any Sendable] = Client.councilAccount, proposer: String, confirmer: String
    ) async throws {
        let proposed = try await send(.put, "/v1/payer-accounts/\(payer)", token: proposer, json: account)
        try #require(proposed.status == .accepted, "\(proposed.text)")
        let change = try #require(try proposed.string("id"))
        let confirmed = try await send(.post, "/v1/payer-accounts/\(payer)/confirm", token: confirmer, json: ["change_id": change])
        try #require(confirmed.status == .ok, "\(confirmed.text)")
    }

    /// The provider's bank details (the IBAN is a valid GB one).
    static let bankDetails: [String: any Sendable] = [
        "account_name": "Brightpath Care Ltd", "sort_code": "20-00-00", "account_number": "55779911",
        "iban": "GB60 BARC 2000 0055 7799 11", "bic": "BARCGB22",
    ]

    static let councilAccount: [String: any Sendable] = [
        "account_name": "LB Harrowby Creditor Payments", "sort_code": "601613", "account_number": "31926819",
        "service_user_number": "123456", "iban": "GB29NWBK60161331926819", "bic": "NWBKGB2L",
    ]

    /// Creates a batch as `token`; requires 201 and returns it.
    func createBatch(_ token: String, cutOff: String, key: String? = nil) async throws -> [String: any Sendable] {
        var headers: HTTPFields = [:]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        let answer = try await send(.post, "/v1/payment-batches", token: token, json: ["cut_off_date": cutOff], headers: headers)
        try #require(answer.status == .created, "\(answer.text)")
        return try answer.json
    }

    /// Approves (as `approver`) and exports (as `exporter`) a draft; returns the exported batch.
    func approveAndExport(_ batch: String, approver: String, exporter: String, processing: String? = nil) async throws -> [String: any Sendable] {
        let approved = try await send(.post, "/v1/payment-batches/\(batch)/approve", token: approver)
        try #require(approved.status == .ok, "\(approved.text)")
        let exported = try await send(
            .post, "/v1/payment-batches/\(batch)/export", token: exporter, json: processing.map { ["processing_date": $0] } ?? [:])
        try #require(exported.status == .ok, "\(exported.text)")
        return try exported.json
    }
}

/// Reads a BACS Standard 18 file back: every record's width, label and code, and the totals.
struct ParsedBACSFile {
    let labels: [String]
    let credits: [(sortCode: String, account: String, amount: Int, reference: String, name: String)]
    let contraAmount: Int
    let trailer: (debitTotal: Int, creditTotal: Int, debitCount: Int, creditCount: Int)

    init(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(text.hasSuffix("\r\n"), sourceLocation: sourceLocation)
        let records = text.components(separatedBy: "\r\n").dropLast()
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "one line ending throughout", sourceLocation: sourceLocation)
        var labels: [String] = []
        var credits: [(String, String, Int, String, String)] = []
        var contra: Int?
        var trailer: (Int, Int, Int, Int)?
        func field(_ record: String, _ from: Int, _ to: Int) -> String {
            let characters = Array(record)
            return String(characters[(from - 1)...(to - 1)])
        }
        for record in records {
            #expect(record.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || " .&/-".contains($0)) },
                    "outside the BACS character set: \(record)", sourceLocation: sourceLocation)
            let label = String(record.prefix(4))
            if ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"].contains(label) {
                #expect(record.count == 80, "\(label) is \(record.count) characters", sourceLocation: sourceLocation)
                labels.append(label)
                if label == "UTL1" {
                    trailer = (Int(field(record, 5, 17)) ?? -1, Int(field(record, 18, 30)) ?? -1,
                               Int(field(record, 31, 37)) ?? -1, Int(field(record, 38, 44)) ?? -1)
                }
                continue
            }
            #expect(record.count == 100, "a data record is \(record.count) characters", sourceLocation: sourceLocation)
            let code = field(record, 16, 17)
            let amount = try #require(Int(field(record, 36, 46)), sourceLocation: sourceLocation)
            switch code {
            case "99":
                credits.append((field(record, 1, 6), field(record, 7, 14), amount, field(record, 65, 82), field(record, 83, 100)))
            case "17":
                #expect(field(record, 1, 14) == field(record, 18, 31), "the contra is to the payer's own account", sourceLocation: sourceLocation)
                #expect(field(record, 65, 82).hasPrefix("CONTRA"), sourceLocation: sourceLocation)
                contra = amount
            default:
                Issue.record("unexpected transaction code \(code)", sourceLocation: sourceLocation)
            }
        }
        self.labels = labels
        self.credits = credits
        self.contraAmount = try #require(contra, "no contra record", sourceLocation: sourceLocation)
        self.trailer = try #require(trailer, "no UTL1", sourceLocation: sourceLocation)
    }
}

/// Validates a `pain.001.001.09` document against the ISO XSD with xmllint; `nil` when the
/// schema is not here (the reason is printed), else xmllint's status and output.
func validatePain001(_ xml: String, in directory: URL) throws -> (status: Int32, output: String)? {
    let schema = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/standards/iso20022/pain.001.001.09.xsd")
    guard FileManager.default.fileExists(atPath: schema.path) else {
        print("pain.001 XSD validation skipped: \(schema.path) is not here")
        return nil
    }
    let file = directory.appendingPathComponent("pain.001-\(UUID().uuidString).xml")
    try xml.write(to: file, atomically: true, encoding: .utf8)
    return try runCommand(["xmllint", "--noout", "--schema", schema.path, file.path])
}
