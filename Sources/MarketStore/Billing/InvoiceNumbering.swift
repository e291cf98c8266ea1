import GRDB
import MarketCore

/// The next number of a provider's gapless sequence, taken in the caller's transaction: the
/// schema's triggers let the counter start at 1 and only ever step by one.
enum BillingSequence {
    enum Document: String { case invoice, creditNote = "credit_note" }

    static func next(_ document: Document, for provider: OrganisationID, _ db: Database) throws -> Int64 {
        guard let number = try Int64.fetchOne(db.cachedStatement(sql: """
            INSERT INTO billing_sequence (provider_id, document, last_number) VALUES (?, ?, 1)
            ON CONFLICT (provider_id, document) DO UPDATE SET last_number = last_number + 1
            RETURNING last_number
            """), arguments: [provider, document.rawValue])
        else { throw MarketError.conflict("the billing sequence could not be advanced") }
        return number
    }
}
