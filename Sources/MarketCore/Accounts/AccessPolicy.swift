/// The one place that decides what a principal may see and change. Handlers and stores ask it;
/// they never improvise a scope check.
///
/// Rule of thumb: a resource outside the caller's reach is `notFound` (its existence is not
/// leaked); a resource in reach that the caller may not change is `forbidden`.
public struct AccessPolicy: Sendable {
    public let principal: Principal
    /// Whether the session passed its second factor recently enough to move money or change access.
    public let secondFactor: SecondFactorStanding

    public init(_ principal: Principal, secondFactor: SecondFactorStanding = .notPassed) {
        self.principal = principal
        self.secondFactor = secondFactor
    }

    /// Throws `secondFactorRequired` unless the session passed its second factor recently
    /// (RFC 9470 step-up). Asked after the scope checks, so that a caller who may not take the
    /// action at all hears 404 or 403, not an invitation to step up. `action` reads
    /// "approving a payment batch".
    public func requireRecentSecondFactor(for action: String) throws(MarketError) {
        guard !secondFactor.passedRecently else { return }
        let minutes = Int(secondFactor.maximumAge / 60)
        throw .secondFactorRequired(
            "\(action) needs a second factor passed in the last \(minutes) minutes", maximumAge: Int(secondFactor.maximumAge))
    }

    // MARK: Councils

    /// Which councils the caller can see.
    public var councilScope: CouncilScope {
        if principal.role == .platformAdmin { return .all }
        if let council = principal.councilID { return .only(council) }
        return .none
    }

    public func maySee(council: CouncilID) -> Bool {
        councilScope.contains(council)
    }

    // MARK: Users

    /// Which users the caller can see.
    public var userScope: UserScope {
        switch principal.role {
        case .platformAdmin:
            return .all
        case .councilAdmin:
            return principal.councilID.map(UserScope.councilStaff) ?? .only(principal.userID)
        case .provider, .broker, .brokerFinance, .communityPublisher:
            return principal.organisationID.map(UserScope.organisation) ?? .only(principal.userID)
        case .commissioner, .finance, .budgetHolder:
            return .only(principal.userID)
        }
    }

    public func maySee(_ user: User) -> Bool {
        userScope.contains(user)
    }

    /// Throws unless the caller may grant `role` (by an invitation or a change of role) to an
    /// account of this council and organisation. The one rule for who grants what:
    /// - a council's finance role only by that council's admins, never the platform's operator;
    /// - a broker's finance role only by platform admins, never the broker's own staff;
    /// - other council staff roles by the council's admins (or platform admins);
    /// - organisation staff add colleagues with their own role to their own organisation;
    /// - nobody else grants anything.
    public func authorizeGranting(role: Role, councilID: CouncilID?, organisationID: OrganisationID?) throws(MarketError) {
        switch principal.role {
        case .platformAdmin:
            guard role != .finance else {
                throw .forbidden("a council's finance staff are created by that council's admins, not by platform admins")
            }
        case .councilAdmin:
            if let councilID, councilID != principal.councilID { throw .notFound(resource: "council") }
            guard role.isCouncilStaff else {
                throw .forbidden("council admins create council staff only")
            }
        case .provider, .broker, .communityPublisher:
            if let organisationID, organisationID != principal.organisationID {
                throw .notFound(resource: "organisation")
            }
            guard role != .brokerFinance else {
                throw .forbidden("a broker's finance staff are granted their role by a platform admin, not by the broker's own staff")
            }
            guard role == principal.role else {
                throw .forbidden("organisation staff add colleagues with their own role only")
            }
        case .commissioner, .finance, .brokerFinance, .budgetHolder:
            throw .forbidden("this role cannot create users")
        }
    }

    /// Throws unless the caller may disable, re-enable or reset the second factor of `user`:
    /// platform admins for anyone, council admins for their own council's staff; nobody for
    /// themselves (another admin does that, so that one account cannot undo its own lock-out).
    public func authorizeManaging(_ user: User) throws(MarketError) {
        guard maySee(user) else { throw .notFound(resource: "user") }
        guard user.id != principal.userID else {
            throw .forbidden("another admin manages your own account")
        }
        switch principal.role {
        case .platformAdmin:
            return
        case .councilAdmin where user.councilID == principal.councilID && user.role.isCouncilStaff:
            return
        default:
            throw .forbidden("only platform admins and a council's admins manage accounts")
        }
    }

    /// Whose security events the caller reads: platform admins everyone's (refused sign-ins of
    /// unknown emails too), a council's admins those of their council's people; nobody else.
    public func authorizeReadingSecurityEvents() throws(MarketError) -> CouncilScope {
        switch principal.role {
        case .platformAdmin: return .all
        case .councilAdmin: return principal.councilID.map(CouncilScope.only) ?? .none
        default: throw .forbidden("only platform admins and a council's admins read the security audit")
        }
    }

    // MARK: Platform

    /// Onboarding councils and organisations is the platform operator's job.
    public func authorizePlatformAdministration() throws(MarketError) {
        guard principal.role == .platformAdmin else {
            throw .forbidden("only platform admins onboard councils and organisations")
        }
    }
}

/// A set of councils a caller can see.
public enum CouncilScope: Sendable, Equatable {
    case all
    case only(CouncilID)
    case none

    public func contains(_ council: CouncilID) -> Bool {
        switch self {
        case .all: true
        case .only(let id): id == council
        case .none: false
        }
    }
}

/// A set of users a caller can see; stores turn it into a `WHERE` clause.
public enum UserScope: Sendable, Equatable {
    case all
    /// The council's staff (council admin, commissioners, finance).
    case councilStaff(CouncilID)
    case organisation(OrganisationID)
    case only(UserID)

    public func contains(_ user: User) -> Bool {
        switch self {
        case .all: true
        case .councilStaff(let council): user.role.isCouncilStaff && user.councilID == council
        case .organisation(let organisation): user.organisationID == organisation
        case .only(let id): user.id == id
        }
    }
}
