extension AccessPolicy {
    /// Whose prices the caller sees. Council staff and the budget holders a council funds see
    /// that council's agreed rates where one applies; everyone else, anonymous included, sees
    /// public prices and cannot learn that a rate exists. (Brokers will see a holder's council
    /// rates when they act for that holder under a delegation.)
    public var priceAudience: PriceAudience {
        switch principal.role {
        case .councilAdmin, .commissioner, .finance, .budgetHolder:
            principal.councilID.map(PriceAudience.council) ?? .publicPrices
        default:
            .publicPrices
        }
    }

    /// The provider whose catalogue the caller edits: their own organisation, for provider staff.
    public func authorizeCreatingOffering() throws(MarketError) -> OrganisationID {
        guard principal.role == .provider, let provider = principal.organisationID else {
            throw .forbidden("only provider staff create offerings")
        }
        return provider
    }

    /// Provider staff change their own store and offerings (platform admins any). Another
    /// provider's are `notFound`; roles that edit no catalogue are `forbidden`.
    public func authorizeEditingCatalogue(of provider: OrganisationID) throws(MarketError) {
        switch principal.role {
        case .platformAdmin:
            return
        case .provider:
            guard principal.organisationID == provider else { throw .notFound(resource: "provider") }
        default:
            throw .forbidden("only the provider's staff change its store and offerings")
        }
    }

    /// Drafts and unpublished offerings are seen by their provider's staff (and platform admins) only.
    public func maySeeUnpublished(of provider: OrganisationID) -> Bool {
        principal.role == .platformAdmin || (principal.role == .provider && principal.organisationID == provider)
    }

    /// Council admins and commissioners agree their council's rates (platform admins any council's).
    public func authorizeAgreeingRates(for council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard [.platformAdmin, .councilAdmin, .commissioner].contains(principal.role) else {
            throw .forbidden("only council admins and commissioners agree council rates")
        }
    }

    /// A council's staff read its whole private catalogue (platform admins any council's).
    public func authorizeReadingRates(of council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard principal.role == .platformAdmin || principal.role.isCouncilStaff else {
            throw .forbidden("only council staff read the council's rates")
        }
    }

    /// The council rates the caller may see at all.
    public var councilRateScope: CouncilRateScope {
        switch principal.role {
        case .platformAdmin:
            return .all
        case .provider:
            return principal.organisationID.map(CouncilRateScope.provider) ?? .none
        default:
            if case .council(let council) = priceAudience { return .council(council) }
            return .none
        }
    }
}

/// A set of council rates a caller can see; stores turn it into a `WHERE` clause.
public enum CouncilRateScope: Sendable, Equatable {
    case all
    /// Every council's rates for the provider's own offerings.
    case provider(OrganisationID)
    /// One council's rates, for its staff and the budget holders it funds.
    case council(CouncilID)
    case none

    public func contains(_ rate: CouncilRate) -> Bool {
        switch self {
        case .all: true
        case .provider(let provider): rate.providerID == provider
        case .council(let council): rate.councilID == council
        case .none: false
        }
    }
}
