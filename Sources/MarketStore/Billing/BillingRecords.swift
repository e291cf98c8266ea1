import Foundation
import GRDB
import MarketCore

struct BillingProfileRecord: MarketRecord {
    static let databaseTableName = "billing_profile"
    var providerId: OrganisationID
    var legalName: String
    var addressLine1: String
    var addressLine2: String?
    var town: String
    var postcode: String
    var companyNumber: String?
    var charityNumber: String?
    var vatNumber: String?
    var paymentTermsDays: Int
    var invoicePrefix: String
    var remittanceEmail: EmailAddress
    var peppolId: String?
    var updatedBy: UserID
    var updatedAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case town, postcode
        case providerId = "provider_id"
        case legalName = "legal_name"
        case addressLine1 = "address_line1"
        case addressLine2 = "address_line2"
        case companyNumber = "company_number"
        case charityNumber = "charity_number"
        case vatNumber = "vat_number"
        case paymentTermsDays = "payment_terms_days"
        case invoicePrefix = "invoice_prefix"
        case remittanceEmail = "remittance_email"
        case peppolId = "peppol_id"
        case updatedBy = "updated_by"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    init(_ input: BillingProfileInput, provider: OrganisationID, by user: UserID, at time: Date) {
        providerId = provider
        legalName = input.legalName
        addressLine1 = input.address.line1
        addressLine2 = input.address.line2
        town = input.address.town
        postcode = input.address.postcode
        companyNumber = input.companyNumber
        charityNumber = input.charityNumber
        vatNumber = input.vatNumber
        paymentTermsDays = input.paymentTermsDays
        invoicePrefix = input.invoicePrefix
        remittanceEmail = input.remittanceEmail
        peppolId = input.peppolID?.description
        updatedBy = user
        updatedAt = time
    }

    var profile: BillingProfile {
        BillingProfile(
            providerID: providerId, legalName: legalName,
            address: PostalAddress(line1: addressLine1, line2: addressLine2, town: town, postcode: postcode),
            companyNumber: companyNumber, charityNumber: charityNumber, vatNumber: vatNumber,
            paymentTermsDays: paymentTermsDays, invoicePrefix: invoicePrefix, remittanceEmail: remittanceEmail,
            peppolID: peppolId.flatMap(PeppolID.init), updatedAt: updatedAt)
    }
}

struct CouncilBillingRecord: MarketRecord {
    static let databaseTableName = "council_billing"
    var councilId: CouncilID
    var cycle: BillingCycle
    var fourWeeklyFrom: CalendarDay?
    var deemedConfirmedAfterDays: Int
    var peppolId: String?
    var updatedBy: UserID
    var updatedAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case cycle
        case councilId = "council_id"
        case fourWeeklyFrom = "four_weekly_from"
        case deemedConfirmedAfterDays = "deemed_confirmed_after_days"
        case peppolId = "peppol_id"
        case updatedBy = "updated_by"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    var settings: BillingSettings {
        BillingSettings(
            cycle: cycle, fourWeeklyFrom: fourWeeklyFrom, deemedConfirmedAfterDays: deemedConfirmedAfterDays,
            peppolID: peppolId.flatMap(PeppolID.init))
    }

    /// Every council's terms that differ from `BillingSettings.standard`.
    static func all(_ db: Database) throws -> [CouncilID: BillingSettings] {
        Dictionary(uniqueKeysWithValues: try fetchAll(db).map { ($0.councilId, $0.settings) })
    }
}

struct InvoicingRunRecord: MarketRecord {
    static let databaseTableName = "invoicing_run"
    var seq: Int64?
    var id: InvoicingRunID
    var asOf: CalendarDay
    var origin: InvoicingRunTrigger
    var startedBy: UserID?
    var councilId: CouncilID?
    var startedAt: Date
    var finishedAt: Date?
    var deemedConfirmed: Int
    var invoicesWritten: Int
    var linesWritten: Int
    var totalPence: Int64
    var skipped: String

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, origin, skipped
        case asOf = "as_of"
        case startedBy = "started_by"
        case councilId = "council_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case deemedConfirmed = "deemed_confirmed"
        case invoicesWritten = "invoices_written"
        case linesWritten = "lines_written"
        case totalPence = "total_pence"
    }

    typealias Columns = CodingKeys

    var run: InvoicingRun {
        InvoicingRun(
            id: id, asOf: asOf, trigger: origin, startedBy: startedBy, councilID: councilId, startedAt: startedAt,
            finishedAt: finishedAt, deemedConfirmed: deemedConfirmed, invoicesWritten: invoicesWritten,
            linesWritten: linesWritten, totalPence: totalPence,
            skipped: (try? JSONDecoder().decode([InvoicingRun.Skipped].self, from: Data(skipped.utf8))) ?? [])
    }
}

struct InvoiceRecord: MarketRecord {
    static let databaseTableName = "invoice"
    var seq: Int64?
    var id: InvoiceID
    var providerId: OrganisationID
    var sequenceNumber: Int64
    var number: String
    var payerKind: PayerKind
    var payerCouncilId: CouncilID?
    var payerOrganisationId: OrganisationID?
    var payerBudgetHolderId: BudgetHolderID?
    var councilId: CouncilID?
    var periodStart: CalendarDay
    var periodEnd: CalendarDay
    var issueDate: CalendarDay
    var dueDate: CalendarDay
    var totalPence: Int64
    var creditedPence: Int64
    var lineCount: Int
    var status: InvoiceStatus
    var approvedBy: String?
    var approvedAt: Date?
    var disputedBy: UserID?
    var disputedAt: Date?
    var disputeReason: String?
    var runId: InvoicingRunID
    var createdAt: Date
    /// The provider's `BillingProfile` as issued, as JSON.
    var supplier: String?
    var paidOn: CalendarDay?
    var paymentReference: String?
    var paidBy: UserID?
    var paidAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, number, status, supplier
        case providerId = "provider_id"
        case sequenceNumber = "sequence_number"
        case payerKind = "payer_kind"
        case payerCouncilId = "payer_council_id"
        case payerOrganisationId = "payer_organisation_id"
        case payerBudgetHolderId = "payer_budget_holder_id"
        case councilId = "council_id"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case issueDate = "issue_date"
        case dueDate = "due_date"
        case totalPence = "total_pence"
        case creditedPence = "credited_pence"
        case lineCount = "line_count"
        case approvedBy = "approved_by"
        case approvedAt = "approved_at"
        case disputedBy = "disputed_by"
        case disputedAt = "disputed_at"
        case disputeReason = "dispute_reason"
        case runId = "run_id"
        case createdAt = "created_at"
        case paidOn = "paid_on"
        case paymentReference = "payment_reference"
        case paidBy = "paid_by"
        case paidAt = "paid_at"
    }

    typealias Columns = CodingKeys

    init(_ invoice: Invoice, supplier: String? = nil) {
        id = invoice.id
        providerId = invoice.providerID
        sequenceNumber = invoice.sequenceNumber
        number = invoice.number
        payerKind = invoice.payer.kind
        if case .council(let council) = invoice.payer { payerCouncilId = council }
        if case .broker(let broker) = invoice.payer { payerOrganisationId = broker }
        if case .holder(let holder) = invoice.payer { payerBudgetHolderId = holder }
        councilId = invoice.councilID
        periodStart = invoice.period.start
        periodEnd = invoice.period.end
        issueDate = invoice.issueDate
        dueDate = invoice.dueDate
        totalPence = invoice.totalPence
        creditedPence = invoice.creditedPence
        lineCount = invoice.lineCount
        status = invoice.status
        approvedBy = invoice.approvedBy
        approvedAt = invoice.approvedAt
        disputedBy = invoice.disputedBy
        disputedAt = invoice.disputedAt
        disputeReason = invoice.disputeReason
        runId = invoice.runID
        createdAt = invoice.createdAt
        self.supplier = supplier
    }

    /// Written out, not `Codable`: an invoicing run writes thousands.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.seq] = seq
        container[Columns.id] = id
        container[Columns.providerId] = providerId
        container[Columns.sequenceNumber] = sequenceNumber
        container[Columns.number] = number
        container[Columns.payerKind] = payerKind
        container[Columns.payerCouncilId] = payerCouncilId
        container[Columns.payerOrganisationId] = payerOrganisationId
        container[Columns.payerBudgetHolderId] = payerBudgetHolderId
        container[Columns.councilId] = councilId
        container[Columns.periodStart] = periodStart
        container[Columns.periodEnd] = periodEnd
        container[Columns.issueDate] = issueDate
        container[Columns.dueDate] = dueDate
        container[Columns.totalPence] = totalPence
        container[Columns.creditedPence] = creditedPence
        container[Columns.lineCount] = lineCount
        container[Columns.status] = status
        container[Columns.approvedBy] = approvedBy
        container[Columns.approvedAt] = approvedAt
        container[Columns.disputedBy] = disputedBy
        container[Columns.disputedAt] = disputedAt
        container[Columns.disputeReason] = disputeReason
        container[Columns.runId] = runId
        container[Columns.createdAt] = createdAt
        container[Columns.supplier] = supplier
        container[Columns.paidOn] = paidOn
        container[Columns.paymentReference] = paymentReference
        container[Columns.paidBy] = paidBy
        container[Columns.paidAt] = paidAt
    }

    var payer: Payer {
        get throws {
            if let payerCouncilId { return .council(payerCouncilId) }
            if let payerOrganisationId { return .broker(payerOrganisationId) }
            guard let payerBudgetHolderId else { throw UnreadableRow(table: Self.databaseTableName, reason: "invoice \(number) has no payer") }
            return .holder(payerBudgetHolderId)
        }
    }

    func invoice(lines: [InvoiceLine], creditNotes: [CreditNote]) throws -> Invoice {
        var invoice = Invoice(
            id: id, number: number, sequenceNumber: sequenceNumber, providerID: providerId, payer: try payer,
            councilID: councilId, period: BillingPeriod(start: periodStart, end: periodEnd), issueDate: issueDate,
            dueDate: dueDate, totalPence: totalPence, lineCount: lineCount, creditedPence: creditedPence, status: status, approvedBy: approvedBy,
            approvedAt: approvedAt, disputedBy: disputedBy, disputedAt: disputedAt, disputeReason: disputeReason,
            runID: runId, createdAt: createdAt, lines: lines, creditNotes: creditNotes)
        if let paidOn, let paymentReference, let paidBy, let paidAt {
            invoice.payment = InvoicePayment(paidOn: paidOn, reference: paymentReference, recordedBy: paidBy, recordedAt: paidAt)
        }
        return invoice
    }
}

struct InvoiceLineRecord: MarketRecord {
    static let databaseTableName = "invoice_line"
    var invoiceId: InvoiceID
    var lineNumber: Int
    var deliveryId: DeliveryID
    var orderId: OrderID
    var budgetHolderId: BudgetHolderID
    var offeringId: OfferingID
    var description: String
    var deliveredOn: CalendarDay
    var quantityHundredths: Int64
    var unit: String
    var unitPricePence: Int64
    var totalPence: Int64
    var vatCategory: VATCategory
    var councilReference: String?
    var confirmedByBuyer: Bool
    var disputed: Bool
    var creditedPence: Int64

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case description, unit, disputed
        case invoiceId = "invoice_id"
        case lineNumber = "line_number"
        case deliveryId = "delivery_id"
        case orderId = "order_id"
        case budgetHolderId = "budget_holder_id"
        case offeringId = "offering_id"
        case deliveredOn = "delivered_on"
        case quantityHundredths = "quantity_hundredths"
        case unitPricePence = "unit_price_pence"
        case totalPence = "total_pence"
        case vatCategory = "vat_category"
        case councilReference = "council_reference"
        case confirmedByBuyer = "confirmed_by_buyer"
        case creditedPence = "credited_pence"
    }

    typealias Columns = CodingKeys

    var line: InvoiceLine {
        get throws {
            InvoiceLine(
                lineNumber: lineNumber, deliveryID: deliveryId, orderID: orderId, holderID: budgetHolderId, offeringID: offeringId,
                description: description, deliveredOn: deliveredOn,
                quantity: try storedQuantity(quantityHundredths, in: Self.databaseTableName), unit: unit,
                unitPricePence: unitPricePence, totalPence: totalPence, vatCategory: vatCategory,
                councilReference: councilReference, confirmedByBuyer: confirmedByBuyer, disputed: disputed,
                creditedPence: creditedPence)
        }
    }
}

struct CreditNoteRecord: MarketRecord {
    static let databaseTableName = "credit_note"
    var seq: Int64?
    var id: CreditNoteID
    var invoiceId: InvoiceID
    var providerId: OrganisationID
    var sequenceNumber: Int64
    var number: String
    var reason: String
    var totalPence: Int64
    var lineCount: Int
    var issueDate: CalendarDay
    var issuedBy: UserID
    var issuedAt: Date
    /// Issued on an invoice already paid: the payer's next batch recovers it.
    var afterPayment: Bool

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, number, reason
        case invoiceId = "invoice_id"
        case providerId = "provider_id"
        case sequenceNumber = "sequence_number"
        case totalPence = "total_pence"
        case lineCount = "line_count"
        case issueDate = "issue_date"
        case issuedBy = "issued_by"
        case issuedAt = "issued_at"
        case afterPayment = "after_payment"
    }

    typealias Columns = CodingKeys

    init(_ note: CreditNote, afterPayment: Bool) {
        id = note.id
        invoiceId = note.invoiceID
        providerId = note.providerID
        sequenceNumber = note.sequenceNumber
        number = note.number
        reason = note.reason
        totalPence = note.totalPence
        lineCount = note.lines.count
        issueDate = note.issueDate
        issuedBy = note.issuedBy
        issuedAt = note.issuedAt
        self.afterPayment = afterPayment
    }

    func creditNote(lines: [CreditNote.Line]) -> CreditNote {
        CreditNote(
            id: id, number: number, sequenceNumber: sequenceNumber, invoiceID: invoiceId, providerID: providerId,
            reason: reason, totalPence: totalPence, issueDate: issueDate, issuedBy: issuedBy, issuedAt: issuedAt, lines: lines)
    }
}

struct CreditNoteLineRecord: MarketRecord {
    static let databaseTableName = "credit_note_line"
    var creditNoteId: CreditNoteID
    var invoiceId: InvoiceID
    var invoiceLineNumber: Int
    var amountPence: Int64

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case creditNoteId = "credit_note_id"
        case invoiceId = "invoice_id"
        case invoiceLineNumber = "invoice_line_number"
        case amountPence = "amount_pence"
    }

    typealias Columns = CodingKeys
}

extension BillingCycle: DatabaseValueConvertible {}
extension InvoicingRunTrigger: DatabaseValueConvertible {}
extension PayerKind: DatabaseValueConvertible {}
extension InvoiceStatus: DatabaseValueConvertible {}
extension VATCategory: DatabaseValueConvertible {}

extension InvoiceRecord {
    /// Writes an invoice's status after one of the payer's steps (`Invoice.applying`), with
    /// what the step decided: its approval, its dispute, or the holder's payment.
    static func write(_ invoice: Invoice, _ db: Database) throws {
        let decision: [ColumnAssignment] = switch invoice.status {
        case .approved: [Columns.approvedBy.set(to: invoice.approvedBy), Columns.approvedAt.set(to: invoice.approvedAt)]
        case .disputed: [Columns.disputedBy.set(to: invoice.disputedBy), Columns.disputedAt.set(to: invoice.disputedAt),
                         Columns.disputeReason.set(to: invoice.disputeReason),
                         Columns.approvedBy.set(to: invoice.approvedBy), Columns.approvedAt.set(to: invoice.approvedAt)]
        case .paid: [Columns.paidOn.set(to: invoice.payment?.paidOn), Columns.paymentReference.set(to: invoice.payment?.reference),
                     Columns.paidBy.set(to: invoice.payment?.recordedBy), Columns.paidAt.set(to: invoice.payment?.recordedAt)]
        case .awaitingApproval, .credited: []
        }
        try filter(Columns.id == invoice.id).updateAll(db, [Columns.status.set(to: invoice.status)] + decision)
    }
}
