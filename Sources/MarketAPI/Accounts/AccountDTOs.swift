import Foundation
import Hummingbird
import MarketCore

/// `GET /v1/me`, and the principal inside a login answer.
struct PrincipalResponse: ResponseEncodable, Sendable {
    let userId: UserID
    let email: String
    let displayName: String
    let role: Role
    let councilId: CouncilID?
    let organisationId: OrganisationID?
    /// Linked once budget holders exist as records (the budgets issue); `null` until then.
    let budgetHolderId: BudgetHolderID?

    init(_ user: User) {
        self.init(user.principal, displayName: user.displayName)
    }

    init(_ principal: Principal, displayName: String) {
        userId = principal.userID
        email = principal.email.value
        self.displayName = displayName
        role = principal.role
        councilId = principal.councilID
        organisationId = principal.organisationID
        budgetHolderId = nil
    }

    /// Absent values are sent as explicit `null`s, as API.md promises.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userId, forKey: .userId)
        try container.encode(email, forKey: .email)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(role, forKey: .role)
        try container.encode(councilId, forKey: .councilId)
        try container.encode(organisationId, forKey: .organisationId)
        try container.encode(budgetHolderId, forKey: .budgetHolderId)
    }

    enum CodingKeys: String, CodingKey {
        case userId, email, displayName, role, councilId, organisationId, budgetHolderId
    }
}

struct LoginRequest: Decodable {
    let email: String
    let password: String
}

struct TokenResponse: ResponseEncodable, Sendable {
    let token: String
    let tokenType = "Bearer"
    let expiresAt: Date
    let principal: PrincipalResponse

    init(_ issued: IssuedToken) {
        token = issued.token
        expiresAt = issued.expiresAt
        principal = PrincipalResponse(issued.user)
    }
}

struct CouncilResponse: ResponseEncodable, Sendable {
    let id: CouncilID
    let name: String
    let code: String
    let communityStaleAfterDays: Int
    let createdAt: Date

    init(_ council: Council) {
        id = council.id
        name = council.name
        code = council.code
        communityStaleAfterDays = council.communityStaleAfterDays
        createdAt = council.createdAt
    }
}

struct UpdateCouncilRequest: Decodable {
    let communityStaleAfterDays: Int?
}

struct CreateCouncilRequest: Decodable {
    let name: String
    let code: String
}

struct OrganisationResponse: ResponseEncodable, Sendable {
    let id: OrganisationID
    let kind: OrganisationKind
    let name: String
    let createdAt: Date

    init(_ organisation: Organisation) {
        id = organisation.id
        kind = organisation.kind
        name = organisation.name
        createdAt = organisation.createdAt
    }
}

struct CreateOrganisationRequest: Decodable {
    let kind: OrganisationKind
    let name: String
}

struct UserResponse: ResponseEncodable, Sendable {
    let id: UserID
    let email: String
    let displayName: String
    let role: Role
    let councilId: CouncilID?
    let organisationId: OrganisationID?
    let createdAt: Date

    init(_ user: User) {
        id = user.id
        email = user.email.value
        displayName = user.displayName
        role = user.role
        councilId = user.councilID
        organisationId = user.organisationID
        createdAt = user.createdAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(role, forKey: .role)
        try container.encode(councilId, forKey: .councilId)
        try container.encode(organisationId, forKey: .organisationId)
        try container.encode(createdAt, forKey: .createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, email, displayName, role, councilId, organisationId, createdAt
    }
}

struct CreateUserRequest: Decodable {
    let email: String
    let displayName: String
    let password: String
    let role: Role
    let councilId: CouncilID?
    let organisationId: OrganisationID?
}
