import Foundation
import GRDB
import MarketCore

/// Councils, organisations and users: onboarding and scoped reads.
/// Every method that changes something is one write transaction with its audit event.
public struct AccountStore: Sendable {
    let database: AppDatabase
    let hasher: PasswordHasher
    let links: AccountLinks

    public init(database: AppDatabase, hasher: PasswordHasher, links: AccountLinks = AccountLinks()) {
        self.database = database
        self.hasher = hasher
        self.links = links
    }

    // MARK: Councils

    /// Onboards a council. Platform admins only.
    public func createCouncil(_ new: NewCouncil, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Council {
        try policy.authorizePlatformAdministration()
        let now = database.clock.now()
        let council = Council(id: .random(), name: new.name, code: new.code, createdAt: now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            try CouncilRecord(council).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "council.created",
                subjectType: "council", subjectID: council.id.rawValue)
            return council
        }
    }

    /// The council, if the caller can see it; else `notFound`.
    public func council(_ id: CouncilID, by policy: AccessPolicy) async throws -> Council {
        guard policy.maySee(council: id),
            let record = try await database.read({ db in try CouncilRecord.fetchOne(db, key: id.rawValue) })
        else { throw MarketError.notFound(resource: "council") }
        return record.council
    }

    /// Changes the council's settings: how many days (1...3650) a community resource listed for it
    /// stays fresh unverified, and the email domains its staff must use (a change of access: it
    /// asks a recent second factor; staff already invited keep their accounts). With nothing to
    /// change, answers the council as it is.
    public func updateSettings(
        of id: CouncilID, communityStaleAfterDays: Int?, staffEmailDomains: StaffEmailDomains? = nil, by policy: AccessPolicy
    ) async throws -> Council {
        guard communityStaleAfterDays != nil || staffEmailDomains != nil else { return try await council(id, by: policy) }
        try policy.authorizeChangingSettings(of: id)
        if let days = communityStaleAfterDays, !(1...3650).contains(days) {
            throw MarketError.invalid("community_stale_after_days", "must be between 1 and 3650 days")
        }
        if staffEmailDomains != nil { try policy.requireRecentSecondFactor(for: "changing the email domains of a council's staff") }
        let now = database.clock.now()
        return try await database.write { db in
            guard let record = try CouncilRecord.fetchOne(db, key: id.rawValue) else {
                throw MarketError.notFound(resource: "council")
            }
            var details: [String: String] = [:]
            if let days = communityStaleAfterDays {
                try db.execute(sql: "UPDATE council SET community_stale_after_days = ? WHERE id = ?", arguments: [days, id])
                details["community_stale_after_days"] = String(days)
            }
            if let staffEmailDomains {
                try db.execute(sql: "UPDATE council SET staff_email_domains = ? WHERE id = ?", arguments: [staffEmailDomains.storedText, id])
                details["staff_email_domains"] = staffEmailDomains.domains.joined(separator: " ")
            }
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "council.settings_changed",
                subjectType: "council", subjectID: id.rawValue, details: details)
            return try CouncilRecord.fetchOne(db, key: record.id.rawValue)?.council ?? record.council
        }
    }

    /// The councils the caller can see, ordered by id.
    public func councils(by policy: AccessPolicy, page: PageRequest) async throws -> Page<Council> {
        let scope = policy.councilScope
        var request = CouncilRecord.all()
        switch scope {
        case .all: break
        case .only(let id): request = request.filter(CouncilRecord.Columns.id == id)
        case .none: request = request.none()
        }
        let councils = request
        return try await database.read { db in
            try councils.fetchPage(page, by: CouncilRecord.Columns.id, .ascending, key: \.id.rawValue, db)
        }.map(\.council)
    }

    // MARK: Organisations

    /// Onboards a provider, community organisation or broker. Platform admins only.
    public func createOrganisation(
        _ new: NewOrganisation, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Organisation {
        try policy.authorizePlatformAdministration()
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let organisation = try Self.insertOrganisation(new, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "organisation.created",
                subjectType: "organisation", subjectID: organisation.id.rawValue,
                details: ["kind": organisation.kind.rawValue])
            return organisation
        }
    }

    /// Inserts the organisation and, for a provider, its empty store.
    static func insertOrganisation(_ new: NewOrganisation, at time: Date, _ db: Database) throws -> Organisation {
        let organisation = Organisation(id: .random(), kind: new.kind, name: new.name, createdAt: time)
        try OrganisationRecord(organisation).insert(db)
        if new.kind == .provider {
            try ProviderStoreRecord(provider: organisation.id, providerType: new.providerType, at: time).insert(db)
        }
        return organisation
    }

    /// Organisations are a public directory (providers, community groups, brokers).
    public func organisation(_ id: OrganisationID) async throws -> Organisation {
        guard let record = try await database.read({ db in try OrganisationRecord.fetchOne(db, key: id.rawValue) })
        else { throw MarketError.notFound(resource: "organisation") }
        return record.organisation
    }

    /// The public directory of organisations, optionally of one kind, ordered by id.
    public func organisations(kind: OrganisationKind?, page: PageRequest) async throws -> Page<Organisation> {
        var request = OrganisationRecord.all()
        if let kind { request = request.filter(OrganisationRecord.Columns.kind == kind) }
        let organisations = request
        return try await database.read { db in
            try organisations.fetchPage(page, by: OrganisationRecord.Columns.id, .ascending, key: \.id.rawValue, db)
        }.map(\.organisation)
    }

    // MARK: Users

    /// Creates a user with a known password, without a policy check: for the demo seed only.
    /// Everyone else is invited (`invite`).
    public func bootstrapUser(_ new: NewUser) async throws -> User {
        let passwordHash = try await hasher.hash(new.password ?? Self.unguessablePassword())
        let now = database.clock.now()
        return try await database.write { db in try Self.insertUser(new, passwordHash: passwordHash, actor: nil, at: now, db) }
    }

    /// Inserts the user, checking that its council or organisation exists and is of the kind
    /// its role needs, with its `user.created` audit event, in the caller's transaction.
    static func insertUser(_ new: NewUser, passwordHash: String, actor: UserID?, at now: Date, _ db: Database) throws -> User {
        let user = User(
            id: .random(), email: new.email, displayName: new.displayName, role: new.role,
            councilID: new.councilID, organisationID: new.organisationID, createdAt: now)
        if let councilID = new.councilID {
            guard let council = try CouncilRecord.fetchOne(db, key: councilID.rawValue)?.council else {
                throw MarketError.notFound(resource: "council")
            }
            guard !new.role.isCouncilStaff || council.staffEmailDomains.admits(new.email) else {
                throw MarketError.invalid(
                    "email", "must be at one of the council's staff email domains: \(council.staffEmailDomains.domains.joined(separator: ", "))")
            }
        }
        if let organisationID = new.organisationID {
            guard let organisation = try OrganisationRecord.fetchOne(db, key: organisationID.rawValue) else {
                throw MarketError.notFound(resource: "organisation")
            }
            guard organisation.kind == new.role.organisationKind else {
                throw MarketError.invalid(
                    "organisation_id", "is a \(organisation.kind.rawValue) organisation; \(new.role.rawValue) needs another kind")
            }
        }
        try UserRecord(user, passwordHash: passwordHash).insert(db)
        // Who created the account, for the four-eyes rule (`FourEyes`).
        if let actor { try db.execute(sql: "UPDATE user SET created_by = ? WHERE id = ?", arguments: [actor, user.id]) }
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: "user.created", subjectType: "user",
            subjectID: user.id.rawValue, details: ["role": user.role.rawValue])
        return user
    }

    /// A password nobody knows: what an invited account holds until its person sets theirs.
    static func unguessablePassword() -> String { TokenStore.newToken() }

    /// The user, if the caller can see them; else `notFound`.
    public func user(_ id: UserID, by policy: AccessPolicy) async throws -> User {
        guard let user = try await database.read({ db in try UserRecord.fetchOne(db, key: id.rawValue)?.user }),
            policy.maySee(user)
        else { throw MarketError.notFound(resource: "user") }
        return user
    }

    /// The users the caller can see, ordered by id.
    public func users(by policy: AccessPolicy, page: PageRequest) async throws -> Page<User> {
        let scope = policy.userScope
        typealias Columns = UserRecord.Columns
        var request = UserRecord.all()
        switch scope {
        case .all:
            break
        case .councilStaff(let council):
            request = request.filter(Columns.councilId == council && Role.councilStaff.contains(Columns.role))
        case .organisation(let organisation):
            request = request.filter(Columns.organisationId == organisation)
        case .only(let id):
            request = request.filter(Columns.id == id)
        }
        let users = request
        return try await database.read { db in
            try users.fetchPage(page, by: Columns.id, .ascending, key: \.id.rawValue, db)
        }.map(\.user)
    }

    /// Disables or re-enables an account (admins in scope, never their own). Disabling ends its
    /// sessions at once; their tokens fail on their next request. Idempotent.
    public func setDisabled(_ id: UserID, _ disabled: Bool, by policy: AccessPolicy) async throws -> User {
        let now = database.clock.now()
        return try await database.write { db in
            guard var record = try UserRecord.fetchOne(db, key: id.rawValue), policy.maySee(record.user) else {
                throw MarketError.notFound(resource: "user")
            }
            try policy.authorizeManaging(record.user)
            try policy.requireRecentSecondFactor(for: disabled ? "disabling an account" : "enabling an account")
            guard (record.disabledAt != nil) != disabled else { return record.user }
            record.disabledAt = disabled ? now : nil
            try db.execute(sql: "UPDATE user SET disabled_at = ? WHERE id = ?", arguments: [record.disabledAt, id])
            var details: [String: String] = [:]
            if disabled { details["sessions_ended"] = String(try TokenStore.revokeSessions(of: id, at: now, db)) }
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: disabled ? "user.disabled" : "user.enabled",
                subjectType: "user", subjectID: id.rawValue, details: details)
            try Self.announce(disabled ? .userDisabled : .userEnabled, record.user, actor: policy.principal.userID, at: now, db)
            return record.user
        }
    }

    /// Grants `user` another role in the same council or organisation (a commissioner becomes
    /// finance; a broker's staff member its finance staff), as the policy's one rule for grants
    /// allows, after a recent second factor. The role's cooling-off counts from now, the grant
    /// binds its granter as an invitation does (`FourEyes`), every session of the account ends
    /// (it signs in again, enrolling a second factor if the new role needs one), and the person
    /// and the other admins are mailed. Granting the role it has changes nothing.
    public func changeRole(of id: UserID, to role: Role?, by policy: AccessPolicy) async throws -> User {
        guard let role else {
            throw MarketError.invalid("role", "is required: one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let now = database.clock.now()
        let actor = policy.principal
        return try await database.write { db in
            guard let record = try UserRecord.fetchOne(db, key: id.rawValue), policy.maySee(record.user) else {
                throw MarketError.notFound(resource: "user")
            }
            let before = record.user
            try policy.authorizeManaging(before)
            let within = before.role.rolesOfTheSameHome
            guard within.contains(role) else {
                throw MarketError.invalid("role", within.count > 1
                    ? "must keep the account in its council or organisation: one of \(within.map(\.rawValue).joined(separator: ", "))"
                    : "a \(before.role.rawValue)'s role does not change: invite another account")
            }
            try policy.authorizeGranting(role: role, councilID: before.councilID, organisationID: before.organisationID)
            try policy.requireRecentSecondFactor(for: "changing a person's role")
            guard role != before.role else { return before }
            try db.execute(
                sql: "UPDATE user SET role = ?, role_granted_at = ?, role_granted_by = ? WHERE id = ?",
                arguments: [role, now, actor.userID, id])
            let ended = try TokenStore.revokeSessions(of: id, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: actor.userID, action: "user.role_changed", subjectType: "user", subjectID: id.rawValue,
                details: ["from": before.role.rawValue, "to": role.rawValue, "sessions_ended": String(ended)])
            guard let after = try UserRecord.fetchOne(db, key: id.rawValue)?.user else { throw MarketError.notFound(resource: "user") }
            try Self.announce(.userRoleChanged, after, actor: actor.userID, at: now, db)
            let mail = AccountMails.roleChanged(after, from: before.role, by: actor, at: now)
            for address in [after.email] + (try Self.otherAdmins(of: after, besides: actor.userID, db)) {
                try MailOutbox.enqueue(
                    db, to: address, kind: "role_granted", subject: "A Supportmarket account was granted the role \(role.rawValue)",
                    body: mail, at: now)
            }
            return after
        }
    }

    /// Accounts of the demo market (emails at `demo.test` or its subdomains), whose password is
    /// published in the README: `serve` in production refuses a database that holds any.
    public func demoAccountCount() async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE email LIKE '%@demo.test' OR email LIKE '%.demo.test'") ?? 0
        }
    }

    /// The user with this email, for the operator's command line.
    public func user(email: EmailAddress) async throws -> User? {
        try await database.read { db in
            try UserRecord.filter(UserRecord.Columns.email == email.value).fetchOne(db)?.user
        }
    }
}
