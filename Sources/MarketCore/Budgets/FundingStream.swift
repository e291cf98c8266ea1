import Foundation

/// Where a stream's money comes from. Kept as data, because sources come and go (the ILF closed).
public enum FundingSource: String, Sendable, Codable, CaseIterable {
    case adultSocialCare = "adult_social_care"
    case childrensServices = "childrens_services"
    /// An NHS personal health budget or continuing healthcare.
    case nhsHealth = "nhs_health"
    case independentLivingFund = "independent_living_fund"
    case supportingPeople = "supporting_people"
    case disabledFacilitiesGrant = "disabled_facilities_grant"
    case ownContribution = "own_contribution"
    case other
}

/// How a stream is managed, and by whom.
public enum ManagementOption: String, Sendable, Codable, CaseIterable {
    /// Paid to the person, who pays providers.
    case directPayment = "direct_payment"
    /// Held by the council, which pays providers.
    case councilManaged = "council_managed"
    /// Held by a broker organisation (a "Budget Minder"), which pays providers.
    case managedAccount = "managed_account"
    /// Held by one provider for the person (an individual service fund).
    case individualServiceFund = "individual_service_fund"

    /// The kind of organisation that must be named as managing the stream, if any.
    public var managingOrganisationKind: OrganisationKind? {
        switch self {
        case .managedAccount: .broker
        case .individualServiceFund: .provider
        case .directPayment, .councilManaged: nil
        }
    }
}

/// Who pays the invoices a stream is charged for.
public enum FundHolder: String, Sendable, Codable, CaseIterable {
    case council
    case broker
    case holder
}

/// A stream's balance: allocated, committed (reserved by open orders), spent (confirmed
/// deliveries) and what is left.
///
/// Invariant (a `CHECK` in the schema): committed and spent are never negative and never add up to
/// more than allocated, so `availablePence` is never negative.
public struct StreamBalance: Sendable, Equatable, Codable {
    public var allocatedPence: Int64
    public var committedPence: Int64
    public var spentPence: Int64

    public init(allocatedPence: Int64 = 0, committedPence: Int64 = 0, spentPence: Int64 = 0) {
        self.allocatedPence = allocatedPence
        self.committedPence = committedPence
        self.spentPence = spentPence
    }

    public var availablePence: Int64 { allocatedPence - committedPence - spentPence }

    /// Under 10% of the allocation is available: the point at which holders and councils are told.
    public var isLow: Bool { allocatedPence > 0 && availablePence * 10 < allocatedPence }

    public func applying(_ change: BalanceChange) -> StreamBalance {
        StreamBalance(
            allocatedPence: allocatedPence + change.allocatedPence, committedPence: committedPence + change.committedPence,
            spentPence: spentPence + change.spentPence)
    }

    /// The sum of several balances, for a budget's totals.
    public static func total(_ balances: [StreamBalance]) -> StreamBalance {
        balances.reduce(StreamBalance()) { $0.applying(BalanceChange($1)) }
    }
}

/// One funding stream of a holder's individual budget.
public struct FundingStream: Sendable, Equatable, Codable {
    public let id: FundingStreamID
    public let holderID: BudgetHolderID
    public let source: FundingSource
    public let managementOption: ManagementOption
    /// The broker (managed account) or provider (individual service fund) that holds the money.
    public let managingOrganisationID: OrganisationID?
    public let fundHolder: FundHolder
    public let periodFrom: CalendarDay
    public let periodTo: CalendarDay
    /// Categories (with their sub-categories) this stream may pay for; empty: any.
    public let restrictedToCategories: [String]
    public let balance: StreamBalance
    public let createdAt: Date

    public init(
        id: FundingStreamID, holderID: BudgetHolderID, source: FundingSource, managementOption: ManagementOption,
        managingOrganisationID: OrganisationID?, fundHolder: FundHolder, periodFrom: CalendarDay, periodTo: CalendarDay,
        restrictedToCategories: [String], balance: StreamBalance, createdAt: Date
    ) {
        self.id = id
        self.holderID = holderID
        self.source = source
        self.managementOption = managementOption
        self.managingOrganisationID = managingOrganisationID
        self.fundHolder = fundHolder
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.restrictedToCategories = restrictedToCategories
        self.balance = balance
        self.createdAt = createdAt
    }

    /// Whether this stream may pay for `category` (a leaf such as `personal-care.home-care`):
    /// unrestricted, or the category is one of the allowed ones or below one.
    public func permits(category: String) -> Bool {
        restrictedToCategories.isEmpty
            || restrictedToCategories.contains { category == $0 || category.hasPrefix($0 + ".") }
    }

    /// Whether every day from `first` to `last` is within the stream's period.
    public func covers(from first: CalendarDay, to last: CalendarDay) -> Bool { periodFrom <= first && last <= periodTo }
}

/// A new funding stream, checked against every rule that needs no database.
public struct NewFundingStream: Sendable, Equatable {
    public let source: FundingSource
    public let managementOption: ManagementOption
    public let managingOrganisationID: OrganisationID?
    public let fundHolder: FundHolder
    public let periodFrom: CalendarDay
    public let periodTo: CalendarDay
    public let restrictedToCategories: [String]
    public let allocationPence: Int64

    public init(
        source: FundingSource?, managementOption: ManagementOption?, managingOrganisationID: OrganisationID?,
        fundHolder: FundHolder?, periodFrom: CalendarDay?, periodTo: CalendarDay?, restrictedToCategories: [String]?,
        allocationPence: Int64?, taxonomy: CategoryTaxonomy
    ) throws(MarketError) {
        var v = Validator()
        v.check(source != nil, "source", "is required: one of \(FundingSource.allCases.map(\.rawValue).joined(separator: ", "))")
        v.check(managementOption != nil, "management_option",
                "is required: one of \(ManagementOption.allCases.map(\.rawValue).joined(separator: ", "))")
        v.check(fundHolder != nil, "fund_holder", "is required: one of \(FundHolder.allCases.map(\.rawValue).joined(separator: ", "))")
        v.check(periodFrom != nil, "period_from", "is required")
        v.check(periodTo != nil, "period_to", "is required")
        if let periodFrom, let periodTo { v.check(periodFrom <= periodTo, "period_to", "must not be before period_from") }
        v.pence(allocationPence, "allocation_pence", in: Money.allocationRange)
        if let managementOption {
            if let kind = managementOption.managingOrganisationKind {
                v.check(managingOrganisationID != nil, "managing_organisation_id",
                        "is required for \(managementOption.rawValue): the \(kind.rawValue) that holds the money")
            } else {
                v.check(managingOrganisationID == nil, "managing_organisation_id",
                        "is only for managed_account and individual_service_fund")
            }
            if fundHolder == .broker { v.check(managementOption == .managedAccount, "fund_holder", "is broker only for a managed_account") }
        }
        var categories: [String] = []
        for (index, category) in (restrictedToCategories ?? []).enumerated() {
            if taxonomy.category(category) == nil {
                v.add("restricted_to_categories[\(index)]", "'\(category)' is not a category")
            } else if !categories.contains(category) {
                categories.append(category)
            }
        }
        v.check(categories.count <= 50, "restricted_to_categories", "must list at most 50 categories")
        try v.throwIfInvalid()
        guard let source, let managementOption, let fundHolder, let periodFrom, let periodTo, let allocationPence else {
            throw .invalid("body", "is incomplete")
        }
        self.source = source
        self.managementOption = managementOption
        self.managingOrganisationID = managingOrganisationID
        self.fundHolder = fundHolder
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.restrictedToCategories = categories
        self.allocationPence = allocationPence
    }

    /// The rules that depend on whose stream it is: a self-funder has no council to hold,
    /// manage or pay for it.
    public func check(for holder: BudgetHolder) throws(MarketError) {
        guard holder.isSelfFunded else { return }
        var v = Validator()
        v.check(managementOption != .councilManaged, "management_option", "a self-funder has no council to manage it")
        v.check(fundHolder != .council, "fund_holder", "a self-funder has no council to pay")
        try v.throwIfInvalid()
    }
}
