import Foundation
import GRDB
import MarketCore

struct BankAccountRecord: MarketRecord {
    static let databaseTableName = "bank_account"
    var seq: Int64?
    var id: BankAccountID
    var providerId: OrganisationID
    var version: Int
    var accountName: String
    var sortCode: String
    var accountNumber: String
    var rollNumber: String?
    var iban: String?
    var bic: String?
    var enteredBy: UserID
    var enteredAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, version, iban, bic
        case providerId = "provider_id"
        case accountName = "account_name"
        case sortCode = "sort_code"
        case accountNumber = "account_number"
        case rollNumber = "roll_number"
        case enteredBy = "entered_by"
        case enteredAt = "entered_at"
    }

    typealias Columns = CodingKeys

    var details: BankDetails {
        BankDetails(accountName: accountName, sortCode: sortCode, accountNumber: accountNumber, rollNumber: rollNumber, iban: iban, bic: bic)
    }

    func account(verifications: [BankAccount.Verification]) -> BankAccount {
        BankAccount(
            id: id, providerID: providerId, version: version, details: details, enteredBy: enteredBy, enteredAt: enteredAt,
            verifications: verifications)
    }

    /// The provider's current version: the latest, whether or not anyone has verified it.
    static func current(of provider: OrganisationID, _ db: Database) throws -> BankAccountRecord? {
        try BankAccountRecord.filter(BankAccountRecord.Columns.providerId == provider.rawValue).order(BankAccountRecord.Columns.version.desc).fetchOne(db)
    }
}

struct BankAccountVerificationRecord: MarketRecord {
    static let databaseTableName = "bank_account_verification"
    var bankAccountId: BankAccountID
    var payerId: BatchPayer
    var verifiedBy: UserID
    var verifiedAt: Date
    var method: String

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case method
        case bankAccountId = "bank_account_id"
        case payerId = "payer_id"
        case verifiedBy = "verified_by"
        case verifiedAt = "verified_at"
    }

    typealias Columns = CodingKeys

    var verification: BankAccount.Verification {
        BankAccount.Verification(payer: payerId, verifiedBy: verifiedBy, verifiedAt: verifiedAt, method: method)
    }
}

struct PayerAccountRecord: MarketRecord {
    static let databaseTableName = "payer_account"
    var payerId: BatchPayer
    var accountName: String
    var sortCode: String
    var accountNumber: String
    var serviceUserNumber: String
    var iban: String?
    var bic: String?
    var updatedBy: UserID
    var updatedAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case iban, bic
        case payerId = "payer_id"
        case accountName = "account_name"
        case sortCode = "sort_code"
        case accountNumber = "account_number"
        case serviceUserNumber = "service_user_number"
        case updatedBy = "updated_by"
        case updatedAt = "updated_at"
    }

    typealias Columns = CodingKeys

    init(_ account: PayerAccount, by user: UserID) {
        payerId = account.payer
        accountName = account.details.accountName
        sortCode = account.details.sortCode
        accountNumber = account.details.accountNumber
        serviceUserNumber = account.serviceUserNumber
        iban = account.details.iban
        bic = account.details.bic
        updatedBy = user
        updatedAt = account.updatedAt
    }

    var account: PayerAccount {
        PayerAccount(
            payer: payerId,
            details: BankDetails(accountName: accountName, sortCode: sortCode, accountNumber: accountNumber, rollNumber: nil, iban: iban, bic: bic),
            serviceUserNumber: serviceUserNumber, updatedAt: updatedAt)
    }
}

struct PayerAccountChangeRecord: MarketRecord {
    static let databaseTableName = "payer_account_change"
    var seq: Int64?
    var id: PayerAccountChangeID
    var payerId: BatchPayer
    var accountName: String
    var sortCode: String
    var accountNumber: String
    var serviceUserNumber: String
    var iban: String?
    var bic: String?
    var status: PayerAccountChange.Status
    var proposedBy: UserID
    var proposedAt: Date
    var decidedBy: UserID?
    var decidedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, iban, bic, status
        case payerId = "payer_id"
        case accountName = "account_name"
        case sortCode = "sort_code"
        case accountNumber = "account_number"
        case serviceUserNumber = "service_user_number"
        case proposedBy = "proposed_by"
        case proposedAt = "proposed_at"
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
    }

    typealias Columns = CodingKeys

    init(_ change: PayerAccountChange) {
        id = change.id
        payerId = change.account.payer
        accountName = change.account.details.accountName
        sortCode = change.account.details.sortCode
        accountNumber = change.account.details.accountNumber
        serviceUserNumber = change.account.serviceUserNumber
        iban = change.account.details.iban
        bic = change.account.details.bic
        status = change.status
        proposedBy = change.proposedBy
        proposedAt = change.proposedAt
    }

    var change: PayerAccountChange {
        PayerAccountChange(
            id: id,
            account: PayerAccount(
                payer: payerId,
                details: BankDetails(accountName: accountName, sortCode: sortCode, accountNumber: accountNumber, rollNumber: nil, iban: iban, bic: bic),
                serviceUserNumber: serviceUserNumber, updatedAt: proposedAt),
            status: status, proposedBy: proposedBy, proposedAt: proposedAt)
    }

    /// The payer's change waiting for a second person, if any (at most one: a unique index).
    static func pending(of payer: BatchPayer, _ db: Database) throws -> PayerAccountChangeRecord? {
        try PayerAccountChangeRecord.filter(PayerAccountChangeRecord.Columns.payerId == payer && PayerAccountChangeRecord.Columns.status == PayerAccountChange.Status.pending.rawValue)
            .fetchOne(db)
    }
}

struct PaymentBatchRecord: MarketRecord {
    static let databaseTableName = "payment_batch"
    var seq: Int64?
    var id: PaymentBatchID
    var payerKind: PayerKind
    var payerId: String
    var cutOffDate: CalendarDay
    var status: PaymentBatchStatus
    /// The payer's `PayerAccount` when the batch was made, as JSON.
    var originator: String
    var totalPence: Int64
    var paymentCount: Int
    /// `[HeldPayment]` as JSON.
    var held: String
    var createdBy: UserID
    var createdAt: Date
    var approvedBy: UserID?
    var approvedAt: Date?
    var exportedBy: UserID?
    var exportedAt: Date?
    var processingDate: CalendarDay?
    var paidBy: UserID?
    var paidAt: Date?
    var valueDate: CalendarDay?
    var cancelledBy: UserID?
    var cancelledAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, status, originator, held
        case payerKind = "payer_kind"
        case payerId = "payer_id"
        case cutOffDate = "cut_off_date"
        case totalPence = "total_pence"
        case paymentCount = "payment_count"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case approvedBy = "approved_by"
        case approvedAt = "approved_at"
        case exportedBy = "exported_by"
        case exportedAt = "exported_at"
        case processingDate = "processing_date"
        case paidBy = "paid_by"
        case paidAt = "paid_at"
        case valueDate = "value_date"
        case cancelledBy = "cancelled_by"
        case cancelledAt = "cancelled_at"
    }

    typealias Columns = CodingKeys

    var payer: BatchPayer {
        get throws {
            if payerKind == .council, let council = CouncilID(payerId) { return .council(council) }
            guard payerKind == .broker, let broker = OrganisationID(payerId) else {
                throw UnreadableRow(table: Self.databaseTableName, reason: "the payer \(payerId) is not a \(payerKind.rawValue)")
            }
            return .broker(broker)
        }
    }
}

struct PaymentRecord: MarketRecord {
    static let databaseTableName = "payment"
    var seq: Int64?
    var id: PaymentID
    var batchId: PaymentBatchID
    var providerId: OrganisationID
    var bankAccountId: BankAccountID
    var amountPence: Int64
    var reference: String
    var status: PaymentStatus
    var returnedReason: String?
    var returnedBy: UserID?
    var returnedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, reference, status
        case batchId = "batch_id"
        case providerId = "provider_id"
        case bankAccountId = "bank_account_id"
        case amountPence = "amount_pence"
        case returnedReason = "returned_reason"
        case returnedBy = "returned_by"
        case returnedAt = "returned_at"
    }

    typealias Columns = CodingKeys
}

struct PaymentItemRecord: MarketRecord {
    static let databaseTableName = "payment_item"
    var paymentId: PaymentID
    var invoiceId: InvoiceID
    var creditNoteId: CreditNoteID?
    var amountPence: Int64
    var live: Bool

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case live
        case paymentId = "payment_id"
        case invoiceId = "invoice_id"
        case creditNoteId = "credit_note_id"
        case amountPence = "amount_pence"
    }

    typealias Columns = CodingKeys
}

extension PaymentBatchStatus: DatabaseValueConvertible {}
extension PaymentStatus: DatabaseValueConvertible {}
extension BankFileFormat: DatabaseValueConvertible {}

extension PaymentBatchRecord {
    /// Writes a batch's status after one of the payer's steps (`PaymentBatch.applying`), with
    /// what the step decided, when (`now`), and by whom.
    static func write(_ batch: PaymentBatch, by user: UserID, at now: Date, _ db: Database) throws {
        let decision: [ColumnAssignment] = switch batch.status {
        case .draft: []
        case .approved: [Columns.approvedBy.set(to: batch.approvedBy), Columns.approvedAt.set(to: batch.approvedAt)]
        case .cancelled: [Columns.cancelledBy.set(to: user), Columns.cancelledAt.set(to: batch.cancelledAt)]
        case .exported: [Columns.exportedBy.set(to: user), Columns.exportedAt.set(to: batch.exportedAt),
                         Columns.processingDate.set(to: batch.processingDate)]
        case .paid: [Columns.paidBy.set(to: user), Columns.paidAt.set(to: now), Columns.valueDate.set(to: batch.valueDate)]
        }
        try filter(Columns.id == batch.id).updateAll(db, [Columns.status.set(to: batch.status)] + decision)
    }
}
