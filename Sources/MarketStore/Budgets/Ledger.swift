import Foundation
import GRDB
import MarketCore

/// Who did something to a budget: the user, and the delegation they acted under when they
/// acted for someone else. Recorded on every ledger entry, audit event and order.
struct Acting: Sendable {
    let userID: UserID
    let delegationID: DelegationID?
    let holderID: BudgetHolderID

    /// Audit details naming on whose behalf, and under which delegation, the user acted.
    var auditDetails: [String: String] {
        var details = ["budget_holder_id": holderID.rawValue]
        if let delegationID { details["delegation_id"] = delegationID.rawValue }
        return details
    }
}

/// The one way money moves on a budget.
enum Ledger {
    /// Appends an entry of `kind` for `amount` pence to `stream`'s ledger, inside the caller's
    /// write transaction. The schema's trigger applies it to the stream's cached balance and its
    /// `CHECK` refuses any entry that would leave committed + spent above allocated, so that a
    /// bug here still cannot overspend. Announces `budget.low_balance` when the stream falls under
    /// 10% available. Returns the stream's new balance.
    @discardableResult
    static func post(
        _ kind: LedgerEntryKind, _ amount: Int64, to stream: FundingStreamRecord, order: OrderID? = nil,
        delivery: DeliveryID? = nil, acting: Acting?, at time: Date, _ db: Database
    ) throws -> StreamBalance {
        let change = BalanceChange.of(kind, amount)
        try LedgerEntryRecord(
            id: nil, streamId: stream.id, budgetHolderId: stream.budgetHolderId, kind: kind, amountPence: amount,
            allocatedChangePence: change.allocatedPence, committedChangePence: change.committedPence,
            spentChangePence: change.spentPence, orderId: order, deliveryId: delivery, actorUserId: acting?.userID,
            delegationId: acting?.delegationID, occurredAt: time
        ).insert(db)
        let before = stream.balance
        let after = before.applying(change)
        if after.isLow && !before.isLow {
            try OutboxEventRecord.append(db, .budgetLowBalance, at: time, payload: [
                "budget_holder_id": .string(stream.budgetHolderId.rawValue), "stream_id": .string(stream.id.rawValue),
                "allocated_pence": .integer(after.allocatedPence), "available_pence": .integer(after.availablePence),
            ], audience: try EventAudience().adding(holder: stream.budgetHolderId, on: CalendarDay(time), db)
                .adding(organisation: stream.managingOrganisationId))
        }
        return after
    }

    /// The stream, read inside the write transaction that is about to post to it.
    static func stream(_ id: FundingStreamID, _ db: Database) throws -> FundingStreamRecord {
        guard let stream = try FundingStreamRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM funding_stream WHERE id = ?"), arguments: [id])
        else {
            throw MarketError.notFound(resource: "funding stream")
        }
        return stream
    }
}

/// A caller's reach over one budget holder, read afresh in each request's transaction so that a
/// revoked or expired delegation stops working at once.
struct HolderAccess {
    let holder: BudgetHolder
    let policy: AccessPolicy
    /// The caller's active delegations from this holder.
    let delegations: [Delegation]

    /// Loads the holder and the caller's delegations from them; `notFound` unless the caller
    /// may at least see the holder.
    static func load(_ id: BudgetHolderID, policy: AccessPolicy, today: CalendarDay, _ db: Database) throws -> HolderAccess {
        guard let record = try BudgetHolderRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM budget_holder WHERE id = ?"), arguments: [id])
        else { throw MarketError.notFound(resource: "budget holder") }
        let principal = policy.principal
        let delegations = try DelegationRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM delegation WHERE budget_holder_id = ? AND revoked_at IS NULL
                AND (expires_on IS NULL OR expires_on >= ?) AND (grantee_user_id = ? OR grantee_organisation_id = ?)
            """), arguments: [id, today, principal.userID, principal.role == .broker ? principal.organisationID : nil]
        ).map { try $0.delegation }
        let access = HolderAccess(holder: record.holder, policy: policy, delegations: delegations)
        try policy.authorize(.view, over: access.holder, delegations: delegations)
        return access
    }

    var rights: HolderRights { policy.rights(over: holder, delegations: delegations) }

    /// Throws unless the caller has `needed`; returns who is acting, naming the delegation when
    /// the right comes from one rather than from the caller's own standing.
    func authorize(_ needed: HolderRights) throws -> Acting {
        try policy.authorize(needed, over: holder, delegations: delegations)
        let own = policy.rights(over: holder, delegations: [])
        let delegation = own.isSuperset(of: needed)
            ? nil
            : delegations.first { policy.rights(over: holder, delegations: [$0]).isSuperset(of: needed) }?.id
        return Acting(userID: policy.principal.userID, delegationID: delegation, holderID: holder.id)
    }
}
