import Foundation

/// Where a payment batch is in its life: `draft` → `approved` (by a second person) → `exported`
/// (its files written once) → `paid`; a draft or approved batch can be `cancelled`.
public enum PaymentBatchStatus: String, Sendable, Codable, CaseIterable {
    case draft
    case approved
    case exported
    case paid
    case cancelled
}

public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    /// In a batch not yet marked paid.
    case pending
    case paid
    /// The bank sent it back (wrong or closed account); its invoices are unpaid again.
    case returned
    /// Its batch was cancelled before export.
    case cancelled
}

/// The payers that pay in batches: a council's finance, or a broker running managed accounts.
/// (A holder who pays their own invoices marks each one paid.)
public enum BatchPayer: Sendable, Hashable, Codable {
    case council(CouncilID)
    case broker(OrganisationID)

    /// The payer an id names by its prefix (`cnc_` a council, `org_` a broker organisation).
    public init?(id: String) {
        if let council = CouncilID(id) {
            self = .council(council)
        } else if let broker = OrganisationID(id) {
            self = .broker(broker)
        } else {
            return nil
        }
    }

    public var id: String {
        switch self {
        case .council(let id): id.rawValue
        case .broker(let id): id.rawValue
        }
    }

    public var kind: PayerKind {
        switch self {
        case .council: .council
        case .broker: .broker
        }
    }

    public var payer: Payer {
        switch self {
        case .council(let id): .council(id)
        case .broker(let id): .broker(id)
        }
    }
}

/// What one payment settles: an invoice's outstanding amount, or (negative) a credit note issued
/// after its invoice was paid, which the payer recovers from the provider.
public struct PaymentItem: Sendable, Equatable, Codable {
    public let invoiceID: InvoiceID
    public let invoiceNumber: String
    public let creditNoteID: CreditNoteID?
    public let creditNoteNumber: String?
    public let amountPence: Int64

    public init(invoiceID: InvoiceID, invoiceNumber: String, creditNoteID: CreditNoteID?, creditNoteNumber: String?, amountPence: Int64) {
        self.invoiceID = invoiceID
        self.invoiceNumber = invoiceNumber
        self.creditNoteID = creditNoteID
        self.creditNoteNumber = creditNoteNumber
        self.amountPence = amountPence
    }
}

/// One payment to one provider in one batch: the net of what it settles, to the provider's
/// current bank details as verified by the batch's payer.
public struct Payment: Sendable, Equatable, Codable {
    public let id: PaymentID
    public let batchID: PaymentBatchID
    public let providerID: OrganisationID
    public let providerName: String
    public let bankAccountID: BankAccountID
    public let payee: BankDetails
    public let amountPence: Int64
    /// What the provider's statement shows (18 characters, the BACS character set).
    public let reference: String
    public var status: PaymentStatus
    public var returnedReason: String?
    public var returnedAt: Date?
    public var items: [PaymentItem]

    public init(
        id: PaymentID, batchID: PaymentBatchID, providerID: OrganisationID, providerName: String, bankAccountID: BankAccountID,
        payee: BankDetails, amountPence: Int64, reference: String, status: PaymentStatus, returnedReason: String?,
        returnedAt: Date?, items: [PaymentItem]
    ) {
        self.id = id
        self.batchID = batchID
        self.providerID = providerID
        self.providerName = providerName
        self.bankAccountID = bankAccountID
        self.payee = payee
        self.amountPence = amountPence
        self.reference = reference
        self.status = status
        self.returnedReason = returnedReason
        self.returnedAt = returnedAt
        self.items = items
    }
}

extension Payment {
    /// `SM000012-0003`: the batch's number and the payment's place in it, unique and within the
    /// 18 characters of a BACS reference.
    public static func reference(batchSequence: Int64, index: Int) -> String {
        "SM" + String(batchSequence).leftPadded(to: 6, with: "0") + "-" + String(index).leftPadded(to: 4, with: "0")
    }
}

/// A provider a batch did not pay, and why (its invoices stay free for a later batch).
public struct HeldPayment: Sendable, Equatable, Codable {
    public let providerID: OrganisationID
    public let reason: String
    public let netPence: Int64
    public let invoiceIDs: [InvoiceID]

    public init(providerID: OrganisationID, reason: String, netPence: Int64, invoiceIDs: [InvoiceID]) {
        self.providerID = providerID
        self.reason = reason
        self.netPence = netPence
        self.invoiceIDs = invoiceIDs
    }
}

/// A payer's batch of payments for a cut-off date: every approved, unpaid invoice due by then,
/// one payment per provider. Its contents never change once created.
public struct PaymentBatch: Sendable, Equatable, Codable {
    public let id: PaymentBatchID
    public let sequenceNumber: Int64
    public let payer: BatchPayer
    public let payerName: String
    public let cutOffDate: CalendarDay
    public var status: PaymentBatchStatus
    /// The payer's account as it was when the batch was made; the files pay from it.
    public let originator: PayerAccount
    public let totalPence: Int64
    public let held: [HeldPayment]
    public let createdBy: UserID
    public let createdAt: Date
    public var approvedBy: UserID?
    public var approvedAt: Date?
    public var exportedAt: Date?
    /// The BACS processing day and the `pain.001` requested execution date.
    public var processingDate: CalendarDay?
    public var valueDate: CalendarDay?
    public var cancelledAt: Date?
    public var payments: [Payment]
    /// Each exported file's format and SHA-256 (hex), once exported.
    public var files: [ExportedFile]

    public init(
        id: PaymentBatchID, sequenceNumber: Int64, payer: BatchPayer, payerName: String, cutOffDate: CalendarDay,
        status: PaymentBatchStatus, originator: PayerAccount, totalPence: Int64, held: [HeldPayment], createdBy: UserID,
        createdAt: Date, approvedBy: UserID?, approvedAt: Date?, exportedAt: Date?, processingDate: CalendarDay?,
        valueDate: CalendarDay?, cancelledAt: Date?, payments: [Payment], files: [ExportedFile]
    ) {
        self.id = id
        self.sequenceNumber = sequenceNumber
        self.payer = payer
        self.payerName = payerName
        self.cutOffDate = cutOffDate
        self.status = status
        self.originator = originator
        self.totalPence = totalPence
        self.held = held
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.exportedAt = exportedAt
        self.processingDate = processingDate
        self.valueDate = valueDate
        self.cancelledAt = cancelledAt
        self.payments = payments
        self.files = files
    }

    /// The payments the bank is asked to make (all of them: the files are written at export,
    /// before any can be returned).
    public var exportedPayments: [Payment] { payments.filter { $0.status != .cancelled } }
}

/// One file of an exported batch, as stored: every download is these bytes.
public struct ExportedFile: Sendable, Equatable, Codable {
    public let format: BankFileFormat
    /// Lower-case hex.
    public let sha256: String
    public let bytes: Int

    public init(format: BankFileFormat, sha256: String, bytes: Int) {
        self.format = format
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// The files a batch is exported as.
public enum BankFileFormat: String, Sendable, Codable, CaseIterable {
    /// One row per payment, for a spreadsheet or a finance system.
    case csv
    /// BACS Standard 18, as bureau and Bacstel-IP software take it.
    case bacs
    /// ISO 20022 `pain.001.001.09` customer credit transfer initiation.
    case pain001 = "pain.001"
}

/// What a provider is told about one payment: the invoices and credit notes it settles.
public struct Remittance: Sendable, Equatable, Codable {
    public let batchID: PaymentBatchID
    public let payment: Payment
    public let payerName: String
    /// The day the money is due in the provider's account: the value date once the batch is
    /// paid, the processing date before.
    public let paymentDate: CalendarDay?

    public init(batchID: PaymentBatchID, payment: Payment, payerName: String, paymentDate: CalendarDay?) {
        self.batchID = batchID
        self.payment = payment
        self.payerName = payerName
        self.paymentDate = paymentDate
    }
}
