import Foundation
import GRDB
import MarketCore

/// Where mailed links point and how long they work.
public struct AccountLinks: Sendable {
    /// The service's public address, which mails name (`SUPPORTMARKET_PUBLIC_URL`).
    public var publicURL: String
    public var invitationLifetime: TimeInterval = 72 * 3600
    public var passwordResetLifetime: TimeInterval = 30 * 60
    /// A new reset link is mailed at most this often per account, so that nobody can flood a mailbox.
    public var passwordResetInterval: TimeInterval = 5 * 60

    public init(publicURL: String = "http://127.0.0.1:8080") {
        self.publicURL = publicURL
    }
}

/// A person invited to an account. `link` is for the operator's command line (the first platform
/// admin of an installation); the API never answers it: it goes to the person by mail.
public struct Invitation: Sendable {
    public let user: User
    public let expiresAt: Date
    public let link: String
}

extension AccountStore {
    // MARK: Invitations

    /// Invites a person: a pending account whose password nobody knows, and a single-use link
    /// (256 random bits, kept as its SHA-256, `invitationLifetime`) mailed to them, so that the
    /// creator never holds a usable credential. The other admins of the council (or the platform)
    /// are mailed that the role was granted. Asks the policy and a recent second factor; with no
    /// policy (the operator's command line) the account has no creator.
    public func invite(_ new: NewUser, by policy: AccessPolicy?, idempotency: IdempotencyKey?) async throws -> Invitation {
        if let policy {
            try policy.authorizeGranting(role: new.role, councilID: new.councilID, organisationID: new.organisationID)
            try policy.requireRecentSecondFactor(for: "inviting a person to an account")
        }
        let passwordHash = try await hasher.hash(Self.unguessablePassword())
        let secret = "smi_" + TokenStore.newToken().dropFirst(4)
        let now = database.clock.now()
        let expiresAt = now.addingTimeInterval(links.invitationLifetime)
        let actor = policy?.principal
        let link = "\(links.publicURL)/invitations/\(secret)"
        let user = try await database.write(as: actor?.userID, idempotency: idempotency) { db in
            let user = try Self.insertUser(new, passwordHash: passwordHash, actor: actor?.userID, at: now, db)
            try Self.insertLink(.invitation, secret: secret, for: user.id, by: actor?.userID, at: now, until: expiresAt, db)
            try MailOutbox.enqueue(
                db, to: user.email, kind: "invitation", subject: "Your Supportmarket account",
                body: AccountMails.invitation(user, by: actor, link: link, api: "\(links.publicURL)/v1/invitations/\(secret)/accept", until: expiresAt),
                at: now)
            try Self.announce(.userInvited, user, actor: actor?.userID, at: now, db)
            for admin in try Self.otherAdmins(of: user, besides: actor?.userID, db) {
                try MailOutbox.enqueue(
                    db, to: admin, kind: "role_granted", subject: "An account was opened with the role \(user.role.rawValue)",
                    body: AccountMails.roleGranted(user, by: actor, at: now), at: now)
            }
            return user
        }
        return Invitation(user: user, expiresAt: expiresAt, link: link)
    }

    /// Accepts an invitation: the person's own password is set and the link is spent. `notFound`
    /// for a link that is unknown, used or expired (the three look the same).
    public func acceptInvitation(secret: String, password: String) async throws -> User {
        try NewUser.checkPassword(password, field: "password")
        let hash = try await hasher.hash(password)
        return try await useLink(.invitation, secret: secret) { user, now, db in
            try db.execute(sql: "UPDATE user SET password_hash = ? WHERE id = ?", arguments: [hash, user.id])
            try AuditEventRecord.append(
                db, at: now, actor: user.id, action: "user.invitation_accepted", subjectType: "user", subjectID: user.id.rawValue)
        }
    }

    // MARK: Password resets

    /// Mails a password reset link (`passwordResetLifetime`, single-use) to the account with this
    /// email, if there is one that is enabled and has not had a link in `passwordResetInterval`.
    /// Answers nothing either way, so that nobody learns which emails have accounts.
    public func requestPasswordReset(email: String) async throws {
        guard let address = EmailAddress(email) else { throw MarketError.invalid("email", "must be an email address") }
        let now = database.clock.now()
        let links = self.links
        let secret = "smr_" + TokenStore.newToken().dropFirst(4)
        try await database.write { db in
            guard let user = try UserRecord.filter(UserRecord.Columns.email == address.value).fetchOne(db)?.user,
                user.disabledAt == nil
            else { return }
            let recent = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM account_link WHERE user_id = ? AND purpose = 'password_reset' AND created_at > ?",
                arguments: [user.id, now.addingTimeInterval(-links.passwordResetInterval)]) ?? false
            guard !recent else { return }
            let expiresAt = now.addingTimeInterval(links.passwordResetLifetime)
            try Self.insertLink(.passwordReset, secret: secret, for: user.id, by: nil, at: now, until: expiresAt, db)
            try MailOutbox.enqueue(
                db, to: user.email, kind: "password_reset", subject: "Reset your Supportmarket password",
                body: AccountMails.passwordReset(
                    user, link: "\(links.publicURL)/password-resets/\(secret)",
                    api: "\(links.publicURL)/v1/password-resets/\(secret)/accept", until: expiresAt),
                at: now)
            try AuditEventRecord.append(
                db, at: now, actor: nil, action: "user.password_reset_requested", subjectType: "user", subjectID: user.id.rawValue)
        }
    }

    /// Sets a new password through a reset link: every session of the account ends, and its
    /// second factor is still asked for at the next sign-in. `notFound` as for invitations.
    public func resetPassword(secret: String, password: String) async throws {
        try NewUser.checkPassword(password, field: "password")
        let hash = try await hasher.hash(password)
        _ = try await useLink(.passwordReset, secret: secret) { user, now, db in
            try db.execute(sql: "UPDATE user SET password_hash = ? WHERE id = ?", arguments: [hash, user.id])
            let ended = try TokenStore.revokeSessions(of: user.id, at: now, db)
            // The failed sign-ins counted against the email no longer lock out its owner.
            try LoginThrottleRecord.deleteOne(db, key: Digest.sha256Hex(user.email.value))
            try AuditEventRecord.append(
                db, at: now, actor: user.id, action: "user.password_reset", subjectType: "user", subjectID: user.id.rawValue,
                details: ["sessions_ended": String(ended)])
        }
    }

    // MARK: Links

    enum LinkPurpose: String, DatabaseValueConvertible {
        case invitation
        case passwordReset = "password_reset"
    }

    static func insertLink(
        _ purpose: LinkPurpose, secret: String, for user: UserID, by creator: UserID?, at now: Date, until expiresAt: Date, _ db: Database
    ) throws {
        // Earlier links of the same purpose stop working: only the newest mail counts.
        try db.execute(
            sql: "UPDATE account_link SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL",
            arguments: [now, user, purpose])
        try db.execute(
            sql: """
                INSERT INTO account_link (user_id, purpose, secret_hash, created_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [user, purpose, Digest.sha256Hex(secret), creator, now, expiresAt])
    }

    /// Spends a live link of `purpose` and runs `change` in the same transaction.
    private func useLink(
        _ purpose: LinkPurpose, secret: String, _ change: @escaping @Sendable (User, Date, Database) throws -> Void
    ) async throws -> User {
        let now = database.clock.now()
        let resource = purpose == .invitation ? "invitation (it may have expired or been used)" : "password reset link (it may have expired or been used)"
        guard secret.count <= 128 else { throw MarketError.notFound(resource: resource) }
        return try await database.write { db in
            guard let row = try Row.fetchOne(
                db, sql: """
                    SELECT id, user_id FROM account_link
                    WHERE secret_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
                    """, arguments: [Digest.sha256Hex(secret), purpose, now]),
                let user = try UserRecord.fetchOne(db, key: row["user_id"] as String)?.user,
                user.disabledAt == nil
            else { throw MarketError.notFound(resource: resource) }
            try db.execute(sql: "UPDATE account_link SET used_at = ? WHERE id = ?", arguments: [now, row["id"] as Int64])
            try change(user, now, db)
            return user
        }
    }

    /// A `user.*` event for webhooks and the feed: the account and its council or organisation
    /// hear it; no email or name is in it.
    static func announce(_ type: EventType, _ user: User, actor: UserID?, at now: Date, _ db: Database) throws {
        var payload: EventPayload = ["user_id": .string(user.id.rawValue), "role": .string(user.role.rawValue)]
        if let council = user.councilID { payload["council_id"] = .string(council.rawValue) }
        if let organisation = user.organisationID { payload["organisation_id"] = .string(organisation.rawValue) }
        if let actor { payload["actor_user_id"] = .string(actor.rawValue) }
        try OutboxEventRecord.append(
            db, type, at: now, payload: payload,
            audience: EventAudience().adding(user: user.id).adding(council: user.councilID).adding(organisation: user.organisationID))
    }

    /// Who is told that `user` was granted its role: the other enabled admins of its council
    /// for council staff; else the platform's other admins, and for a broker's finance role
    /// the broker's other staff too (nobody else there grants it, so they hear of it).
    static func otherAdmins(of user: User, besides actor: UserID?, _ db: Database) throws -> [EmailAddress] {
        var admins: [String]
        if user.role.isCouncilStaff, let council = user.councilID {
            admins = try String.fetchAll(
                db, sql: "SELECT email FROM user WHERE role = 'council_admin' AND council_id = ? AND disabled_at IS NULL AND id <> ? AND id <> ?",
                arguments: [council, actor?.rawValue ?? "", user.id])
        } else {
            admins = try String.fetchAll(
                db, sql: "SELECT email FROM user WHERE role = 'platform_admin' AND disabled_at IS NULL AND id <> ? AND id <> ?",
                arguments: [actor?.rawValue ?? "", user.id])
        }
        if user.role == .brokerFinance, let organisation = user.organisationID {
            admins += try String.fetchAll(
                db, sql: "SELECT email FROM user WHERE organisation_id = ? AND disabled_at IS NULL AND id <> ? AND id <> ?",
                arguments: [organisation, actor?.rawValue ?? "", user.id])
        }
        return admins.compactMap(EmailAddress.init)
    }
}

/// The words of the account mails. Plain text; the only person's input in them is a display name.
enum AccountMails {
    static func invitation(_ user: User, by inviter: Principal?, link: String, api: String, until: Date) -> String {
        let who = inviter.map { "\($0.email.value) (\($0.role.rawValue))" } ?? "The service's operator"
        var text = """
            Hello \(user.displayName),

            \(who) has opened a Supportmarket account for you: \(user.email.value), role \(user.role.rawValue).

            Choose your own password with this link before \(Self.time(until)). It works once:
            \(link)

            (An app does this with POST \(api) and {"password": "..."}.)

            """
        if user.role.requiresSecondFactor {
            text += "\nYour role signs in with a second factor: after choosing your password you will enrol an authenticator app.\n"
        }
        text += "\nIf you did not expect this mail, ignore it: the account cannot be used without the link.\n"
        return text
    }

    static func roleGranted(_ user: User, by granter: Principal?, at time: Date) -> String {
        let who = granter.map { "\($0.email.value) (\($0.role.rawValue))" } ?? "The service's operator"
        return """
            \(who) invited \(user.email.value) to an account with the role \(user.role.rawValue) on \(Self.time(time)).

            If you did not expect this, disable the account (POST /v1/users/\(user.id.rawValue)/disable)
            and tell your organisation's security contact.

            """
    }

    static func roleChanged(_ user: User, from previous: Role, by granter: Principal, at time: Date) -> String {
        """
        \(granter.email.value) (\(granter.role.rawValue)) changed the role of the Supportmarket account
        \(user.email.value) from \(previous.rawValue) to \(user.role.rawValue) on \(Self.time(time)).
        Every session of the account has ended; it signs in again with its new role.

        If you did not expect this, tell your organisation's security contact, and ask an admin to
        disable the account (POST /v1/users/\(user.id.rawValue)/disable).

        """
    }

    static func passwordReset(_ user: User, link: String, api: String, until: Date) -> String {
        """
        Hello \(user.displayName),

        Someone asked to reset the password of your Supportmarket account \(user.email.value).
        If it was you, choose a new password with this link before \(Self.time(until)). It works once:
        \(link)

        (An app does this with POST \(api) and {"password": "..."}.)
        Every session of the account will end; your second factor is still asked for when you sign in.

        If it was not you, ignore this mail: your password has not changed.

        """
    }

    static func newSignIn(_ user: User, client: SessionClient, at time: Date) -> String {
        """
        Hello \(user.displayName),

        Your Supportmarket account \(user.email.value) was signed in to on \(Self.time(time))
        from \(client.address ?? "an unknown address") with \(client.userAgent ?? "an unknown app").

        If this was you, there is nothing to do. If not, change your password now, end the sessions
        you do not know (GET /v1/auth/sessions), and tell your organisation's security contact.

        """
    }

    static func secondFactorReset(_ user: User, by admin: Principal, at time: Date) -> String {
        """
        Hello \(user.displayName),

        \(admin.email.value) (\(admin.role.rawValue)) reset the second factor of your Supportmarket
        account \(user.email.value) on \(Self.time(time)). Every session of the account has ended;
        you will enrol an authenticator app again at your next sign-in.

        If you did not ask for this, tell your organisation's security contact at once.

        """
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)) + " UTC"
    }
}
