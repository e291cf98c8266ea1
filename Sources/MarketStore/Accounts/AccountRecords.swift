import Foundation
import GRDB
import MarketCore

struct CouncilRecord: MarketRecord {
    static let databaseTableName = "council"
    var id: CouncilID
    var name: String
    var code: String
    var communityStaleAfterDays: Int
    var createdAt: Date
    /// A JSON array (v21); `nil`: any domain.
    var staffEmailDomains: String?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, name, code
        case communityStaleAfterDays = "community_stale_after_days"
        case createdAt = "created_at"
        case staffEmailDomains = "staff_email_domains"
    }

    typealias Columns = CodingKeys

    init(_ council: Council) {
        id = council.id
        name = council.name
        code = council.code
        communityStaleAfterDays = council.communityStaleAfterDays
        createdAt = council.createdAt
        staffEmailDomains = council.staffEmailDomains.storedText
    }

    // `staff_email_domains` is written only when set, so that the demo seed can still write
    // councils into a database of an earlier schema (the migration tests do).
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.name] = name
        container[Columns.code] = code
        container[Columns.communityStaleAfterDays] = communityStaleAfterDays
        container[Columns.createdAt] = createdAt
        if let staffEmailDomains { container[Columns.staffEmailDomains] = staffEmailDomains }
    }

    var council: Council {
        Council(
            id: id, name: name, code: code, communityStaleAfterDays: communityStaleAfterDays,
            staffEmailDomains: StaffEmailDomains(storedText: staffEmailDomains), createdAt: createdAt)
    }
}

struct OrganisationRecord: MarketRecord {
    static let databaseTableName = "organisation"
    var id: OrganisationID
    var kind: OrganisationKind
    var name: String
    var createdAt: Date

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, kind, name
        case createdAt = "created_at"
    }

    typealias Columns = CodingKeys

    init(_ organisation: Organisation) {
        id = organisation.id
        kind = organisation.kind
        name = organisation.name
        createdAt = organisation.createdAt
    }

    var organisation: Organisation { Organisation(id: id, kind: kind, name: name, createdAt: createdAt) }
}

struct UserRecord: MarketRecord {
    static let databaseTableName = "user"
    var id: UserID
    var email: EmailAddress
    var displayName: String
    var passwordHash: String
    var role: Role
    var councilId: CouncilID?
    var organisationId: OrganisationID?
    var organisationKind: OrganisationKind?
    var createdAt: Date
    /// Read when the column exists (v18); written only by `AccountStore.setDisabled`.
    var disabledAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, email, role
        case displayName = "display_name"
        case passwordHash = "password_hash"
        case councilId = "council_id"
        case organisationId = "organisation_id"
        case organisationKind = "organisation_kind"
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
    }

    typealias Columns = CodingKeys

    // `created_by` (v17) is written by `AccountStore.insertUser` and read by `FourEyes.Person.fetch`,
    // and `disabled_at` (v18) is not written here either, so that the demo seed can still write
    // users into a database of an earlier schema (the migration tests do).
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.email] = email
        container[Columns.displayName] = displayName
        container[Columns.passwordHash] = passwordHash
        container[Columns.role] = role
        container[Columns.councilId] = councilId
        container[Columns.organisationId] = organisationId
        container[Columns.organisationKind] = organisationKind
        container[Columns.createdAt] = createdAt
    }

    init(_ user: User, passwordHash: String) {
        id = user.id
        email = user.email
        displayName = user.displayName
        self.passwordHash = passwordHash
        role = user.role
        councilId = user.councilID
        organisationId = user.organisationID
        organisationKind = user.role.organisationKind
        createdAt = user.createdAt
    }

    var user: User {
        User(
            id: id, email: email, displayName: displayName, role: role,
            councilID: councilId, organisationID: organisationId, createdAt: createdAt, disabledAt: disabledAt)
    }
}

extension FourEyes.Person {
    /// The user `id` with the accounts that invited it and granted its role; `notFound` if there is none.
    static func fetch(_ id: UserID, _ db: Database) throws -> FourEyes.Person {
        guard let row = try Row.fetchOne(
            db, sql: """
                SELECT u.created_at, u.created_by, u.role_granted_at, u.role_granted_by, c.created_by AS creator_created_by
                FROM user u LEFT JOIN user c ON c.id = u.created_by WHERE u.id = ?
                """, arguments: [id])
        else { throw MarketError.notFound(resource: "user") }
        let invitedAt: Date = row["created_at"]
        return FourEyes.Person(
            id: id, grantedAt: row["role_granted_at"] ?? invitedAt, createdBy: row["created_by"], invitedAt: invitedAt,
            grantedBy: row["role_granted_by"], createdByCreator: row["creator_created_by"])
    }
}

struct AccessTokenRecord: MarketRecord {
    static let databaseTableName = "access_token"
    var id: AccessTokenID
    var userId: UserID
    var tokenHash: String
    var createdAt: Date
    var expiresAt: Date
    var revokedAt: Date?
    var secondFactorAt: Date?
    var lastUsedAt: Date?
    var clientAddress: String?
    var userAgent: String?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case userId = "user_id"
        case tokenHash = "token_hash"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case secondFactorAt = "second_factor_at"
        case lastUsedAt = "last_used_at"
        case clientAddress = "client_address"
        case userAgent = "user_agent"
    }

    typealias Columns = CodingKeys
}

struct LoginThrottleRecord: MarketRecord {
    static let databaseTableName = "login_throttle"
    var emailHash: String
    var failureCount: Int
    var windowStartedAt: Date
    var lockedUntil: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case emailHash = "email_hash"
        case failureCount = "failure_count"
        case windowStartedAt = "window_started_at"
        case lockedUntil = "locked_until"
    }

    typealias Columns = CodingKeys
}
