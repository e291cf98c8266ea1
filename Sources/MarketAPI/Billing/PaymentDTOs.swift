import Foundation
import Hummingbird
import MarketCore

struct BankDetailsBody: Decodable {
    let accountName: String?
    let sortCode: String?
    let accountNumber: String?
    let rollNumber: String?
    let iban: String?
    let bic: String?
    let serviceUserNumber: String?
}

struct BankDetailsResponse: Encodable, Sendable {
    let accountName: String
    let sortCode: String
    let accountNumber: String
    let rollNumber: Nullable<String>
    let iban: Nullable<String>
    let bic: Nullable<String>

    init(_ details: BankDetails) {
        accountName = details.accountName
        sortCode = details.sortCode
        accountNumber = details.accountNumber
        rollNumber = Nullable(details.rollNumber)
        iban = Nullable(details.iban)
        bic = Nullable(details.bic)
    }
}

struct BankAccountResponse: ResponseEncodable, Sendable {
    struct Verification: Encodable, Sendable {
        let payerId: String
        let verifiedBy: UserID
        let verifiedAt: Date
        let method: String
    }

    let id: BankAccountID
    let providerId: OrganisationID
    let version: Int
    let details: BankDetailsResponse
    let enteredBy: UserID
    let enteredAt: Date
    let verifications: [Verification]

    init(_ account: BankAccount) {
        id = account.id
        providerId = account.providerID
        version = account.version
        details = BankDetailsResponse(account.details)
        enteredBy = account.enteredBy
        enteredAt = account.enteredAt
        verifications = account.verifications.map {
            Verification(payerId: $0.payer.id, verifiedBy: $0.verifiedBy, verifiedAt: $0.verifiedAt, method: $0.method)
        }
    }
}

struct BankAccountVersionsResponse: ResponseEncodable, Sendable {
    let providerId: OrganisationID
    /// Newest first; the first is the one payments go to once the payer has verified it.
    let versions: [BankAccountResponse]
}

struct VerifyBankAccountRequest: Decodable {
    let version: Int?
    let method: String?
}

struct PayerAccountResponse: ResponseEncodable, Sendable {
    let payerId: String
    let details: BankDetailsResponse
    let serviceUserNumber: String
    let updatedAt: Date

    init(_ account: PayerAccount) {
        payerId = account.payer.id
        details = BankDetailsResponse(account.details)
        serviceUserNumber = account.serviceUserNumber
        updatedAt = account.updatedAt
    }
}

/// A payer's proposed account, waiting for a second person (`POST …/confirm`).
struct PayerAccountChangeResponse: ResponseEncodable, Sendable {
    let id: PayerAccountChangeID
    let payerId: String
    let details: BankDetailsResponse
    let serviceUserNumber: String
    let status: PayerAccountChange.Status
    let proposedBy: UserID
    let proposedAt: Date

    init(_ change: PayerAccountChange) {
        id = change.id
        payerId = change.account.payer.id
        details = BankDetailsResponse(change.account.details)
        serviceUserNumber = change.account.serviceUserNumber
        status = change.status
        proposedBy = change.proposedBy
        proposedAt = change.proposedAt
    }
}

struct ConfirmPayerAccountRequest: Decodable {
    let changeId: PayerAccountChangeID?
}

struct CreatePaymentBatchRequest: Decodable {
    let cutOffDate: CalendarDay?
}

struct ExportPaymentBatchRequest: Decodable {
    let processingDate: CalendarDay?
}

struct MarkBatchPaidRequest: Decodable {
    let valueDate: CalendarDay?
}

struct ReturnPaymentRequest: Decodable {
    let reason: String?
}

struct MarkInvoicePaidRequest: Decodable {
    let paidOn: CalendarDay?
    let reference: String?
}

struct PaymentItemResponse: Encodable, Sendable {
    let invoiceId: InvoiceID
    let invoiceNumber: String
    let creditNoteId: Nullable<CreditNoteID>
    let creditNoteNumber: Nullable<String>
    /// Negative for a credit note recovered from the provider.
    let amountPence: Int64

    init(_ item: PaymentItem) {
        invoiceId = item.invoiceID
        invoiceNumber = item.invoiceNumber
        creditNoteId = Nullable(item.creditNoteID)
        creditNoteNumber = Nullable(item.creditNoteNumber)
        amountPence = item.amountPence
    }
}

struct PaymentResponse: Encodable, Sendable {
    let id: PaymentID
    let providerId: OrganisationID
    let providerName: String
    let bankAccountId: BankAccountID
    let payee: BankDetailsResponse
    let amountPence: Int64
    let reference: String
    let status: PaymentStatus
    let returnedReason: Nullable<String>
    let returnedAt: Nullable<Date>
    let items: [PaymentItemResponse]

    init(_ payment: Payment) {
        id = payment.id
        providerId = payment.providerID
        providerName = payment.providerName
        bankAccountId = payment.bankAccountID
        payee = BankDetailsResponse(payment.payee)
        amountPence = payment.amountPence
        reference = payment.reference
        status = payment.status
        returnedReason = Nullable(payment.returnedReason)
        returnedAt = Nullable(payment.returnedAt)
        items = payment.items.map(PaymentItemResponse.init)
    }
}

struct PaymentBatchResponse: ResponseEncodable, Sendable {
    struct PayerResponse: Encodable, Sendable {
        let kind: PayerKind
        let id: String
        let name: String
    }

    struct Held: Encodable, Sendable {
        let providerId: OrganisationID
        let reason: String
        let netPence: Int64
        let invoiceIds: [InvoiceID]
    }

    struct File: Encodable, Sendable {
        let format: BankFileFormat
        let sha256: String
        let bytes: Int
        let href: String
    }

    let id: PaymentBatchID
    let payer: PayerResponse
    let cutOffDate: CalendarDay
    let status: PaymentBatchStatus
    let totalPence: Int64
    let paymentCount: Int
    let originator: PayerAccountResponse
    let held: [Held]
    let createdBy: UserID
    let createdAt: Date
    let approvedBy: Nullable<UserID>
    let approvedAt: Nullable<Date>
    let exportedAt: Nullable<Date>
    let processingDate: Nullable<CalendarDay>
    let valueDate: Nullable<CalendarDay>
    let cancelledAt: Nullable<Date>
    let files: [File]
    /// Absent from lists; every payment in `GET /v1/payment-batches/{id}`.
    let payments: [PaymentResponse]?

    init(_ batch: PaymentBatch, withPayments: Bool = true) {
        id = batch.id
        payer = PayerResponse(kind: batch.payer.kind, id: batch.payer.id, name: batch.payerName)
        cutOffDate = batch.cutOffDate
        status = batch.status
        totalPence = batch.totalPence
        paymentCount = batch.payments.count
        originator = PayerAccountResponse(batch.originator)
        held = batch.held.map { Held(providerId: $0.providerID, reason: $0.reason, netPence: $0.netPence, invoiceIds: $0.invoiceIDs) }
        createdBy = batch.createdBy
        createdAt = batch.createdAt
        approvedBy = Nullable(batch.approvedBy)
        approvedAt = Nullable(batch.approvedAt)
        exportedAt = Nullable(batch.exportedAt)
        processingDate = Nullable(batch.processingDate)
        valueDate = Nullable(batch.valueDate)
        cancelledAt = Nullable(batch.cancelledAt)
        files = batch.files.map {
            File(format: $0.format, sha256: $0.sha256, bytes: $0.bytes, href: "/v1/payment-batches/\(batch.id.rawValue)/files/\($0.format.rawValue)")
        }
        payments = withPayments ? batch.payments.map(PaymentResponse.init) : nil
    }
}

struct RemittanceResponse: ResponseEncodable, Sendable {
    let batchId: PaymentBatchID
    let payerName: String
    let paymentDate: Nullable<CalendarDay>
    let payment: PaymentResponse

    init(_ remittance: Remittance) {
        batchId = remittance.batchID
        payerName = remittance.payerName
        paymentDate = Nullable(remittance.paymentDate)
        payment = PaymentResponse(remittance.payment)
    }
}
