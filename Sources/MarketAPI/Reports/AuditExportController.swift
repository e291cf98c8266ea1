import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// `GET /v1/audit/transactions`: every money movement of a council in a range of days, as CSV
/// (default) or JSON, streamed a page at a time: it starts to arrive at once and takes the same
/// memory whatever its size.
struct AuditExportController {
    let audit: AuditExportStore

    enum Format: String, CaseIterable {
        case csv
        case json
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group("v1/audit", context: AuthenticatedContext.self).get("transactions", use: export)
    }

    @Sendable func export(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let format = try request.queryValue("format", as: Format.self) ?? .csv
        let period = try CouncilPeriod(
            council: try request.queryIdentifier("council_id", as: CouncilID.self) ?? context.principal.councilID,
            from: try request.queryDay("from"), to: try request.queryDay("to"))
        try await audit.authorize(period, by: context.policy)
        let audit = self.audit
        let name = "transactions-\(period.council)-\(period.from)-\(period.to)"
        switch format {
        case .csv:
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8; header=present", .contentDisposition: "attachment; filename=\"\(name).csv\""],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: CSV.row(AuditTransaction.columns)))
                    var position: AuditExportStore.Position? = .start
                    while let current = position {
                        let (page, next) = try await audit.page(period, at: current)
                        if !page.isEmpty { try await writer.write(ByteBuffer(string: page.map { CSV.row($0.fields) }.joined())) }
                        position = next
                    }
                    try await writer.finish(nil)
                })
        case .json:
            let encoder = OrderedJSONEncoder()
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "["))
                    var first = true
                    var position: AuditExportStore.Position? = .start
                    while let current = position {
                        let (page, next) = try await audit.page(period, at: current)
                        var bytes: [UInt8] = []
                        for transaction in page {
                            if !first { bytes.append(UInt8(ascii: ",")) }
                            first = false
                            bytes += try encoder.encode(AuditTransactionResponse(transaction))
                        }
                        if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                        position = next
                    }
                    try await writer.write(ByteBuffer(string: "]"))
                    try await writer.finish(nil)
                })
        }
    }
}

/// One money movement as JSON: the CSV's columns, `null` where they do not apply.
struct AuditTransactionResponse: Encodable, Sendable {
    let recordType: String
    let recordId: String
    let occurred: String
    let kind: String
    let amountPence: Int64
    let budgetHolderId: Nullable<String>
    let councilReference: Nullable<String>
    let streamId: Nullable<String>
    let fundingSource: Nullable<String>
    let managementOption: Nullable<String>
    let providerId: Nullable<String>
    let orderId: Nullable<String>
    let deliveryId: Nullable<String>
    let invoiceId: Nullable<String>
    let invoiceNumber: Nullable<String>
    let creditNoteId: Nullable<String>
    let paymentId: Nullable<String>
    let actorUserId: Nullable<String>
    let delegationId: Nullable<String>

    init(_ t: AuditTransaction) {
        recordType = t.recordType.rawValue
        recordId = t.recordID
        occurred = t.occurred
        kind = t.kind
        amountPence = t.amountPence
        budgetHolderId = Nullable(t.budgetHolderID)
        councilReference = Nullable(t.councilReference)
        streamId = Nullable(t.streamID)
        fundingSource = Nullable(t.fundingSource)
        managementOption = Nullable(t.managementOption)
        providerId = Nullable(t.providerID)
        orderId = Nullable(t.orderID)
        deliveryId = Nullable(t.deliveryID)
        invoiceId = Nullable(t.invoiceID)
        invoiceNumber = Nullable(t.invoiceNumber)
        creditNoteId = Nullable(t.creditNoteID)
        paymentId = Nullable(t.paymentID)
        actorUserId = Nullable(t.actorUserID)
        delegationId = Nullable(t.delegationID)
    }
}
