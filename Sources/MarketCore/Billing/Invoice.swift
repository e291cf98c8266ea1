import Foundation

/// Who an invoice is addressed to: the fund holder of the streams its lines were paid from.
public enum Payer: Sendable, Hashable, Codable {
    /// The holders' council: council-managed streams and council-paid funds.
    case council(CouncilID)
    /// The broker organisation that runs the holders' managed accounts.
    case broker(OrganisationID)
    /// The budget holder themself: direct payments and self-funders.
    case holder(BudgetHolderID)

    public var kind: PayerKind {
        switch self {
        case .council: .council
        case .broker: .broker
        case .holder: .budgetHolder
        }
    }

    /// The payer an id names by its prefix: `cnc_` a council, `org_` a broker, `bdh_` a holder.
    public init?(id: String) {
        if let payer = BatchPayer(id: id) {
            self = payer.payer
        } else if let holder = BudgetHolderID(id) {
            self = .holder(holder)
        } else {
            return nil
        }
    }

    /// The payer's id as text, whatever its kind.
    public var id: String {
        switch self {
        case .council(let id): id.rawValue
        case .broker(let id): id.rawValue
        case .holder(let id): id.rawValue
        }
    }

    /// The payer of what a stream pays for a holder of `council`: its fund holder. `nil` when the
    /// stream names a payer it cannot have (a council-paid stream of a self-funder).
    public static func of(
        fundHolder: FundHolder, managingOrganisation: OrganisationID?, holder: BudgetHolderID, council: CouncilID?
    ) -> Payer? {
        switch fundHolder {
        case .council: council.map(Payer.council)
        case .broker: managingOrganisation.map(Payer.broker)
        case .holder: .holder(holder)
        }
    }
}

public enum PayerKind: String, Sendable, Codable, CaseIterable {
    case council
    case broker
    case budgetHolder = "budget_holder"
}

/// Where an invoice is in its life. Amounts never change; corrections are credit notes.
public enum InvoiceStatus: String, Sendable, Codable, CaseIterable {
    /// Issued; the payer's side has yet to approve or dispute it.
    case awaitingApproval = "awaiting_approval"
    /// Approved for payment (automatically, when the buyer confirmed every line).
    case approved
    /// The payer's side disputed it; the provider answers with a credit note.
    case disputed
    /// Credit notes have given back everything it charged.
    case credited
    /// Paid: through a payer's payment batch, or by the holder who pays it.
    case paid
}

/// How an invoice was paid: the day the money reached the provider and the payment's reference.
public struct InvoicePayment: Sendable, Equatable, Codable {
    public let paidOn: CalendarDay
    /// The batch payment's reference, or the holder's own.
    public let reference: String
    public let recordedBy: UserID
    public let recordedAt: Date

    public init(paidOn: CalendarDay, reference: String, recordedBy: UserID, recordedAt: Date) {
        self.paidOn = paidOn
        self.reference = reference
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

/// The VAT category of a line, as EN 16931 codes it. Most social care is exempt.
public enum VATCategory: String, Sendable, Codable, CaseIterable {
    /// Exempt (UNCL5305 `E`): the default for care and support.
    case exempt = "E"
    /// Standard rate (`S`).
    case standard = "S"
    /// Zero rated (`Z`).
    case zeroRated = "Z"
}

/// One delivery, invoiced. Every delivery is on at most one line, ever (a UNIQUE constraint).
public struct InvoiceLine: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let deliveryID: DeliveryID
    public let orderID: OrderID
    public let holderID: BudgetHolderID
    public let offeringID: OfferingID
    public let description: String
    public let deliveredOn: CalendarDay
    public let quantity: Quantity
    public let unit: String
    public let unitPricePence: Int64
    /// What the delivery spent: its share of the order's total.
    public let totalPence: Int64
    public let vatCategory: VATCategory
    /// The holder's id in the council's social-care system, on council invoices.
    public let councilReference: String?
    /// Whether the buyer confirmed the delivery (not deemed confirmed by the service).
    public let confirmedByBuyer: Bool
    /// The payer's side disputed this line.
    public var disputed: Bool
    /// What credit notes have given back on this line so far.
    public var creditedPence: Int64

    public init(
        lineNumber: Int, deliveryID: DeliveryID, orderID: OrderID, holderID: BudgetHolderID, offeringID: OfferingID,
        description: String, deliveredOn: CalendarDay, quantity: Quantity, unit: String, unitPricePence: Int64,
        totalPence: Int64, vatCategory: VATCategory, councilReference: String?, confirmedByBuyer: Bool, disputed: Bool,
        creditedPence: Int64
    ) {
        self.lineNumber = lineNumber
        self.deliveryID = deliveryID
        self.orderID = orderID
        self.holderID = holderID
        self.offeringID = offeringID
        self.description = description
        self.deliveredOn = deliveredOn
        self.quantity = quantity
        self.unit = unit
        self.unitPricePence = unitPricePence
        self.totalPence = totalPence
        self.vatCategory = vatCategory
        self.councilReference = councilReference
        self.confirmedByBuyer = confirmedByBuyer
        self.disputed = disputed
        self.creditedPence = creditedPence
    }

    public var creditablePence: Int64 { totalPence - creditedPence }
}

/// An invoice from one provider to one payer for one billing period.
///
/// Invariants (the schema's): its total is the sum of its lines; its number is the provider's
/// next in a gapless sequence; amounts and lines never change and it is never deleted.
public struct Invoice: Sendable, Equatable, Codable {
    public let id: InvoiceID
    /// `PREFIX-000001`.
    public let number: String
    public let sequenceNumber: Int64
    public let providerID: OrganisationID
    public let payer: Payer
    /// The council of the holders it bills for (`nil` for self-funders).
    public let councilID: CouncilID?
    public let period: BillingPeriod
    public let issueDate: CalendarDay
    public let dueDate: CalendarDay
    public let totalPence: Int64
    /// How many lines it has (also when `lines` was not loaded, as in lists).
    public let lineCount: Int
    public var creditedPence: Int64
    public var status: InvoiceStatus
    /// A user id, or `automatic` when every line was confirmed by the buyer.
    public var approvedBy: String?
    public var approvedAt: Date?
    public var disputedBy: UserID?
    public var disputedAt: Date?
    public var disputeReason: String?
    public let runID: InvoicingRunID
    public let createdAt: Date
    public var lines: [InvoiceLine]
    public var creditNotes: [CreditNote]
    /// Set once the invoice is `paid`.
    public var payment: InvoicePayment?

    public init(
        id: InvoiceID, number: String, sequenceNumber: Int64, providerID: OrganisationID, payer: Payer, councilID: CouncilID?,
        period: BillingPeriod, issueDate: CalendarDay, dueDate: CalendarDay, totalPence: Int64, lineCount: Int, creditedPence: Int64,
        status: InvoiceStatus, approvedBy: String?, approvedAt: Date?, disputedBy: UserID?, disputedAt: Date?,
        disputeReason: String?, runID: InvoicingRunID, createdAt: Date, lines: [InvoiceLine], creditNotes: [CreditNote]
    ) {
        self.id = id
        self.number = number
        self.sequenceNumber = sequenceNumber
        self.providerID = providerID
        self.payer = payer
        self.councilID = councilID
        self.period = period
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.totalPence = totalPence
        self.lineCount = lineCount
        self.creditedPence = creditedPence
        self.status = status
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.disputedBy = disputedBy
        self.disputedAt = disputedAt
        self.disputeReason = disputeReason
        self.runID = runID
        self.createdAt = createdAt
        self.lines = lines
        self.creditNotes = creditNotes
    }

    /// `approved_by` of an invoice approved because the buyer confirmed every line.
    public static let automaticApproval = "automatic"

    /// What is still owed: the total less its credit notes.
    public var outstandingPence: Int64 { totalPence - creditedPence }
}

/// An invoice with what its printed copy and e-invoice name: the provider's billing profile
/// (as it is now) and names, and the payer's name.
public struct PrintableInvoice: Sendable {
    public let invoice: Invoice
    public let profile: BillingProfile?
    public let providerName: String
    public let payerName: String
    /// The holders' council, when it is not the payer itself.
    public let councilName: String?
    /// Where the payer takes part in Peppol (councils record it in their billing settings).
    public let payerPeppolID: PeppolID?

    public init(
        invoice: Invoice, profile: BillingProfile?, providerName: String, payerName: String, councilName: String?,
        payerPeppolID: PeppolID? = nil
    ) {
        self.invoice = invoice
        self.profile = profile
        self.providerName = providerName
        self.payerName = payerName
        self.councilName = councilName
        self.payerPeppolID = payerPeppolID
    }

    /// Why no e-invoice can be delivered over Peppol for this invoice, or `nil` when one can.
    public var eInvoiceRefusal: String? {
        if case .holder = invoice.payer {
            return "e-invoices go to councils over Peppol; a person paying their own invoice has the printable one (/document)"
        }
        if case .broker = invoice.payer {
            return "e-invoices to broker organisations are not yet supported: they have no Peppol participant id on record"
        }
        if profile?.peppolID == nil {
            return "the provider has no Peppol participant id: its staff add peppol_id to the billing profile"
        }
        if payerPeppolID == nil {
            return "the council has no Peppol participant id: its finance staff add peppol_id to its billing settings"
        }
        return nil
    }
}

/// What `GET /v1/invoices` narrows the caller's invoices to; every filter is optional.
public struct InvoiceFilter: Sendable, Equatable {
    public var providerID: OrganisationID?
    public var payer: Payer?
    public var status: InvoiceStatus?
    /// Invoices whose billing period contains this day.
    public var periodContaining: CalendarDay?
    /// Invoices due before this day.
    public var dueBefore: CalendarDay?

    public init(
        providerID: OrganisationID? = nil, payer: Payer? = nil, status: InvoiceStatus? = nil,
        periodContaining: CalendarDay? = nil, dueBefore: CalendarDay? = nil
    ) {
        self.providerID = providerID
        self.payer = payer
        self.status = status
        self.periodContaining = periodContaining
        self.dueBefore = dueBefore
    }
}

/// A provider's correction of an invoice: gives back some lines' amounts, or the whole.
public struct CreditNote: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public let invoiceLineNumber: Int
        public let amountPence: Int64

        public init(invoiceLineNumber: Int, amountPence: Int64) {
            self.invoiceLineNumber = invoiceLineNumber
            self.amountPence = amountPence
        }
    }

    public let id: CreditNoteID
    public let number: String
    public let sequenceNumber: Int64
    public let invoiceID: InvoiceID
    public let providerID: OrganisationID
    public let reason: String
    public let totalPence: Int64
    public let issueDate: CalendarDay
    public let issuedBy: UserID
    public let issuedAt: Date
    public let lines: [Line]

    public init(
        id: CreditNoteID, number: String, sequenceNumber: Int64, invoiceID: InvoiceID, providerID: OrganisationID,
        reason: String, totalPence: Int64, issueDate: CalendarDay, issuedBy: UserID, issuedAt: Date, lines: [Line]
    ) {
        self.id = id
        self.number = number
        self.sequenceNumber = sequenceNumber
        self.invoiceID = invoiceID
        self.providerID = providerID
        self.reason = reason
        self.totalPence = totalPence
        self.issueDate = issueDate
        self.issuedBy = issuedBy
        self.issuedAt = issuedAt
        self.lines = lines
    }
}

/// What a credit note is asked to give back: some lines (each in full, or an amount), or, with
/// no lines named, everything still creditable on the invoice.
public struct CreditNoteRequest: Sendable, Equatable {
    public let reason: String
    /// `(line number, pence or nil for the rest of the line)`; empty: the whole invoice.
    public let lines: [(lineNumber: Int, amountPence: Int64?)]

    public init(reason: String?, lines: [(lineNumber: Int?, amountPence: Int64?)]?) throws(MarketError) {
        var v = Validator()
        let reason = v.text(reason ?? "", "reason", maxLength: 2000)
        var checked: [(lineNumber: Int, amountPence: Int64?)] = []
        for (index, line) in (lines ?? []).enumerated() {
            guard let number = line.lineNumber, number >= 1 else {
                v.add("lines[\(index)].line_number", "is required: a line number of the invoice")
                continue
            }
            if let amount = line.amountPence {
                v.check(amount >= 1 && amount <= Money.allocationRange.upperBound, "lines[\(index)].amount_pence",
                        "must be a whole number of pence from 1 to \(Money.allocationRange.upperBound)")
            }
            v.check(!checked.contains { $0.lineNumber == number }, "lines[\(index)].line_number", "names a line twice")
            checked.append((number, line.amountPence))
        }
        v.check(checked.count <= 10_000, "lines", "must list at most 10000 lines")
        try v.throwIfInvalid()
        self.reason = reason
        self.lines = checked
    }

    public static func == (lhs: CreditNoteRequest, rhs: CreditNoteRequest) -> Bool {
        lhs.reason == rhs.reason && lhs.lines.elementsEqual(rhs.lines) { $0 == $1 }
    }

    /// The amount to credit on each line, checked against what is still creditable; 422 when a
    /// line is unknown or asked for more than is left.
    public func amounts(on invoice: Invoice) throws(MarketError) -> [CreditNote.Line] {
        var v = Validator()
        var result: [CreditNote.Line] = []
        if lines.isEmpty {
            result = invoice.lines.filter { $0.creditablePence > 0 }.map { CreditNote.Line(invoiceLineNumber: $0.lineNumber, amountPence: $0.creditablePence) }
            v.check(!result.isEmpty, "lines", "nothing is left to credit on this invoice")
        }
        for (index, asked) in lines.enumerated() {
            guard let line = invoice.lines.first(where: { $0.lineNumber == asked.lineNumber }) else {
                v.add("lines[\(index)].line_number", "is not a line of this invoice (1 to \(invoice.lines.count))")
                continue
            }
            let amount = asked.amountPence ?? line.creditablePence
            if amount > line.creditablePence || amount <= 0 {
                v.add("lines[\(index)].amount_pence",
                      "is more than is left to credit on line \(line.lineNumber) (\(line.creditablePence) pence)")
            } else {
                result.append(CreditNote.Line(invoiceLineNumber: line.lineNumber, amountPence: amount))
            }
        }
        try v.throwIfInvalid()
        return result
    }
}

/// How an invoicing run was started.
public enum InvoicingRunTrigger: String, Sendable, Codable, CaseIterable {
    case schedule
    case request
    case commandLine = "command_line"
}

/// One invoicing run's record: what it did, and which providers it skipped and why.
public struct InvoicingRun: Sendable, Equatable, Codable {
    public struct Skipped: Sendable, Equatable, Codable {
        public let providerID: OrganisationID
        public let reason: String
        public let deliveries: Int

        public init(providerID: OrganisationID, reason: String, deliveries: Int) {
            self.providerID = providerID
            self.reason = reason
            self.deliveries = deliveries
        }
    }

    public let id: InvoicingRunID
    public let asOf: CalendarDay
    public let trigger: InvoicingRunTrigger
    public let startedBy: UserID?
    /// Only what this council pays, for a run started by its finance staff.
    public let councilID: CouncilID?
    public let startedAt: Date
    public var finishedAt: Date?
    public var deemedConfirmed: Int
    public var invoicesWritten: Int
    public var linesWritten: Int
    public var totalPence: Int64
    public var skipped: [Skipped]

    public init(
        id: InvoicingRunID, asOf: CalendarDay, trigger: InvoicingRunTrigger, startedBy: UserID?, councilID: CouncilID?,
        startedAt: Date, finishedAt: Date?, deemedConfirmed: Int, invoicesWritten: Int, linesWritten: Int, totalPence: Int64,
        skipped: [Skipped]
    ) {
        self.id = id
        self.asOf = asOf
        self.trigger = trigger
        self.startedBy = startedBy
        self.councilID = councilID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.deemedConfirmed = deemedConfirmed
        self.invoicesWritten = invoicesWritten
        self.linesWritten = linesWritten
        self.totalPence = totalPence
        self.skipped = skipped
    }
}
