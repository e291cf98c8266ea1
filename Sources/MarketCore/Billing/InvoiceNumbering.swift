/// How invoices and credit notes are numbered. Each provider has two gapless sequences (one for
/// invoices, one for credit notes), advanced in the transaction that issues the document
/// (`BillingSequence.next`, `MarketStore/Billing/InvoiceNumbering.swift`); the number is the
/// provider's prefix and the sequence, as these functions write it.
extension Invoice {
    /// `PREFIX-000001`: six digits, more when a provider passes a million.
    public static func number(prefix: String, _ sequence: Int64) -> String {
        let digits = String(sequence)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// `PREFIX-CN-000001`: credit notes have their own sequence.
    public static func creditNoteNumber(prefix: String, _ sequence: Int64) -> String {
        number(prefix: prefix + "-CN", sequence)
    }
}
