extension AccessPolicy {
    /// The publisher a new community resource is listed under: the caller's community organisation,
    /// or their council for council admins and commissioners. Everyone else may read, not publish.
    public func authorizePublishingCommunityResource() throws(MarketError) -> ResourcePublisher {
        switch principal.role {
        case .communityPublisher:
            if let organisation = principal.organisationID { return .organisation(organisation) }
        case .councilAdmin, .commissioner:
            if let council = principal.councilID { return .council(council) }
        default:
            break
        }
        throw .forbidden("only community publishers and council staff list community resources")
    }

    /// Which resources the caller maintains (edits, verifies, sees in the stale list).
    public var communityMaintenanceScope: CommunityMaintenanceScope {
        switch principal.role {
        case .platformAdmin:
            return .all
        case .communityPublisher:
            return principal.organisationID.map(CommunityMaintenanceScope.organisation) ?? .none
        case .councilAdmin, .commissioner:
            return principal.councilID.map(CommunityMaintenanceScope.council) ?? .none
        default:
            return .none
        }
    }

    /// Council admins (and platform admins) set their council's settings, such as the staleness window.
    public func authorizeChangingSettings(of council: CouncilID) throws(MarketError) {
        guard maySee(council: council) else { throw .notFound(resource: "council") }
        guard principal.role == .platformAdmin || principal.role == .councilAdmin else {
            throw .forbidden("only council admins change council settings")
        }
    }
}

/// The community resources a caller maintains.
public enum CommunityMaintenanceScope: Sendable, Equatable {
    case all
    case organisation(OrganisationID)
    /// Resources the council published, and those listed for its area.
    case council(CouncilID)
    case none

    public func contains(_ resource: CommunityResource) -> Bool {
        switch self {
        case .all: true
        case .organisation(let id): resource.publisher == .organisation(id)
        case .council(let id): resource.publisher == .council(id) || resource.councilID == id
        case .none: false
        }
    }
}
