import Foundation
import GRDB
import MarketCore

extension BudgetStore {
    /// A demo budget holder, with their streams and delegations.
    public struct SeedHolder: Sendable {
        public let displayName: String
        public let councilID: CouncilID?
        public let userID: UserID?
        public let streams: [NewFundingStream]
        public let delegations: [(grantee: Grantee, rights: Set<DelegatedRight>)]

        public init(
            displayName: String, councilID: CouncilID?, userID: UserID?, streams: [NewFundingStream],
            delegations: [(grantee: Grantee, rights: Set<DelegatedRight>)]
        ) {
            self.displayName = displayName
            self.councilID = councilID
            self.userID = userID
            self.streams = streams
            self.delegations = delegations
        }
    }

    /// Writes demo holders that are not there yet (by linked account, else by name and council),
    /// each with its streams (allocated through the ledger) and delegations, in one transaction
    /// per holder. Returns how many it wrote.
    public func seed(_ holders: [SeedHolder]) async throws -> Int {
        let now = database.clock.now()
        var written = 0
        for seed in holders {
            let wrote = try await database.write { db in
                var existing = BudgetHolderRecord.filter(BudgetHolderRecord.Columns.displayName == seed.displayName)
                    .filter(BudgetHolderRecord.Columns.councilId == seed.councilID?.rawValue)
                if let user = seed.userID { existing = BudgetHolderRecord.filter(BudgetHolderRecord.Columns.userId == user.rawValue) }
                guard try existing.fetchCount(db) == 0 else { return false }
                let holder = BudgetHolder(
                    id: .random(), displayName: seed.displayName, councilID: seed.councilID, userID: seed.userID, createdAt: now)
                try BudgetHolderRecord(holder, createdBy: nil).insert(db)
                for new in seed.streams {
                    try new.check(for: holder)
                    let stream = FundingStreamRecord(new, id: .random(), holder: holder.id, at: now)
                    try stream.insert(db)
                    try Ledger.post(.allocation, new.allocationPence, to: stream, acting: nil, at: now, db)
                }
                for delegation in seed.delegations {
                    try DelegationRecord(Delegation(
                        id: .random(), holderID: holder.id, grantee: delegation.grantee, rights: delegation.rights,
                        expiresOn: nil, grantedBy: seed.userID ?? Self.seedGrantor(holder, db), grantedAt: now, revokedAt: nil)
                    ).insert(db)
                }
                return true
            }
            if wrote { written += 1 }
        }
        return written
    }

    /// For a holder without an account, the council's first admin grants the demo delegations.
    private static func seedGrantor(_ holder: BudgetHolder, _ db: Database) throws -> UserID {
        guard let admin = try UserID.fetchOne(db, sql: """
            SELECT id FROM user WHERE council_id = ? AND role = 'council_admin' ORDER BY created_at LIMIT 1
            """, arguments: [holder.councilID])
        else { throw MarketError.invalid("budget_holders", "\(holder.displayName)'s council needs an admin to grant delegations") }
        return admin
    }
}
