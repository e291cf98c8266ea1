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

    /// Written out, not `Codable`: every request on a holder reads it.
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        displayName = try row.decode(forColumn: "display_name")
        councilId = try row.decode(forColumn: "council_id")
        userId = try row.decode(forColumn: "user_id")
        createdBy = try row.decode(forColumn: "created_by")
        createdAt = try row.decode(forColumn: "created_at")
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

    /// Written out, not `Codable`: every order reads its stream.
    init(row: Row) throws {
        seq = try row.decode(forColumn: "seq")
        id = try row.decode(forColumn: "id")
        budgetHolderId = try row.decode(forColumn: "budget_holder_id")
        source = try row.decode(forColumn: "source")
        managementOption = try row.decode(forColumn: "management_option")
        managingOrganisationId = try row.decode(forColumn: "managing_organisation_id")
        fundHolder = try row.decode(forColumn: "fund_holder")
        periodFrom = try row.decode(forColumn: "period_from")
        periodTo = try row.decode(forColumn: "period_to")
        restrictedToCategories = try JSONDecoder().decode([String].self, from: Data((row["restricted_to_categories"] as String).utf8))
        allocatedPence = try row.decode(forColumn: "allocated_pence")
        committedPence = try row.decode(forColumn: "committed_pence")
        spentPence = try row.decode(forColumn: "spent_pence")
        createdAt = try row.decode(forColumn: "created_at")
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

    /// Written out, not `Codable`: every movement of money writes one.
    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["stream_id"] = streamId
        container["budget_holder_id"] = budgetHolderId
        container["kind"] = kind
        container["amount_pence"] = amountPence
        container["allocated_change_pence"] = allocatedChangePence
        container["committed_change_pence"] = committedChangePence
        container["spent_change_pence"] = spentChangePence
        container["order_id"] = orderId
        container["delivery_id"] = deliveryId
        container["actor_user_id"] = actorUserId
        container["delegation_id"] = delegationId
        container["occurred_at"] = occurredAt
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
