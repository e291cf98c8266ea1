import Foundation
import Hummingbird
import MarketCore

struct BudgetHolderResponse: ResponseEncodable, Sendable {
    let id: BudgetHolderID
    let displayName: String
    let councilId: Nullable<CouncilID>
    let userId: Nullable<UserID>
    let selfFunded: Bool
    let createdAt: Date

    init(_ holder: BudgetHolder) {
        id = holder.id
        displayName = holder.displayName
        councilId = Nullable(holder.councilID)
        userId = Nullable(holder.userID)
        selfFunded = holder.isSelfFunded
        createdAt = holder.createdAt
    }
}

struct RegisterBudgetHolderRequest: Decodable {
    let displayName: String?
    let councilId: CouncilID?
    let userId: UserID?
}

/// Allocated, committed, spent and available pence.
struct BalanceResponse: Encodable, Sendable {
    let allocatedPence: Int64
    let committedPence: Int64
    let spentPence: Int64
    let availablePence: Int64

    init(_ balance: StreamBalance) {
        allocatedPence = balance.allocatedPence
        committedPence = balance.committedPence
        spentPence = balance.spentPence
        availablePence = balance.availablePence
    }
}

struct FundingStreamResponse: ResponseEncodable, Sendable {
    let id: FundingStreamID
    let budgetHolderId: BudgetHolderID
    let source: FundingSource
    let managementOption: ManagementOption
    let managingOrganisationId: Nullable<OrganisationID>
    let fundHolder: FundHolder
    let periodFrom: CalendarDay
    let periodTo: CalendarDay
    let restrictedToCategories: [String]
    let allocatedPence: Int64
    let committedPence: Int64
    let spentPence: Int64
    let availablePence: Int64
    /// Under 10% of the allocation is available.
    let lowBalance: Bool
    let createdAt: Date

    init(_ stream: FundingStream) {
        id = stream.id
        budgetHolderId = stream.holderID
        source = stream.source
        managementOption = stream.managementOption
        managingOrganisationId = Nullable(stream.managingOrganisationID)
        fundHolder = stream.fundHolder
        periodFrom = stream.periodFrom
        periodTo = stream.periodTo
        restrictedToCategories = stream.restrictedToCategories
        allocatedPence = stream.balance.allocatedPence
        committedPence = stream.balance.committedPence
        spentPence = stream.balance.spentPence
        availablePence = stream.balance.availablePence
        lowBalance = stream.balance.isLow
        createdAt = stream.createdAt
    }
}

struct BudgetResponse: ResponseEncodable, Sendable {
    let budgetHolderId: BudgetHolderID
    let streams: [FundingStreamResponse]
    let totals: BalanceResponse

    init(holder: BudgetHolder, streams: [FundingStream]) {
        budgetHolderId = holder.id
        self.streams = streams.map(FundingStreamResponse.init)
        totals = BalanceResponse(StreamBalance.total(streams.map(\.balance)))
    }
}

struct AddFundingStreamRequest: Decodable {
    let source: FundingSource?
    let managementOption: ManagementOption?
    let managingOrganisationId: OrganisationID?
    let fundHolder: FundHolder?
    let periodFrom: CalendarDay?
    let periodTo: CalendarDay?
    let restrictedToCategories: [String]?
    let allocationPence: Int64?
}

struct TopUpRequest: Decodable {
    let amountPence: Int64?
}

struct LedgerEntryResponse: ResponseEncodable, Sendable {
    let id: Int64
    let streamId: FundingStreamID
    let kind: LedgerEntryKind
    let amountPence: Int64
    let allocatedChangePence: Int64
    let committedChangePence: Int64
    let spentChangePence: Int64
    let orderId: Nullable<OrderID>
    let deliveryId: Nullable<DeliveryID>
    /// Who acted, and the delegation they acted under when they acted for the holder.
    let actorUserId: Nullable<UserID>
    let delegationId: Nullable<DelegationID>
    let occurredAt: Date

    init(_ entry: LedgerEntry) {
        id = entry.id
        streamId = entry.streamID
        kind = entry.kind
        amountPence = entry.amountPence
        allocatedChangePence = entry.change.allocatedPence
        committedChangePence = entry.change.committedPence
        spentChangePence = entry.change.spentPence
        orderId = Nullable(entry.orderID)
        deliveryId = Nullable(entry.deliveryID)
        actorUserId = Nullable(entry.actorUserID)
        delegationId = Nullable(entry.delegationID)
        occurredAt = entry.occurredAt
    }
}

struct DelegationResponse: ResponseEncodable, Sendable {
    let id: DelegationID
    let budgetHolderId: BudgetHolderID
    let granteeOrganisationId: Nullable<OrganisationID>
    let granteeUserId: Nullable<UserID>
    let rights: [DelegatedRight]
    let expiresOn: Nullable<CalendarDay>
    let grantedBy: UserID
    let grantedAt: Date
    let revokedAt: Nullable<Date>

    init(_ delegation: Delegation) {
        id = delegation.id
        budgetHolderId = delegation.holderID
        switch delegation.grantee {
        case .organisation(let organisation):
            granteeOrganisationId = Nullable(organisation)
            granteeUserId = Nullable(nil)
        case .user(let user):
            granteeOrganisationId = Nullable(nil)
            granteeUserId = Nullable(user)
        }
        rights = DelegatedRight.allCases.filter(delegation.rights.contains)
        expiresOn = Nullable(delegation.expiresOn)
        grantedBy = delegation.grantedBy
        grantedAt = delegation.grantedAt
        revokedAt = Nullable(delegation.revokedAt)
    }
}

struct GrantDelegationRequest: Decodable {
    let budgetHolderId: BudgetHolderID?
    let granteeOrganisationId: OrganisationID?
    let granteeUserId: UserID?
    let rights: [String]?
    let expiresOn: CalendarDay?
}
