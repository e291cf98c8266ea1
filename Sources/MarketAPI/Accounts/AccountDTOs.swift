import Foundation
import Hummingbird
import MarketCore

/// `GET /v1/me`, and the principal inside a login answer.
struct PrincipalResponse: ResponseEncodable, Sendable {
    let userId: UserID
    let email: String
    let displayName: String
    let role: Role
    let councilId: Nullable<CouncilID>
    let organisationId: Nullable<OrganisationID>
    /// The budget holder record linked to this account, if any.
    let budgetHolderId: Nullable<BudgetHolderID>

    init(_ user: User, budgetHolderID: BudgetHolderID?) {
        self.init(user.principal, displayName: user.displayName, budgetHolderID: budgetHolderID)
    }

    init(_ principal: Principal, displayName: String, budgetHolderID: BudgetHolderID?) {
        userId = principal.userID
        email = principal.email.value
        self.displayName = displayName
        role = principal.role
        councilId = Nullable(principal.councilID)
        organisationId = Nullable(principal.organisationID)
        budgetHolderId = Nullable(budgetHolderID)
    }
}

struct LoginRequest: Decodable {
    let email: String
    let password: String
    /// From an earlier step-up of this account on this device: a lock of the email does not hold it out.
    let deviceToken: String?
}

struct TokenResponse: ResponseEncodable, Sendable {
    let token: String
    let tokenType = "Bearer"
    let expiresAt: Date
    /// `password`, `second_factor_required` (step up next) or `enrolment_required` (enrol next).
    let assurance: String
    let principal: PrincipalResponse

    init(_ issued: IssuedToken, budgetHolderID: BudgetHolderID?) {
        token = issued.token
        expiresAt = issued.expiresAt
        assurance = issued.assurance.name
        principal = PrincipalResponse(issued.user, budgetHolderID: budgetHolderID)
    }
}

struct CodeRequest: Decodable {
    let code: String
}

struct StepUpResponse: ResponseEncodable, Sendable {
    let secondFactorAt: Date
    let expiresAt: Date
    /// Keep it on this device and send it with later sign-ins of this account.
    let deviceToken: String
}

struct EnrolmentResponse: ResponseEncodable, Sendable {
    let secret: String
    let otpauthUri: String
}

struct RecoveryCodesResponse: ResponseEncodable, Sendable {
    let recoveryCodes: [String]
}

struct ChangePasswordRequest: Decodable {
    let currentPassword: String
    let newPassword: String
}

struct SessionResponse: ResponseEncodable, Sendable {
    let id: AccessTokenID
    let current: Bool
    let createdAt: Date
    let lastUsedAt: Date
    let expiresAt: Date
    let secondFactorAt: Nullable<Date>
    let clientAddress: Nullable<String>
    let userAgent: Nullable<String>

    init(_ session: Session, current: AccessTokenID) {
        id = session.id
        self.current = session.id == current
        createdAt = session.createdAt
        lastUsedAt = session.lastUsedAt
        expiresAt = session.expiresAt
        secondFactorAt = Nullable(session.secondFactorAt)
        clientAddress = Nullable(session.clientAddress)
        userAgent = Nullable(session.userAgent)
    }
}

struct SessionsEndedResponse: ResponseEncodable, Sendable {
    let ended: Int
}

struct CouncilResponse: ResponseEncodable, Sendable {
    let id: CouncilID
    let name: String
    let code: String
    let communityStaleAfterDays: Int
    /// Empty: staff accounts may be at any address.
    let staffEmailDomains: [String]
    let createdAt: Date

    init(_ council: Council) {
        id = council.id
        name = council.name
        code = council.code
        communityStaleAfterDays = council.communityStaleAfterDays
        staffEmailDomains = council.staffEmailDomains.domains
        createdAt = council.createdAt
    }
}

struct UpdateCouncilRequest: Decodable {
    let communityStaleAfterDays: Int?
    /// `[]` lifts the restriction; absent changes nothing.
    let staffEmailDomains: [String]?
}

struct ChangeRoleRequest: Decodable {
    let role: Role?
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
    let providerType: ProviderType?
}

struct UserResponse: ResponseEncodable, Sendable {
    let id: UserID
    let email: String
    let displayName: String
    let role: Role
    let councilId: Nullable<CouncilID>
    let organisationId: Nullable<OrganisationID>
    let createdAt: Date
    let disabledAt: Nullable<Date>

    init(_ user: User) {
        id = user.id
        email = user.email.value
        displayName = user.displayName
        role = user.role
        councilId = Nullable(user.councilID)
        organisationId = Nullable(user.organisationID)
        createdAt = user.createdAt
        disabledAt = Nullable(user.disabledAt)
    }
}

struct CreateUserRequest: Decodable {
    let email: String
    let displayName: String
    /// Refused when present: the person sets their own through the invitation.
    let password: String?
    let role: Role
    let councilId: CouncilID?
    let organisationId: OrganisationID?
}

struct PasswordRequest: Decodable {
    let password: String
}

struct PasswordResetRequest: Decodable {
    let email: String
}

struct SecurityEventResponse: ResponseEncodable, Sendable {
    let id: Int64
    let occurredAt: Date
    let actorUserId: Nullable<UserID>
    let action: String
    let subjectType: String
    let subjectId: String
    /// Such as `client_address`, `user_agent`, `role`, `sessions_ended`.
    let details: [String: String]

    init(_ event: SecurityEvent) {
        id = event.id
        occurredAt = event.occurredAt
        actorUserId = Nullable(event.actor)
        action = event.action
        subjectType = event.subjectType
        subjectId = event.subjectID
        details = event.details
    }
}
