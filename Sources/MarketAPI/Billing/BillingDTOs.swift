import Foundation
import Hummingbird
import MarketCore

struct PostalAddressBody: Codable, Sendable {
    let line1: String?
    let line2: String?
    let town: String?
    let postcode: String?
}

struct PutBillingProfileRequest: Decodable {
    let legalName: String?
    let address: PostalAddressBody?
    let companyNumber: String?
    let charityNumber: String?
    let vatNumber: String?
    let paymentTermsDays: Int?
    let invoicePrefix: String?
    let remittanceEmail: String?
    let peppolId: String?
}

struct BillingProfileResponse: ResponseEncodable, Sendable {
    struct Address: Encodable, Sendable {
        let line1: String
        let line2: Nullable<String>
        let town: String
        let postcode: String
    }

    let providerId: OrganisationID
    let legalName: String
    let address: Address
    let companyNumber: Nullable<String>
    let charityNumber: Nullable<String>
    let vatNumber: Nullable<String>
    let paymentTermsDays: Int
    let invoicePrefix: String
    let remittanceEmail: String
    let peppolId: Nullable<String>
    let updatedAt: Date

    init(_ profile: BillingProfile) {
        providerId = profile.providerID
        legalName = profile.legalName
        address = Address(
            line1: profile.address.line1, line2: Nullable(profile.address.line2), town: profile.address.town,
            postcode: profile.address.postcode)
        companyNumber = Nullable(profile.companyNumber)
        charityNumber = Nullable(profile.charityNumber)
        vatNumber = Nullable(profile.vatNumber)
        paymentTermsDays = profile.paymentTermsDays
        invoicePrefix = profile.invoicePrefix
        remittanceEmail = profile.remittanceEmail.value
        peppolId = Nullable(profile.peppolID?.description)
        updatedAt = profile.updatedAt
    }
}

struct PutBillingSettingsRequest: Decodable {
    let cycle: String?
    let fourWeeklyFrom: CalendarDay?
    let deemedConfirmedAfterDays: Int?
    let peppolId: String?
}

struct BillingSettingsResponse: ResponseEncodable, Sendable {
    let councilId: CouncilID
    let cycle: BillingCycle
    let fourWeeklyFrom: Nullable<CalendarDay>
    let deemedConfirmedAfterDays: Int
    let peppolId: Nullable<String>

    init(_ settings: BillingSettings, of council: CouncilID) {
        councilId = council
        cycle = settings.cycle
        fourWeeklyFrom = Nullable(settings.fourWeeklyFrom)
        deemedConfirmedAfterDays = settings.deemedConfirmedAfterDays
        peppolId = Nullable(settings.peppolID?.description)
    }
}

struct CouncilReferenceRequest: Decodable {
    let councilReference: String?
}

struct CouncilReferenceResponse: ResponseEncodable, Sendable {
    let budgetHolderId: BudgetHolderID
    let councilReference: Nullable<String>
}

struct StartInvoicingRunRequest: Decodable {
    let asOf: CalendarDay?
}

struct InvoicingRunResponse: ResponseEncodable, Sendable {
    struct Skipped: Encodable, Sendable {
        let providerId: OrganisationID
        let reason: String
        let deliveries: Int
    }

    let id: InvoicingRunID
    let asOf: CalendarDay
    let trigger: InvoicingRunTrigger
    let startedBy: Nullable<UserID>
    let councilId: Nullable<CouncilID>
    let startedAt: Date
    let finishedAt: Nullable<Date>
    let deemedConfirmed: Int
    let invoicesWritten: Int
    let linesWritten: Int
    let totalPence: Int64
    let skipped: [Skipped]

    init(_ run: InvoicingRun) {
        id = run.id
        asOf = run.asOf
        trigger = run.trigger
        startedBy = Nullable(run.startedBy)
        councilId = Nullable(run.councilID)
        startedAt = run.startedAt
        finishedAt = Nullable(run.finishedAt)
        deemedConfirmed = run.deemedConfirmed
        invoicesWritten = run.invoicesWritten
        linesWritten = run.linesWritten
        totalPence = run.totalPence
        skipped = run.skipped.map { Skipped(providerId: $0.providerID, reason: $0.reason, deliveries: $0.deliveries) }
    }
}

/// An invoice without its lines: the items of `GET /v1/invoices`, and the first fields of
/// `InvoiceResponse`.
struct InvoiceSummaryResponse: ResponseEncodable, Sendable {
    struct PayerResponse: Encodable, Sendable {
        let kind: PayerKind
        let id: String
    }

    struct Period: Encodable, Sendable {
        let start: CalendarDay
        let end: CalendarDay
    }

    let id: InvoiceID
    let number: String
    let providerId: OrganisationID
    let payer: PayerResponse
    let councilId: Nullable<CouncilID>
    let period: Period
    let issueDate: CalendarDay
    let dueDate: CalendarDay
    let totalPence: Int64
    let creditedPence: Int64
    let outstandingPence: Int64
    let lineCount: Int
    let status: InvoiceStatus
    /// A user id, or `automatic`.
    let approvedBy: Nullable<String>
    let approvedAt: Nullable<Date>
    let disputedAt: Nullable<Date>
    let disputeReason: Nullable<String>
    /// The day the money reached the provider, once paid.
    let paidOn: Nullable<CalendarDay>
    let paymentReference: Nullable<String>
    let runId: InvoicingRunID
    let createdAt: Date

    init(_ invoice: Invoice) {
        id = invoice.id
        number = invoice.number
        providerId = invoice.providerID
        payer = PayerResponse(kind: invoice.payer.kind, id: invoice.payer.id)
        councilId = Nullable(invoice.councilID)
        period = Period(start: invoice.period.start, end: invoice.period.end)
        issueDate = invoice.issueDate
        dueDate = invoice.dueDate
        totalPence = invoice.totalPence
        creditedPence = invoice.creditedPence
        outstandingPence = invoice.outstandingPence
        lineCount = invoice.lineCount
        status = invoice.status
        approvedBy = Nullable(invoice.approvedBy)
        approvedAt = Nullable(invoice.approvedAt)
        disputedAt = Nullable(invoice.disputedAt)
        disputeReason = Nullable(invoice.disputeReason)
        paidOn = Nullable(invoice.payment?.paidOn)
        paymentReference = Nullable(invoice.payment?.reference)
        runId = invoice.runID
        createdAt = invoice.createdAt
    }
}

struct InvoiceLineResponse: Encodable, Sendable {
    let lineNumber: Int
    let deliveryId: DeliveryID
    let orderId: OrderID
    let budgetHolderId: BudgetHolderID
    let offeringId: OfferingID
    let description: String
    let deliveredOn: CalendarDay
    let quantity: Decimal
    let unit: String
    let unitPricePence: Int64
    let totalPence: Int64
    let vatCategory: VATCategory
    let councilReference: Nullable<String>
    let confirmedByBuyer: Bool
    let disputed: Bool
    let creditedPence: Int64

    init(_ line: InvoiceLine) {
        lineNumber = line.lineNumber
        deliveryId = line.deliveryID
        orderId = line.orderID
        budgetHolderId = line.holderID
        offeringId = line.offeringID
        description = line.description
        deliveredOn = line.deliveredOn
        quantity = line.quantity.decimal
        unit = line.unit
        unitPricePence = line.unitPricePence
        totalPence = line.totalPence
        vatCategory = line.vatCategory
        councilReference = Nullable(line.councilReference)
        confirmedByBuyer = line.confirmedByBuyer
        disputed = line.disputed
        creditedPence = line.creditedPence
    }
}

struct CreditNoteResponse: ResponseEncodable, Sendable {
    struct Line: Encodable, Sendable {
        let invoiceLineNumber: Int
        let amountPence: Int64
    }

    let id: CreditNoteID
    let number: String
    let invoiceId: InvoiceID
    let providerId: OrganisationID
    let reason: String
    let totalPence: Int64
    let issueDate: CalendarDay
    let issuedBy: UserID
    let issuedAt: Date
    let lines: [Line]

    init(_ note: CreditNote) {
        id = note.id
        number = note.number
        invoiceId = note.invoiceID
        providerId = note.providerID
        reason = note.reason
        totalPence = note.totalPence
        issueDate = note.issueDate
        issuedBy = note.issuedBy
        issuedAt = note.issuedAt
        lines = note.lines.map { Line(invoiceLineNumber: $0.invoiceLineNumber, amountPence: $0.amountPence) }
    }
}

/// One invoice: the summary's fields, then its lines and credit notes.
struct InvoiceResponse: ResponseEncodable, Sendable {
    let summary: InvoiceSummaryResponse
    let lines: [InvoiceLineResponse]
    let creditNotes: [CreditNoteResponse]

    init(_ invoice: Invoice) {
        summary = InvoiceSummaryResponse(invoice)
        lines = invoice.lines.map(InvoiceLineResponse.init)
        creditNotes = invoice.creditNotes.map(CreditNoteResponse.init)
    }

    private enum CodingKeys: String, CodingKey {
        case lines
        case creditNotes
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lines, forKey: .lines)
        try container.encode(creditNotes, forKey: .creditNotes)
    }
}

struct DisputeInvoiceRequest: Decodable {
    let reason: String?
    let lineNumbers: [Int]?
}

struct CreditNoteRequestBody: Decodable {
    struct Line: Decodable {
        let lineNumber: Int?
        let amountPence: Int64?
    }

    let reason: String?
    let lines: [Line]?
}
