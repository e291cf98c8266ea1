import Foundation
import GRDB
import MarketCore

/// The accounts payers pay from: proposed by one of the payer's staff, confirmed by another.
extension PaymentStore {
    public func payerAccount(_ payer: BatchPayer, by policy: AccessPolicy) async throws -> PayerAccount {
        guard policy.maySeePayerAccount(payer) else { throw MarketError.notFound(resource: "payer account") }
        return try await database.read { db in
            guard let record = try PayerAccountRecord.fetchOne(db, key: payer.id) else { throw MarketError.notFound(resource: "payer account") }
            return record.account
        }
    }

    /// Proposes the account the caller's council or broker pays from, as its finance (or broker)
    /// staff. Nothing changes until another of the payer's staff confirms it
    /// (`confirmPayerAccount`); a new proposal supersedes one still pending.
    public func proposePayerAccount(_ account: PayerAccount, by policy: AccessPolicy) async throws -> PayerAccountChange {
        guard policy.maySeePayerAccount(account.payer) else { throw MarketError.notFound(resource: "payer account") }
        guard policy.batchPayer == account.payer else {
            throw MarketError.forbidden("only the payer's finance staff (a broker's staff) record the account it pays from")
        }
        try policy.requireRecentSecondFactor(for: "proposing the account a payer pays from")
        let user = policy.principal.userID
        let now = database.clock.now()
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE payer_account_change SET status = 'superseded', decided_by = ?, decided_at = ? WHERE payer_id = ? AND status = 'pending'",
                arguments: [user, now, account.payer])
            let change = PayerAccountChange(id: .random(), account: account, status: .pending, proposedBy: user, proposedAt: now)
            try PayerAccountChangeRecord(change).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: user, action: "payer_account.proposed", subjectType: "payer",
                subjectID: account.payer.id, details: ["change_id": change.id.rawValue, "sort_code": account.details.sortCode,
                                                      "account_ending": String(account.details.accountNumber.suffix(4)),
                                                      "service_user_number": account.serviceUserNumber])
            return change
        }
    }

    /// The payer's change still waiting for a second person, for its staff and platform admins.
    public func pendingPayerAccountChange(_ payer: BatchPayer, by policy: AccessPolicy) async throws -> PayerAccountChange {
        guard policy.maySeePayerAccount(payer) else { throw MarketError.notFound(resource: "payer account change") }
        return try await database.read { db in
            guard let record = try PayerAccountChangeRecord.pending(of: payer, db) else {
                throw MarketError.notFound(resource: "payer account change")
            }
            return record.change
        }
    }

    /// Puts the pending change `changeID` into effect, as a second person of the payer's staff
    /// (`FourEyes`: not its proposer, nor bound to them by an account's creation). Batches made
    /// from then on pay from it; batches already made keep the account they were made with.
    public func confirmPayerAccount(_ payer: BatchPayer, change changeID: PayerAccountChangeID, by policy: AccessPolicy) async throws -> PayerAccount {
        guard policy.maySeePayerAccount(payer) else { throw MarketError.notFound(resource: "payer account change") }
        guard policy.batchPayer == payer else {
            throw MarketError.forbidden("only the payer's finance staff confirm the account it pays from")
        }
        _ = try policy.authorizeConfirmingPayments()
        try policy.requireRecentSecondFactor(for: "confirming the account a payer pays from")
        let user = policy.principal.userID
        let now = database.clock.now()
        return try await database.write { db in
            guard let record = try PayerAccountChangeRecord.pending(of: payer, db) else {
                throw MarketError.notFound(resource: "payer account change")
            }
            guard record.id == changeID else {
                throw MarketError.conflict("change \(changeID.rawValue) is not the payer's pending change: \(record.id.rawValue) is")
            }
            try FourEyes.check(.fetch(user, db), confirming: .fetch(record.proposedBy, db), "proposed this account", at: now, coolingOff: self.coolingOff)
            try db.execute(
                sql: "UPDATE payer_account_change SET status = 'confirmed', decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [user, now, record.id])
            let account = PayerAccount(
                payer: payer, details: record.change.account.details, serviceUserNumber: record.serviceUserNumber, updatedAt: now)
            try PayerAccountRecord(account, by: user).save(db)
            try AuditEventRecord.append(
                db, at: now, actor: user, action: "payer_account.confirmed", subjectType: "payer", subjectID: payer.id,
                details: ["change_id": record.id.rawValue, "proposed_by": record.proposedBy.rawValue,
                          "account_ending": String(account.details.accountNumber.suffix(4))])
            return account
        }
    }
}
