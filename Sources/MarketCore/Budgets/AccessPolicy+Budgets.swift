/// What a caller may do for one budget holder.
public struct HolderRights: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// See the holder, their budget, statement and orders.
    public static let view = HolderRights(rawValue: 1 << 0)
    /// Place, cancel, confirm and dispute orders for the holder.
    public static let order = HolderRights(rawValue: 1 << 1)
    public static let approveInvoices = HolderRights(rawValue: 1 << 2)
    /// Add funding streams and top them up.
    public static let manageFunding = HolderRights(rawValue: 1 << 3)
    /// Grant and revoke delegations.
    public static let manageDelegations = HolderRights(rawValue: 1 << 4)

    public static let owner: HolderRights = [.view, .order, .approveInvoices, .manageFunding, .manageDelegations]
}

/// The budget holders a caller can see; stores turn it into a `WHERE` clause.
public enum BudgetHolderScope: Sendable, Equatable {
    case all
    /// Holders funded by this council.
    case council(CouncilID)
    /// The holder linked to this user, and holders who delegated to the user or their broker
    /// organisation (active delegations only).
    case actingFor(user: UserID, broker: OrganisationID?)
    case none
}

/// The orders a caller can see; stores turn it into a `WHERE` clause.
public enum OrderScope: Sendable, Equatable {
    /// Orders of the budget holders the caller can see.
    case holders(BudgetHolderScope)
    /// Orders addressed to this provider.
    case provider(OrganisationID)
}

extension AccessPolicy {
    /// The caller's rights over `holder`. `delegations` are the holder's delegations that are
    /// active today and granted to the caller; the store fetches them on every request, so a
    /// revocation applies to the next one.
    ///
    /// - The holder's own account: everything. A self-funder also manages their own streams.
    /// - Council staff of the holder's council: view; admins and commissioners also add funding
    ///   and grant delegations (for someone who lacks capacity), finance adds funding.
    /// - Platform admins: view.
    /// - Delegates: what the delegation grants. Provider staff: nothing, ever.
    public func rights(over holder: BudgetHolder, delegations: [Delegation]) -> HolderRights {
        if let user = holder.userID, user == principal.userID {
            return holder.isSelfFunded ? .owner : HolderRights.owner.subtracting(.manageFunding)
        }
        var rights: HolderRights = []
        switch principal.role {
        case .platformAdmin:
            rights = [.view]
        case .councilAdmin, .commissioner, .finance:
            if let council = holder.councilID, council == principal.councilID {
                rights = principal.role == .finance ? [.view, .manageFunding] : [.view, .manageFunding, .manageDelegations]
            }
        case .provider:
            return []
        case .broker, .brokerFinance, .budgetHolder, .communityPublisher:
            break
        }
        for delegation in delegations where delegation.holderID == holder.id && delegation.isGranted(to: principal) {
            rights.insert(.view)
            if delegation.rights.contains(.order) { rights.insert(.order) }
            if delegation.rights.contains(.approveInvoices) { rights.insert(.approveInvoices) }
        }
        return rights
    }

    /// Throws unless the caller has `needed` over `holder`: `notFound` when they cannot even see
    /// the holder, `forbidden` when they can but may not do this.
    public func authorize(_ needed: HolderRights, over holder: BudgetHolder, delegations: [Delegation]) throws(MarketError) {
        let rights = rights(over: holder, delegations: delegations)
        guard rights.contains(.view) else { throw .notFound(resource: "budget holder") }
        guard rights.isSuperset(of: needed) else {
            throw .forbidden("you may not do this for this budget holder\(Self.describeMissing(needed.subtracting(rights)))")
        }
    }

    private static func describeMissing(_ missing: HolderRights) -> String {
        if missing.contains(.order) { return ": it needs a delegation with the order right" }
        if missing.contains(.manageFunding) { return ": only the council's staff manage a funded budget" }
        if missing.contains(.manageDelegations) { return ": only the holder or their council grants delegations" }
        return ""
    }

    public var budgetHolderScope: BudgetHolderScope {
        switch principal.role {
        case .platformAdmin: .all
        case .councilAdmin, .commissioner, .finance: principal.councilID.map(BudgetHolderScope.council) ?? .none
        case .broker: .actingFor(user: principal.userID, broker: principal.organisationID)
        case .budgetHolder: .actingFor(user: principal.userID, broker: nil)
        // A broker's finance staff pay its invoices; they do not act for its people.
        case .provider, .brokerFinance, .communityPublisher: .none
        }
    }

    public var orderScope: OrderScope {
        if principal.role == .provider, let provider = principal.organisationID { return .provider(provider) }
        return .holders(budgetHolderScope)
    }

    /// Who may register a budget holder: council admins and commissioners their council's funded
    /// holders (platform admins any council's); a budget-holder account without a council
    /// signs itself up as a self-funder. Returns the holder's council (`nil`: self-funded).
    public func authorizeRegisteringHolder(council requested: CouncilID?) throws(MarketError) -> CouncilID? {
        switch principal.role {
        case .platformAdmin:
            guard let requested else { throw .invalid("council_id", "is required") }
            return requested
        case .councilAdmin, .commissioner:
            if let requested, requested != principal.councilID { throw .notFound(resource: "council") }
            return principal.councilID
        case .budgetHolder where principal.councilID == nil:
            if requested != nil { throw .forbidden("a self-funder registers themselves, without a council") }
            return nil
        default:
            throw .forbidden("council admins and commissioners register funded budget holders; self-funders sign themselves up")
        }
    }

    /// Provider staff act on the orders addressed to their provider.
    public func authorizeFulfilling(orderFrom provider: OrganisationID) throws(MarketError) {
        guard principal.role == .provider, principal.organisationID == provider else {
            throw .forbidden("only the provider's staff accept, decline, record and void deliveries")
        }
    }
}
