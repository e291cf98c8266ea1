/// The one place that decides what a principal may see and change. Handlers and stores ask it;
/// they never improvise a scope check.
///
/// Rule of thumb: a resource outside the caller's reach is `notFound` (its existence is not
/// leaked); a resource in reach that the caller may not change is `forbidden`.
public struct AccessPolicy: Sendable {
    public let principal: Principal

    public init(_ principal: Principal) {
        self.principal = principal
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
        case .provider, .broker, .communityPublisher:
            return principal.organisationID.map(UserScope.organisation) ?? .only(principal.userID)
        case .commissioner, .finance, .budgetHolder:
            return .only(principal.userID)
        }
    }

    public func maySee(_ user: User) -> Bool {
        userScope.contains(user)
    }

    /// Throws unless the caller may create a user with this role, council and organisation.
    /// Platform admins create anyone; council admins create their own council's staff;
    /// organisation staff add colleagues with their own role to their own organisation.
    public func authorizeCreatingUser(role: Role, councilID: CouncilID?, organisationID: OrganisationID?) throws(MarketError) {
        switch principal.role {
        case .platformAdmin:
            // A council's finance staff verify bank details and approve its payments: only the
            // council's own admins grant that role, never the platform's operator.
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
            guard role == principal.role else {
                throw .forbidden("organisation staff add colleagues with their own role only")
            }
        case .commissioner, .finance, .budgetHolder:
            throw .forbidden("this role cannot create users")
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
