import Foundation
import GRDB
import MarketCore

/// The demo market's payer accounts and verified bank details.
extension PaymentStore {
    /// A provider's bank details as the demo market has them, and who verified them for which payer.
    struct SeedBankAccount: Sendable {
        let provider: OrganisationID
        let details: BankDetails
        let enteredBy: UserID
        let verifiedBy: [(user: UserID, method: String)]
    }

    /// Writes payers' accounts and providers' first bank details that are not there yet; each
    /// verifier verifies for the payer their role pays for. Returns how many accounts it wrote.
    func seed(payerAccounts: [PayerAccount], bankAccounts: [SeedBankAccount]) async throws -> Int {
        // The demo's details were entered and verified a month ago: past any new-details hold.
        let seededAt = database.clock.now().addingTimeInterval(-30 * 86_400)
        return try await database.write { db in
            guard let seeder = try UserID.fetchOne(db, sql: "SELECT id FROM user WHERE role = 'platform_admin' LIMIT 1") else { return 0 }
            for account in payerAccounts where try PayerAccountRecord.fetchOne(db, key: account.payer.id) == nil {
                try PayerAccountRecord(account, by: seeder).insert(db)
            }
            var written = 0
            for account in bankAccounts where try BankAccountRecord.current(of: account.provider, db) == nil {
                let details = account.details
                let record = BankAccountRecord(
                    id: .random(), providerId: account.provider, version: 1, accountName: details.accountName, sortCode: details.sortCode,
                    accountNumber: details.accountNumber, rollNumber: nil, iban: nil, bic: nil, enteredBy: account.enteredBy, enteredAt: seededAt)
                try record.insert(db)
                for (user, method) in account.verifiedBy {
                    let payer = try Row.fetchOne(db, sql: "SELECT role, council_id, organisation_id FROM user WHERE id = ?", arguments: [user])
                    guard let payer, let payerID: String = payer["role"] == "finance" ? payer["council_id"] : payer["organisation_id"],
                        let batchPayer = BatchPayer(id: payerID)
                    else { continue }
                    try BankAccountVerificationRecord(
                        bankAccountId: record.id, payerId: batchPayer, verifiedBy: user, verifiedAt: seededAt, method: method).insert(db)
                }
                written += 1
            }
            return written
        }
    }
}
