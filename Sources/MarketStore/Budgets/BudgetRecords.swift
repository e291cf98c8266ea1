import Foundation
import GRDB
import MarketCore

struct BudgetHolderRecord: MarketRecord {
    static let databaseTableName = "budget_holder"
    var id: BudgetHolderID
    var displayName: String
    var councilId: CouncilID?
    var userId: UserID?
    var createdBy: UserID?
    var createdAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case displayName = "display_name"
        case councilId = "council_id"
        case userId = "user_id"
        case createdBy = "created_by"
        case createdAt = "created_at"
    }

    typealias Columns = CodingKeys

    /// Written out, not `Codable`: every request on a holder reads it.
    init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        displayName = try row.decode(forColumn: Columns.displayName)
        councilId = try row.decode(forColumn: Columns.councilId)
        userId = try row.decode(forColumn: Columns.userId)
        createdBy = try row.decode(forColumn: Columns.createdBy)
        createdAt = try row.decode(forColumn: Columns.createdAt)
    }

    init(_ holder: BudgetHolder, createdBy: UserID?) {
        id = holder.id
        displayName = holder.displayName
        councilId = holder.councilID
        userId = holder.userID
        self.createdBy = createdBy
        createdAt = holder.createdAt
    }

    var holder: BudgetHolder {
        BudgetHolder(id: id, displayName: displayName, councilID: councilId, userID: userId, createdAt: createdAt)
    }
}

struct FundingStreamRecord: MarketRecord {
    static let databaseTableName = "funding_stream"
    var seq: Int64?
    var id: FundingStreamID
    var budgetHolderId: BudgetHolderID
    var source: FundingSource
    var managementOption: ManagementOption
    var managingOrganisationId: OrganisationID?
    var fundHolder: FundHolder
    var periodFrom: CalendarDay
    var periodTo: CalendarDay
    var restrictedToCategories: [String]
    var allocatedPence: Int64
    var committedPence: Int64
    var spentPence: Int64
    var createdAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, source
        case budgetHolderId = "budget_holder_id"
        case managementOption = "management_option"
        case managingOrganisationId = "managing_organisation_id"
        case fundHolder = "fund_holder"
        case periodFrom = "period_from"
        case periodTo = "period_to"
        case restrictedToCategories = "restricted_to_categories"
        case allocatedPence = "allocated_pence"
        case committedPence = "committed_pence"
        case spentPence = "spent_pence"
        case createdAt = "created_at"
    }

    typealias Columns = CodingKeys

    /// Written out, not `Codable`: every order reads its stream.
    init(row: Row) throws {
        seq = try row.decode(forColumn: Columns.seq)
        id = try row.decode(forColumn: Columns.id)
        budgetHolderId = try row.decode(forColumn: Columns.budgetHolderId)
        source = try row.decode(forColumn: Columns.source)
        managementOption = try row.decode(forColumn: Columns.managementOption)
        managingOrganisationId = try row.decode(forColumn: Columns.managingOrganisationId)
        fundHolder = try row.decode(forColumn: Columns.fundHolder)
        periodFrom = try row.decode(forColumn: Columns.periodFrom)
        periodTo = try row.decode(forColumn: Columns.periodTo)
        restrictedToCategories = try JSONDecoder().decode([String].self, from: Data((row[Columns.restrictedToCategories] as String).utf8))
        allocatedPence = try row.decode(forColumn: Columns.allocatedPence)
        committedPence = try row.decode(forColumn: Columns.committedPence)
        spentPence = try row.decode(forColumn: Columns.spentPence)
        createdAt = try row.decode(forColumn: Columns.createdAt)
    }

    /// A new stream with a zero balance: its allocation arrives as its first ledger entry.
    init(_ new: NewFundingStream, id: FundingStreamID, holder: BudgetHolderID, at time: Date) {
        seq = nil
        self.id = id
        budgetHolderId = holder
        source = new.source
        managementOption = new.managementOption
        managingOrganisationId = new.managingOrganisationID
        fundHolder = new.fundHolder
        periodFrom = new.periodFrom
        periodTo = new.periodTo
        restrictedToCategories = new.restrictedToCategories
        allocatedPence = 0
        committedPence = 0
        spentPence = 0
        createdAt = time
    }

    var balance: StreamBalance {
        StreamBalance(allocatedPence: allocatedPence, committedPence: committedPence, spentPence: spentPence)
    }

    var stream: FundingStream {
        FundingStream(
            id: id, holderID: budgetHolderId, source: source, managementOption: managementOption,
            managingOrganisationID: managingOrganisationId, fundHolder: fundHolder, periodFrom: periodFrom, periodTo: periodTo,
            restrictedToCategories: restrictedToCategories, balance: balance, createdAt: createdAt)
    }
}

struct LedgerEntryRecord: MarketRecord {
    static let databaseTableName = "ledger_entry"
    var id: Int64?
    var streamId: FundingStreamID
    var budgetHolderId: BudgetHolderID
    var kind: LedgerEntryKind
    var amountPence: Int64
    var allocatedChangePence: Int64
    var committedChangePence: Int64
    var spentChangePence: Int64
    var orderId: OrderID?
    var deliveryId: DeliveryID?
    var actorUserId: UserID?
    var delegationId: DelegationID?
    var occurredAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, kind
        case streamId = "stream_id"
        case budgetHolderId = "budget_holder_id"
        case amountPence = "amount_pence"
        case allocatedChangePence = "allocated_change_pence"
        case committedChangePence = "committed_change_pence"
        case spentChangePence = "spent_change_pence"
        case orderId = "order_id"
        case deliveryId = "delivery_id"
        case actorUserId = "actor_user_id"
        case delegationId = "delegation_id"
        case occurredAt = "occurred_at"
    }

    typealias Columns = CodingKeys

    /// Written out, not `Codable`: every movement of money writes one.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.streamId] = streamId
        container[Columns.budgetHolderId] = budgetHolderId
        container[Columns.kind] = kind
        container[Columns.amountPence] = amountPence
        container[Columns.allocatedChangePence] = allocatedChangePence
        container[Columns.committedChangePence] = committedChangePence
        container[Columns.spentChangePence] = spentChangePence
        container[Columns.orderId] = orderId
        container[Columns.deliveryId] = deliveryId
        container[Columns.actorUserId] = actorUserId
        container[Columns.delegationId] = delegationId
        container[Columns.occurredAt] = occurredAt
    }

    var entry: LedgerEntry {
        LedgerEntry(
            id: id ?? 0, streamID: streamId, holderID: budgetHolderId, kind: kind, amountPence: amountPence, orderID: orderId,
            deliveryID: deliveryId, actorUserID: actorUserId, delegationID: delegationId, occurredAt: occurredAt)
    }
}

struct DelegationRecord: MarketRecord {
    static let databaseTableName = "delegation"
    var id: DelegationID
    var budgetHolderId: BudgetHolderID
    var granteeUserId: UserID?
    var granteeOrganisationId: OrganisationID?
    var mayOrder: Bool
    var mayApproveInvoices: Bool
    var expiresOn: CalendarDay?
    var grantedBy: UserID
    var grantedAt: Date
    var revokedAt: Date?
    var revokedBy: UserID?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case budgetHolderId = "budget_holder_id"
        case granteeUserId = "grantee_user_id"
        case granteeOrganisationId = "grantee_organisation_id"
        case mayOrder = "may_order"
        case mayApproveInvoices = "may_approve_invoices"
        case expiresOn = "expires_on"
        case grantedBy = "granted_by"
        case grantedAt = "granted_at"
        case revokedAt = "revoked_at"
        case revokedBy = "revoked_by"
    }

    typealias Columns = CodingKeys

    init(_ delegation: Delegation) {
        id = delegation.id
        budgetHolderId = delegation.holderID
        switch delegation.grantee {
        case .user(let user): granteeUserId = user
        case .organisation(let organisation): granteeOrganisationId = organisation
        }
        mayOrder = delegation.rights.contains(.order)
        mayApproveInvoices = delegation.rights.contains(.approveInvoices)
        expiresOn = delegation.expiresOn
        grantedBy = delegation.grantedBy
        grantedAt = delegation.grantedAt
        revokedAt = delegation.revokedAt
    }

    var delegation: Delegation {
        get throws {
            var rights: Set<DelegatedRight> = [.view]
            if mayOrder { rights.insert(.order) }
            if mayApproveInvoices { rights.insert(.approveInvoices) }
            guard let grantee = granteeOrganisationId.map(Grantee.organisation) ?? granteeUserId.map(Grantee.user) else {
                throw UnreadableRow(table: Self.databaseTableName, reason: "delegation \(id.rawValue) has no grantee")
            }
            return Delegation(
                id: id, holderID: budgetHolderId, grantee: grantee, rights: rights, expiresOn: expiresOn, grantedBy: grantedBy,
                grantedAt: grantedAt, revokedAt: revokedAt)
        }
    }
}

extension FundingSource: DatabaseValueConvertible {}
extension ManagementOption: DatabaseValueConvertible {}
extension FundHolder: DatabaseValueConvertible {}
extension LedgerEntryKind: DatabaseValueConvertible {}
