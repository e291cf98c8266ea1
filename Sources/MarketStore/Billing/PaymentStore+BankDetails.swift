import Foundation
import GRDB
import MarketCore

/// Providers' bank details: entered by their staff, verified by each payer (four eyes).
extension PaymentStore {
    /// Every version of the provider's bank details, newest first. The provider's staff and
    /// platform admins see every payer's verifications; a payer sees its own.
    public func bankAccounts(of provider: OrganisationID, by policy: AccessPolicy) async throws -> [BankAccount] {
        try await database.read { db in
            try Self.authorizeBankDetails(of: provider, policy, db)
            return try Self.versions(of: provider, for: policy, db)
        }
    }

    /// A new version of the provider's bank details, as its staff (the same details again change
    /// nothing). From then on each payer holds the provider's payments until it has verified
    /// the new version; nothing is paid to an older one.
    public func changeBankAccount(
        _ details: BankDetails, of provider: OrganisationID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> BankAccount {
        try policy.authorizeBilling(as: provider)
        try policy.requireRecentSecondFactor(for: "changing bank details")
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM provider_store WHERE organisation_id = ?", arguments: [provider]) == true
            else { throw MarketError.notFound(resource: "provider") }
            let current = try BankAccountRecord.current(of: provider, db)
            // The same details again (a retry, a form saved twice) are no change to verify.
            if let current, current.details == details {
                return try Self.versions(of: provider, for: policy, db).first ?? current.account(verifications: [])
            }
            let version = (current?.version ?? 0) + 1
            let record = BankAccountRecord(
                id: .random(), providerId: provider, version: version, accountName: details.accountName, sortCode: details.sortCode,
                accountNumber: details.accountNumber, rollNumber: details.rollNumber, iban: details.iban, bic: details.bic,
                enteredBy: user, enteredAt: now)
            try record.insert(db)
            let summary: EventPayload = [
                "provider_id": .string(provider.rawValue), "bank_account_id": .string(record.id.rawValue), "version": .integer(Int64(version)),
            ]
            try AuditEventRecord.append(
                db, at: now, actor: user, action: EventType.bankAccountChanged.rawValue, subjectType: "provider",
                subjectID: provider.rawValue,
                details: summary.auditText.merging(["account_ending": String(details.accountNumber.suffix(4))]) { $1 })
            // The provider, and the councils and brokers who pay it and must verify the change.
            var audience = EventAudience.organisation(provider)
            for payer in try Row.fetchAll(db, sql: """
                SELECT DISTINCT payer_council_id, payer_organisation_id FROM invoice
                WHERE provider_id = ? AND payer_kind IN ('council', 'broker')
                """, arguments: [provider]) {
                audience = audience.adding(council: payer["payer_council_id"]).adding(organisation: payer["payer_organisation_id"])
            }
            try OutboxEventRecord.append(db, .bankAccountChanged, at: now, payload: summary, audience: audience)
            return record.account(verifications: [])
        }
    }

    /// Records that the caller's payer checked `version` (which must be the current one) with
    /// the provider, and how. The person who entered it never can (403, and a trigger).
    public func verifyBankAccount(
        of provider: OrganisationID, version: Int?, method: String?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> BankAccount {
        let payer = try policy.authorizeConfirmingPayments()
        var v = Validator()
        let method = v.text(method ?? "", "method", maxLength: 500)
        v.check(version.map { $0 >= 1 } ?? false, "version", "must be the version you checked, a whole number from 1")
        try v.throwIfInvalid()
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            try Self.authorizeBankDetails(of: provider, policy, db)
            try policy.requireRecentSecondFactor(for: "verifying bank details")
            guard let current = try BankAccountRecord.current(of: provider, db) else { throw MarketError.notFound(resource: "bank account") }
            guard current.version == version else {
                throw MarketError.conflict("version \(version ?? 0) is not the provider's current bank details: version \(current.version) is")
            }
            guard current.enteredBy != user else {
                throw MarketError.forbidden("the person who entered bank details can never verify them")
            }
            try FourEyes.check(.fetch(user, db), confirming: .fetch(current.enteredBy, db), "entered these bank details", at: now, coolingOff: self.coolingOff)
            let already = try BankAccountVerificationRecord.fetchOne(db, key: ["bank_account_id": current.id.rawValue, "payer_id": payer.id])
            if already == nil {
                try BankAccountVerificationRecord(
                    bankAccountId: current.id, payerId: payer, verifiedBy: user, verifiedAt: now, method: method
                ).insert(db)
                try AuditEventRecord.append(
                    db, at: now, actor: user, action: "bank_account.verified", subjectType: "provider", subjectID: provider.rawValue,
                    details: ["bank_account_id": current.id.rawValue, "version": String(current.version), "payer_id": payer.id,
                              "method": method])
            }
            guard let verified = try Self.versions(of: provider, for: policy, db).first else {
                throw MarketError.notFound(resource: "bank account")
            }
            return verified
        }
    }

    /// The provider's staff, platform admins, and the staff of a payer that has invoices from
    /// the provider see its bank details; everyone else gets 404.
    static func authorizeBankDetails(of provider: OrganisationID, _ policy: AccessPolicy, _ db: Database) throws {
        let principal = policy.principal
        let allowed: Bool
        switch principal.role {
        case .platformAdmin:
            allowed = try Bool.fetchOne(db, sql: "SELECT 1 FROM provider_store WHERE organisation_id = ?", arguments: [provider]) == true
        case .provider: allowed = principal.organisationID == provider
        default: allowed = try policy.batchPayer.map { try pays($0, provider, db) } ?? false
        }
        guard allowed else { throw MarketError.notFound(resource: "bank account") }
    }

    static func pays(_ payer: BatchPayer, _ provider: OrganisationID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT 1 FROM invoice WHERE provider_id = ? AND coalesce(payer_council_id, payer_organisation_id) = ? LIMIT 1
            """, arguments: [provider, payer.id]) == true
    }

    static func versions(of provider: OrganisationID, for policy: AccessPolicy, _ db: Database) throws -> [BankAccount] {
        let records = try BankAccountRecord.filter(BankAccountRecord.Columns.providerId == provider.rawValue).order(BankAccountRecord.Columns.version.desc).fetchAll(db)
        let ownPayer = [.platformAdmin, .provider].contains(policy.principal.role) ? nil : policy.batchPayer
        return try records.map { record in
            var request = BankAccountVerificationRecord.filter(BankAccountVerificationRecord.Columns.bankAccountId == record.id.rawValue)
            if let ownPayer { request = request.filter(BankAccountVerificationRecord.Columns.payerId == ownPayer) }
            return record.account(verifications: try request.order(BankAccountVerificationRecord.Columns.verifiedAt).fetchAll(db).map(\.verification))
        }
    }
}
