import Foundation
import HTTPTypes
import Hummingbird
import MarketCore
import MarketStore

/// Paying invoices: providers' bank details and their verification, payers' accounts, payment
/// batches, their bank files and remittance advices, and holders marking their invoices paid.
struct PaymentController {
    let payments: PaymentStore
    let billing: BillingStore

    func addRoutes(to router: Router<AppRequestContext>) {
        let providers = router.group("v1/providers", context: AuthenticatedContext.self)
        providers.get(":id/bank-account", use: bankAccounts)
        providers.put(":id/bank-account", use: changeBankAccount)
        providers.post(":id/bank-account/verify", use: verifyBankAccount)
        let payers = router.group("v1/payer-accounts", context: AuthenticatedContext.self)
        payers.get(":payer_id", use: payerAccount)
        payers.put(":payer_id", use: proposePayerAccount)
        payers.get(":payer_id/pending-change", use: pendingPayerAccountChange)
        payers.post(":payer_id/confirm", use: confirmPayerAccount)
        let batches = router.group("v1/payment-batches", context: AuthenticatedContext.self)
        batches.get(use: list)
        batches.post(use: create)
        batches.get(":id", use: show)
        batches.post(":id/approve", use: approve)
        batches.post(":id/cancel", use: cancel)
        batches.post(":id/export", use: export)
        batches.post(":id/mark-paid", use: markPaid)
        batches.post(":id/payments/:payment_id/return", use: returnPayment)
        batches.get(":id/files/:format", use: file)
        batches.get(":id/remittances/:provider_id", use: remittance)
        router.group("v1/invoices", context: AuthenticatedContext.self).post(":id/mark-paid", use: markInvoicePaid)
    }

    // MARK: Bank details

    @Sendable func bankAccounts(_ request: Request, context: AuthenticatedContext) async throws -> BankAccountVersionsResponse {
        let provider = try context.parameters.identifier("id", as: OrganisationID.self)
        let versions = try await payments.bankAccounts(of: provider, by: context.policy)
        return BankAccountVersionsResponse(providerId: provider, versions: versions.map(BankAccountResponse.init))
    }

    @Sendable func changeBankAccount(_ request: Request, context: AuthenticatedContext) async throws -> BankAccountResponse {
        let provider = try context.parameters.identifier("id", as: OrganisationID.self)
        try context.policy.authorizeBilling(as: provider)
        let body = try await request.decodeJSON(as: BankDetailsBody.self, context: context)
        var v = Validator()
        let details = BankDetails.validated(
            accountName: body.accountName, sortCode: body.sortCode, accountNumber: body.accountNumber, rollNumber: body.rollNumber,
            iban: body.iban, bic: body.bic, &v)
        try v.throwIfInvalid()
        guard let details else { throw MarketError.invalid("body", "is incomplete") }
        return BankAccountResponse(try await payments.changeBankAccount(
            details, of: provider, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func verifyBankAccount(_ request: Request, context: AuthenticatedContext) async throws -> BankAccountResponse {
        let provider = try context.parameters.identifier("id", as: OrganisationID.self)
        let body = try await request.decodeJSON(as: VerifyBankAccountRequest.self, context: context)
        return BankAccountResponse(try await payments.verifyBankAccount(
            of: provider, version: body.version, method: body.method, by: context.policy, idempotency: context.idempotencyKey))
    }

    /// The payer a council (`cnc_`) or broker organisation (`org_`) id in the path names; 400 otherwise.
    static func payer(_ context: AuthenticatedContext) throws -> BatchPayer {
        guard let payer = context.parameters.get("payer_id").flatMap(BatchPayer.init(id:)) else {
            throw MarketError.malformedIdentifier(parameter: "payer_id")
        }
        return payer
    }

    @Sendable func payerAccount(_ request: Request, context: AuthenticatedContext) async throws -> PayerAccountResponse {
        PayerAccountResponse(try await payments.payerAccount(try Self.payer(context), by: context.policy))
    }

    /// A proposed account, in effect once another of the payer's staff confirms it: 202.
    @Sendable func proposePayerAccount(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<PayerAccountChangeResponse> {
        let payer = try Self.payer(context)
        guard context.policy.maySeePayerAccount(payer) else { throw MarketError.notFound(resource: "payer account") }
        let body = try await request.decodeJSON(as: BankDetailsBody.self, context: context)
        let account = try PayerAccount.validated(
            payer: payer, accountName: body.accountName, sortCode: body.sortCode, accountNumber: body.accountNumber,
            serviceUserNumber: body.serviceUserNumber, iban: body.iban, bic: body.bic, at: Date())
        let change = try await payments.proposePayerAccount(account, by: context.policy)
        return EditedResponse(status: .accepted, response: PayerAccountChangeResponse(change))
    }

    @Sendable func pendingPayerAccountChange(_ request: Request, context: AuthenticatedContext) async throws -> PayerAccountChangeResponse {
        PayerAccountChangeResponse(try await payments.pendingPayerAccountChange(try Self.payer(context), by: context.policy))
    }

    @Sendable func confirmPayerAccount(_ request: Request, context: AuthenticatedContext) async throws -> PayerAccountResponse {
        let payer = try Self.payer(context)
        let body = try await request.decodeJSON(as: ConfirmPayerAccountRequest.self, context: context)
        guard let changeID = body.changeId else { throw MarketError.invalid("change_id", "is required: the pending change you checked") }
        return PayerAccountResponse(try await payments.confirmPayerAccount(payer, change: changeID, by: context.policy))
    }

    // MARK: Batches

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<PaymentBatchResponse> {
        ListResponse(try await payments.batches(by: context.policy, page: try request.pageRequest)) {
            PaymentBatchResponse($0, withPayments: false)
        }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<PaymentBatchResponse> {
        _ = try context.policy.authorizePaying()
        let body = try await request.decodeJSON(as: CreatePaymentBatchRequest.self, context: context)
        let batch = try await payments.createBatch(cutOff: body.cutOffDate, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: PaymentBatchResponse(batch))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        PaymentBatchResponse(try await payments.batch(try context.parameters.identifier("id", as: PaymentBatchID.self), by: context.policy))
    }

    @Sendable func approve(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        PaymentBatchResponse(try await payments.approve(
            try context.parameters.identifier("id", as: PaymentBatchID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        PaymentBatchResponse(try await payments.cancel(
            try context.parameters.identifier("id", as: PaymentBatchID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func export(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        let id = try context.parameters.identifier("id", as: PaymentBatchID.self)
        let body = try await request.decodeJSON(as: ExportPaymentBatchRequest.self, context: context)
        return PaymentBatchResponse(try await payments.export(
            id, processingDate: body.processingDate, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func markPaid(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        let id = try context.parameters.identifier("id", as: PaymentBatchID.self)
        let body = try await request.decodeJSON(as: MarkBatchPaidRequest.self, context: context)
        return PaymentBatchResponse(try await payments.markPaid(
            id, valueDate: body.valueDate, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func returnPayment(_ request: Request, context: AuthenticatedContext) async throws -> PaymentBatchResponse {
        let id = try context.parameters.identifier("id", as: PaymentBatchID.self)
        let payment = try context.parameters.identifier("payment_id", as: PaymentID.self)
        let body = try await request.decodeJSON(as: ReturnPaymentRequest.self, context: context)
        return PaymentBatchResponse(try await payments.returnPayment(
            payment, of: id, reason: body.reason, by: context.policy, idempotency: context.idempotencyKey))
    }

    // MARK: Files and remittances

    /// The stored file, byte for byte, with its SHA-256 as `Content-Digest` (RFC 9530) and `ETag`.
    @Sendable func file(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: PaymentBatchID.self)
        guard let format = context.parameters.get("format").flatMap(BankFileFormat.init(rawValue:)) else {
            throw MarketError.invalid("format", "must be csv, bacs or pain.001")
        }
        let (batch, content, sha256) = try await payments.file(id, format, by: context.policy)
        let digest = Data(stride(from: 0, to: sha256.count, by: 2).compactMap { offset -> UInt8? in
            let start = sha256.index(sha256.startIndex, offsetBy: offset)
            return UInt8(sha256[start..<sha256.index(start, offsetBy: 2)], radix: 16)
        }).base64EncodedString()
        var headers: HTTPFields = [:]
        headers[.contentType] = BankFiles.contentType(format)
        headers[.contentLength] = String(content.count)
        headers[.contentDisposition] = "attachment; filename=\"\(BankFiles.filename(format, batch))\""
        headers[.eTag] = "\"\(sha256)\""
        headers[.contentDigest] = "sha-256=:\(digest):"
        var buffer = ByteBufferAllocator().buffer(capacity: content.count)
        buffer.writeBytes(content)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// `?format=json` (default), `csv` or `html`.
    @Sendable func remittance(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.identifier("id", as: PaymentBatchID.self)
        let provider = try context.parameters.identifier("provider_id", as: OrganisationID.self)
        let format = request.uri.queryParameters.get("format").map { String($0) } ?? "json"
        guard ["json", "csv", "html"].contains(format) else { throw MarketError.invalid("format", "must be json, csv or html") }
        let remittance = try await payments.remittance(id, provider: provider, by: context.policy)
        switch format {
        case "csv":
            return CSV.response(
                header: RemittanceDocument.csvHeader, rows: RemittanceDocument.csvRows(remittance),
                filename: "remittance-\(remittance.payment.reference).csv")
        case "html": return HTML.response(RemittanceDocument.html(remittance))
        default: return try RemittanceResponse(remittance).response(from: request, context: context)
        }
    }

    // MARK: Holders' own invoices

    @Sendable func markInvoicePaid(_ request: Request, context: AuthenticatedContext) async throws -> InvoiceResponse {
        let id = try context.parameters.identifier("id", as: InvoiceID.self)
        let body = try await request.decodeJSON(as: MarkInvoicePaidRequest.self, context: context)
        return InvoiceResponse(try await billing.markPaid(
            id, paidOn: body.paidOn, reference: body.reference, by: context.policy, idempotency: context.idempotencyKey))
    }
}
