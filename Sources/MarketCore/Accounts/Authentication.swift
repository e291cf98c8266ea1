import Foundation

/// A freshly issued bearer token. `token` is shown once, to the caller who logged in; the service
/// keeps only its SHA-256.
public struct IssuedToken: Sendable {
    public let token: String
    public let tokenID: AccessTokenID
    public let expiresAt: Date
    public let user: User
    /// What the session must still do before it reaches more than its own sign-in.
    public let assurance: SessionAssurance

    public init(token: String, tokenID: AccessTokenID, expiresAt: Date, user: User, assurance: SessionAssurance) {
        self.token = token
        self.tokenID = tokenID
        self.expiresAt = expiresAt
        self.user = user
        self.assurance = assurance
    }
}

/// What a valid bearer token resolves to.
public struct Authentication: Sendable {
    public let principal: Principal
    public let tokenID: AccessTokenID
    public let expiresAt: Date
    public let assurance: SessionAssurance
    public let secondFactor: SecondFactorStanding

    public init(
        principal: Principal, tokenID: AccessTokenID, expiresAt: Date, assurance: SessionAssurance,
        secondFactor: SecondFactorStanding
    ) {
        self.principal = principal
        self.tokenID = tokenID
        self.expiresAt = expiresAt
        self.assurance = assurance
        self.secondFactor = secondFactor
    }

    /// The one place that decides what this session may see and change.
    public var policy: AccessPolicy { AccessPolicy(principal, secondFactor: secondFactor) }
}

/// Whether a session passed its second factor within the step-up window, and that window.
public struct SecondFactorStanding: Sendable, Equatable {
    public let passedRecently: Bool
    public let maximumAge: TimeInterval

    public init(passedRecently: Bool, maximumAge: TimeInterval) {
        self.passedRecently = passedRecently
        self.maximumAge = maximumAge
    }

    /// The command line's and seed's standing: nothing that needs step-up.
    public static let notPassed = SecondFactorStanding(passedRecently: false, maximumAge: 15 * 60)
}

/// How far a session has proved who is behind it.
public enum SessionAssurance: Sendable, Equatable {
    /// A password only: the account has no second factor and its role does not need one.
    case password
    /// The account's role needs a second factor and none is enrolled: only enrolment is open.
    case enrolmentRequired
    /// The account has a second factor that this session has not passed: only step-up is open.
    case secondFactorRequired
    /// The session passed the second factor at this time.
    case secondFactor(passedAt: Date)

    /// The wire name, for sign-in answers and session lists.
    public var name: String {
        switch self {
        case .password: "password"
        case .enrolmentRequired: "enrolment_required"
        case .secondFactorRequired: "second_factor_required"
        case .secondFactor: "second_factor"
        }
    }

    /// Whether the second factor was passed no longer than `maximumAge` before `now`.
    public func passedSecondFactor(within maximumAge: TimeInterval, of now: Date) -> Bool {
        guard case .secondFactor(let passedAt) = self else { return false }
        return now.timeIntervalSince(passedAt) <= maximumAge
    }

    /// The assurance of a session of an account with this role, enrolment and second-factor time.
    public init(role: Role, enrolled: Bool, secondFactorPassedAt: Date?) {
        if let secondFactorPassedAt, enrolled {
            self = .secondFactor(passedAt: secondFactorPassedAt)
        } else if enrolled {
            self = .secondFactorRequired
        } else {
            self = role.requiresSecondFactor ? .enrolmentRequired : .password
        }
    }
}

/// One signed-in session of a user, as its owner sees it in their list of sessions.
public struct Session: Sendable, Equatable {
    public let id: AccessTokenID
    public let createdAt: Date
    /// To the minute: a session's use is noted at most once a minute.
    public let lastUsedAt: Date
    public let expiresAt: Date
    public let secondFactorAt: Date?
    public let clientAddress: String?
    public let userAgent: String?

    public init(
        id: AccessTokenID, createdAt: Date, lastUsedAt: Date, expiresAt: Date, secondFactorAt: Date?,
        clientAddress: String?, userAgent: String?
    ) {
        self.id = id
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.secondFactorAt = secondFactorAt
        self.clientAddress = clientAddress
        self.userAgent = userAgent
    }
}

/// A second factor being enrolled: the secret to show once, as text and as the URI an
/// authenticator app scans.
public struct SecondFactorEnrolment: Sendable {
    public let secret: String
    public let provisioningURI: String

    public init(secret: String, provisioningURI: String) {
        self.secret = secret
        self.provisioningURI = provisioningURI
    }
}

/// One entry of the security audit: a sign-in, refusal, step-up, enrolment, reset, session end,
/// invitation, grant or disable, with the client address where one was seen.
public struct SecurityEvent: Sendable, Equatable {
    public let id: Int64
    public let occurredAt: Date
    public let actor: UserID?
    public let action: String
    public let subjectType: String
    public let subjectID: String
    public let details: [String: String]

    public init(id: Int64, occurredAt: Date, actor: UserID?, action: String, subjectType: String, subjectID: String, details: [String: String]) {
        self.id = id
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.details = details
    }
}
