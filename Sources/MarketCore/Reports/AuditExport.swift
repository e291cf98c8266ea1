/// One money movement in the finance audit export: a ledger entry on a holder's stream, an
/// invoice issued, a credit note, or a payment made. Fields that do not apply are `nil`.
public struct AuditTransaction: Sendable, Equatable {
    public enum RecordType: String, Sendable, CaseIterable {
        case ledgerEntry = "ledger_entry"
        case invoice
        case creditNote = "credit_note"
        case payment
    }

    public var recordType: RecordType
    public var recordID: String
    /// A timestamp for ledger entries; the document's date for the others.
    public var occurred: String
    /// The ledger entry's kind, the invoice's status, or the payment's status.
    public var kind: String
    public var amountPence: Int64
    public var budgetHolderID: String?
    public var councilReference: String?
    public var streamID: String?
    public var fundingSource: String?
    public var managementOption: String?
    public var providerID: String?
    public var orderID: String?
    public var deliveryID: String?
    public var invoiceID: String?
    public var invoiceNumber: String?
    public var creditNoteID: String?
    public var paymentID: String?
    /// Who acted, and under which delegation (on the holder's behalf) where one was used.
    public var actorUserID: String?
    public var delegationID: String?

    public init(recordType: RecordType, recordID: String, occurred: String, kind: String, amountPence: Int64) {
        self.recordType = recordType
        self.recordID = recordID
        self.occurred = occurred
        self.kind = kind
        self.amountPence = amountPence
    }

    /// The CSV header, in the order of `fields`.
    public static let columns = [
        "record_type", "record_id", "occurred", "kind", "amount_pence", "budget_holder_id", "council_reference", "stream_id",
        "funding_source", "management_option", "provider_id", "order_id", "delivery_id", "invoice_id", "invoice_number",
        "credit_note_id", "payment_id", "actor_user_id", "delegation_id",
    ]

    /// The values in `columns` order, empty where they do not apply.
    public var fields: [String] {
        [
            recordType.rawValue, recordID, occurred, kind, String(amountPence), budgetHolderID ?? "", councilReference ?? "",
            streamID ?? "", fundingSource ?? "", managementOption ?? "", providerID ?? "", orderID ?? "", deliveryID ?? "",
            invoiceID ?? "", invoiceNumber ?? "", creditNoteID ?? "", paymentID ?? "", actorUserID ?? "", delegationID ?? "",
        ]
    }
}

extension AccessPolicy {
    /// The audit export of a council: its admins, commissioners and finance staff (platform
    /// admins any council's). Another council is `notFound`; other roles `forbidden`.
    public func authorizeAuditExport(of council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard principal.role == .platformAdmin || principal.role.isCouncilStaff else {
            throw .forbidden("only the council's staff export its money movements")
        }
    }
}
