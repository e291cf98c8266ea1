import Foundation
import GRDB
import MarketCore

/// Budget holders, their funding streams and ledgers, and the delegations that let others act
/// for them. Every change of money goes through `Ledger.post` in the change's one transaction.
public struct BudgetStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy) {
        self.database = database
        self.taxonomy = taxonomy
    }

    /// The day by the service's clock, for rules about dates (expiries, start dates).
    public var today: CalendarDay { database.today }

    // MARK: Holders

    /// Registers a holder: a council's staff register someone their council funds (optionally
    /// linking that person's own budget-holder account of the same council); a self-funder's
    /// account registers itself, once.
    public func registerHolder(
        _ new: NewBudgetHolder, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> BudgetHolder {
        let council = try policy.authorizeRegisteringHolder(council: new.councilID)
        let principal = policy.principal
        if council == nil, let other = new.userID, other != principal.userID {
            throw MarketError.invalid("user_id", "a self-funder registers their own account only")
        }
        let linked = council == nil ? principal.userID : new.userID
        let now = database.clock.now()
        let holder = BudgetHolder(id: .random(), displayName: new.displayName, councilID: council, userID: linked, createdAt: now)
        return try await database.write(as: principal.userID, idempotency: idempotency) { db in
            if let council, try !CouncilRecord.exists(db, key: council.rawValue) { throw MarketError.notFound(resource: "council") }
            if let linked {
                if try BudgetHolderRecord.filter(BudgetHolderRecord.Columns.userId == linked.rawValue).fetchCount(db) > 0 {
                    throw MarketError.conflict(council == nil
                        ? "you are already registered as a budget holder" : "this account is already linked to a budget holder")
                }
                let account = try UserRecord.fetchOne(db, key: linked.rawValue)
                guard account?.role == .budgetHolder, account?.councilId == council else {
                    throw MarketError.invalid("user_id", "must be a budget holder's account of the same council")
                }
            }
            try BudgetHolderRecord(holder, createdBy: principal.userID).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: principal.userID, action: "budget_holder.registered", subjectType: "budget_holder",
                subjectID: holder.id.rawValue)
            return holder
        }
    }

    public func holder(_ id: BudgetHolderID, by policy: AccessPolicy) async throws -> BudgetHolder {
        let today = self.today
        return try await database.read { db in try HolderAccess.load(id, policy: policy, today: today, db).holder }
    }

    /// The holder linked to a user's own account, if any (for `GET /v1/me`).
    public func holderID(linkedTo user: UserID) async throws -> BudgetHolderID? {
        try await database.read { db in
            try BudgetHolderRecord.filter(BudgetHolderRecord.Columns.userId == user.rawValue).fetchOne(db)?.id
        }
    }

    /// The holders the caller can see, by id.
    public func holders(by policy: AccessPolicy, page: PageRequest) async throws -> Page<BudgetHolder> {
        let request = BudgetHolderRecord.filter(policy.budgetHolderScope.contains(BudgetHolderRecord.Columns.id, today: today))
        return try await database.read { db in
            try request.fetchPage(page, by: BudgetHolderRecord.Columns.id, .ascending, key: \.id.rawValue, db)
        }.map(\.holder)
    }

    // MARK: Streams and balances

    /// Adds a funding stream with its first allocation (an `allocation` ledger entry), for
    /// council staff of the holder's council or a self-funder for themselves.
    public func addStream(
        _ new: NewFundingStream, to holderID: BudgetHolderID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> FundingStream {
        let now = database.clock.now()
        let today = self.today
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let access = try HolderAccess.load(holderID, policy: policy, today: today, db)
            let acting = try access.authorize(.manageFunding)
            try new.check(for: access.holder)
            if let organisation = new.managingOrganisationID, let kind = new.managementOption.managingOrganisationKind {
                guard try OrganisationRecord.filter(OrganisationRecord.Columns.id == organisation.rawValue && OrganisationRecord.Columns.kind == kind.rawValue)
                    .fetchCount(db) == 1
                else { throw MarketError.invalid("managing_organisation_id", "no \(kind.rawValue) organisation has this id") }
            }
            var stream = FundingStreamRecord(new, id: .random(), holder: holderID, at: now)
            try stream.insert(db)
            try Ledger.post(.allocation, new.allocationPence, to: stream, acting: acting, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: acting.userID, action: "funding_stream.added", subjectType: "funding_stream",
                subjectID: stream.id.rawValue,
                details: acting.auditDetails.merging(["allocation_pence": String(new.allocationPence)]) { $1 })
            stream = try Ledger.stream(stream.id, db)
            return stream.stream
        }
    }

    /// Adds money to a stream (an `allocation` entry).
    public func topUp(
        _ streamID: FundingStreamID, of holderID: BudgetHolderID, amountPence: Int64?, by policy: AccessPolicy,
        idempotency: IdempotencyKey?
    ) async throws -> FundingStream {
        var v = Validator()
        v.pence(amountPence, "amount_pence", in: Money.allocationRange)
        try v.throwIfInvalid()
        guard let amountPence else { throw MarketError.invalid("amount_pence", "is required") }
        let now = database.clock.now()
        let today = self.today
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let access = try HolderAccess.load(holderID, policy: policy, today: today, db)
            let acting = try access.authorize(.manageFunding)
            let stream = try Ledger.stream(streamID, db)
            guard stream.budgetHolderId == holderID else { throw MarketError.notFound(resource: "funding stream") }
            guard stream.allocatedPence <= Money.maximumAllocationPence - amountPence else {
                throw MarketError.invalid("amount_pence", "would take the stream over \(Money.describe(Money.maximumAllocationPence))")
            }
            try Ledger.post(.allocation, amountPence, to: stream, acting: acting, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: acting.userID, action: "funding_stream.topped_up", subjectType: "funding_stream",
                subjectID: streamID.rawValue, details: acting.auditDetails.merging(["amount_pence": String(amountPence)]) { $1 })
            return try Ledger.stream(streamID, db).stream
        }
    }

    /// The holder's streams, oldest first, with their balances.
    public func budget(of holderID: BudgetHolderID, by policy: AccessPolicy) async throws -> (BudgetHolder, [FundingStream]) {
        let today = self.today
        return try await database.read { db in
            let access = try HolderAccess.load(holderID, policy: policy, today: today, db)
            let streams = try FundingStreamRecord.filter(FundingStreamRecord.Columns.budgetHolderId == holderID.rawValue)
                .order(FundingStreamRecord.Columns.seq).fetchAll(db).map(\.stream)
            return (access.holder, streams)
        }
    }

    /// The holder's ledger entries, oldest first, optionally for one stream.
    public func statement(
        of holderID: BudgetHolderID, stream: FundingStreamID?, by policy: AccessPolicy, page: PageRequest
    ) async throws -> Page<LedgerEntry> {
        let today = self.today
        return try await database.read { db in
            _ = try HolderAccess.load(holderID, policy: policy, today: today, db)
            var request = LedgerEntryRecord.filter(LedgerEntryRecord.Columns.budgetHolderId == holderID)
            if let stream { request = request.filter(LedgerEntryRecord.Columns.streamId == stream) }
            return try request.fetchPage(page, by: LedgerEntryRecord.Columns.id, .ascending, key: \.id, db).map(\.entry)
        }
    }

    // MARK: Delegations

    /// Grants a delegation: the holder themself, or their council's admins and commissioners.
    /// The grantee is a broker organisation or a budget-holder account (a family member).
    public func grant(_ new: NewDelegation, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Delegation {
        let now = database.clock.now()
        let today = self.today
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let access = try HolderAccess.load(new.holderID, policy: policy, today: today, db)
            let acting = try access.authorize(.manageDelegations)
            switch new.grantee {
            case .organisation(let organisation):
                guard try OrganisationRecord.filter(OrganisationRecord.Columns.id == organisation.rawValue && OrganisationRecord.Columns.kind == "broker")
                    .fetchCount(db) == 1
                else { throw MarketError.invalid("grantee_organisation_id", "no broker organisation has this id") }
            case .user(let user):
                guard try UserRecord.fetchOne(db, key: user.rawValue)?.role == .budgetHolder else {
                    throw MarketError.invalid("grantee_user_id", "must be the account of a person (a budget-holder account)")
                }
                guard user != access.holder.userID else {
                    throw MarketError.invalid("grantee_user_id", "is the holder's own account")
                }
            }
            let delegation = Delegation(
                id: .random(), holderID: new.holderID, grantee: new.grantee, rights: new.rights, expiresOn: new.expiresOn,
                grantedBy: acting.userID, grantedAt: now, revokedAt: nil)
            try DelegationRecord(delegation).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: acting.userID, action: "delegation.granted", subjectType: "delegation",
                subjectID: delegation.id.rawValue,
                details: acting.auditDetails.merging(["rights": delegation.rights.map(\.rawValue).sorted().joined(separator: ",")]) { $1 })
            return delegation
        }
    }

    /// The delegations granted to the caller (or their broker organisation), and those of the
    /// holders the caller manages delegations for (their own budget; their council's holders),
    /// revoked ones included, by id.
    public func delegations(by policy: AccessPolicy, page: PageRequest) async throws -> Page<Delegation> {
        let principal = policy.principal
        typealias Columns = DelegationRecord.Columns
        var visible = Columns.granteeUserId == principal.userID
            || BudgetHolderRecord.select(BudgetHolderRecord.Columns.id)
                .filter(BudgetHolderRecord.Columns.userId == principal.userID).contains(Columns.budgetHolderId)
        if principal.role == .broker, let broker = principal.organisationID {
            visible = visible || Columns.granteeOrganisationId == broker
        }
        switch policy.budgetHolderScope {
        case .all, .council:
            visible = visible || policy.budgetHolderScope.contains(Columns.budgetHolderId, today: today)
        case .actingFor, .none:
            break
        }
        let request = DelegationRecord.filter(visible)
        return try await database.read { db in
            try request.fetchPage(page, by: Columns.id, .ascending, key: \.id.rawValue, db).map { try $0.delegation }
        }
    }

    /// Revokes a delegation at once: by whoever may grant it for the holder, or by the grantee
    /// giving it up. Revoking a revoked delegation changes nothing.
    public func revoke(_ id: DelegationID, by policy: AccessPolicy) async throws -> Delegation {
        let now = database.clock.now()
        let today = self.today
        return try await database.write { db in
            guard let record = try DelegationRecord.fetchOne(db, key: id.rawValue) else {
                throw MarketError.notFound(resource: "delegation")
            }
            var delegation = try record.delegation
            if !delegation.isGranted(to: policy.principal) {
                let access = try HolderAccess.load(record.budgetHolderId, policy: policy, today: today, db)
                _ = try access.authorize(.manageDelegations)
            }
            guard record.revokedAt == nil else { return delegation }
            try db.execute(
                sql: "UPDATE delegation SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                arguments: [now, policy.principal.userID, id])
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "delegation.revoked", subjectType: "delegation",
                subjectID: id.rawValue, details: ["budget_holder_id": record.budgetHolderId.rawValue])
            delegation = Delegation(
                id: delegation.id, holderID: delegation.holderID, grantee: delegation.grantee, rights: delegation.rights,
                expiresOn: delegation.expiresOn, grantedBy: delegation.grantedBy, grantedAt: delegation.grantedAt, revokedAt: now)
            return delegation
        }
    }
}

extension BudgetHolderScope {
    /// This scope as a condition on a column holding budget holder ids.
    func contains(_ column: some SQLExpressible, today: CalendarDay) -> SQLExpression {
        switch self {
        case .all:
            return true.sqlExpression
        case .council(let council):
            return BudgetHolderRecord.select(BudgetHolderRecord.Columns.id)
                .filter(BudgetHolderRecord.Columns.councilId == council).contains(column)
        case .actingFor(let user, let broker):
            let own = BudgetHolderRecord.select(BudgetHolderRecord.Columns.id).filter(BudgetHolderRecord.Columns.userId == user)
            let delegated = DelegationRecord.select(DelegationRecord.Columns.budgetHolderId)
                .active(on: today).granted(to: user, orTo: broker)
            return own.contains(column) || delegated.contains(column)
        case .none:
            return false.sqlExpression
        }
    }
}

extension DerivableRequest<DelegationRecord> {
    /// Delegations in force on `day`: not revoked, and not expired.
    func active(on day: CalendarDay) -> Self {
        filter(DelegationRecord.Columns.revokedAt == nil
            && (DelegationRecord.Columns.expiresOn == nil || DelegationRecord.Columns.expiresOn >= day))
    }

    /// Delegations to `user`, or to `broker` (their broker organisation, if they act for one).
    func granted(to user: UserID, orTo broker: OrganisationID?) -> Self {
        let toUser = DelegationRecord.Columns.granteeUserId == user
        // `== nil` would be `IS NULL`: every delegation to a person. Without a broker, only the user's.
        guard let broker else { return filter(toUser) }
        return filter(toUser || DelegationRecord.Columns.granteeOrganisationId == broker)
    }
}
