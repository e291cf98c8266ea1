/// What a user is, and therefore what they may reach. Every user has exactly one role.
public enum Role: String, Sendable, Codable, CaseIterable {
    case platformAdmin = "platform_admin"
    case councilAdmin = "council_admin"
    case commissioner
    case finance
    case provider
    case broker
    /// A broker organisation's finance staff: they alone approve its payment batches and confirm
    /// where its money goes, and only a platform admin grants the role.
    case brokerFinance = "broker_finance"
    case budgetHolder = "budget_holder"
    case communityPublisher = "community_publisher"

    /// Staff of one council: they must belong to a council and to no organisation.
    public var isCouncilStaff: Bool {
        switch self {
        case .councilAdmin, .commissioner, .finance: true
        default: false
        }
    }

    /// Roles that reach public money or many people's records sign in with a second factor
    /// (NCSC and the DSPT ask for MFA on privileged access); everyone else may enrol one.
    public var requiresSecondFactor: Bool {
        switch self {
        case .platformAdmin, .councilAdmin, .finance, .broker, .brokerFinance: true
        default: false
        }
    }

    /// Roles that confirm what another person did with a payer's money: approving its payment
    /// batches, verifying bank details, confirming its originating account (`FourEyes`).
    public var confirmsPayments: Bool {
        self == .finance || self == .brokerFinance
    }

    /// The roles an account of this role may be granted instead, keeping its home: a council's
    /// staff roles, or the roles of its kind of organisation. Platform admins and budget holders
    /// have none: their role does not change.
    public var rolesOfTheSameHome: [Role] {
        Role.allCases.filter { other in
            isCouncilStaff ? other.isCouncilStaff : (organisationKind != nil && other.organisationKind == organisationKind)
        }
    }

    /// Every council staff role.
    public static var councilStaff: [Role] { allCases.filter(\.isCouncilStaff) }

    /// The kind of organisation a user of this role must belong to, if any.
    public var organisationKind: OrganisationKind? {
        switch self {
        case .provider: .provider
        case .broker, .brokerFinance: .broker
        case .communityPublisher: .community
        default: nil
        }
    }
}

/// What an organisation does on the marketplace.
public enum OrganisationKind: String, Sendable, Codable, CaseIterable {
    case provider
    case community
    case broker
}
