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

    init(_ council: Council) {
        id = council.id
        name = council.name
        code = council.code
        communityStaleAfterDays = council.communityStaleAfterDays
        createdAt = council.createdAt
    }

    var council: Council {
        Council(id: id, name: name, code: code, communityStaleAfterDays: communityStaleAfterDays, createdAt: createdAt)
    }
}

struct OrganisationRecord: MarketRecord {
    static let databaseTableName = "organisation"
    var id: OrganisationID
    var kind: OrganisationKind
    var name: String
    var createdAt: Date

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

    // `created_by` (v17) is written by `AccountStore.insertUser` and read by `FourEyes.Person.fetch`,
    // and `disabled_at` (v18) is not written here either, so that the demo seed can still write
    // users into a database of an earlier schema (the migration tests do).
    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["email"] = email
        container["display_name"] = displayName
        container["password_hash"] = passwordHash
        container["role"] = role
        container["council_id"] = councilId
        container["organisation_id"] = organisationId
        container["organisation_kind"] = organisationKind
        container["created_at"] = createdAt
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
    /// The user `id` with the account that created it; `notFound` if there is none.
    static func fetch(_ id: UserID, _ db: Database) throws -> FourEyes.Person {
        guard let row = try Row.fetchOne(
            db, sql: """
                SELECT u.created_at, u.created_by, c.created_at AS creator_created_at, c.created_by AS creator_created_by
                FROM user u LEFT JOIN user c ON c.id = u.created_by WHERE u.id = ?
                """, arguments: [id])
        else { throw MarketError.notFound(resource: "user") }
        return FourEyes.Person(
            id: id, grantedAt: row["created_at"], createdBy: row["created_by"], createdByAt: row["creator_created_at"],
            createdByCreator: row["creator_created_by"])
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
}

struct LoginThrottleRecord: MarketRecord {
    static let databaseTableName = "login_throttle"
    var emailHash: String
    var failureCount: Int
    var windowStartedAt: Date
    var lockedUntil: Date?
}
