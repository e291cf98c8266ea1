import Foundation
import GRDB
import MarketCore

/// Login, bearer tokens and the failed-login throttle.
public struct TokenStore: Sendable {
    let database: AppDatabase
    let hasher: PasswordHasher
    let policy: LoginPolicy

    public init(database: AppDatabase, hasher: PasswordHasher, policy: LoginPolicy = LoginPolicy()) {
        self.database = database
        self.hasher = hasher
        self.policy = policy
    }

    /// Checks the password and issues a token.
    ///
    /// Every refusal is the same `unauthenticated` answer after about the same time: a wrong
    /// password, an unknown email, and any password for an email that is locked. An attempt is
    /// counted in the write that checks the lock, before bcrypt runs, so that of a burst of
    /// concurrent guesses at most `maximumFailures` are evaluated. Throws `overloaded`, writing
    /// nothing, when the password hasher has no turn free.
    ///
    /// A `deviceToken` that a session of this account earned by passing its second factor
    /// (`SecondFactorStore.stepUp`) moves the count from the email to that device: someone who
    /// knows the email and locks it out does not lock out its owner's own devices.
    public func login(
        email: String, password: String, deviceToken: String? = nil, client: SessionClient = SessionClient()
    ) async throws -> IssuedToken {
        let (user, throttleKeys) = try await checkPassword(email: email, password: password, deviceToken: deviceToken, client: client)
        let issued = try await issue(for: user, emailHash: throttleKeys.email, client: client)
        if let address = throttleKeys.address {
            // The attempt was counted against the address before its password was checked; a
            // right one is not a failure.
            let limit = policy.maximumFailuresPerAddress
            try await database.write { db in
                try db.execute(sql: "DELETE FROM login_throttle WHERE email_hash = ? AND failure_count <= 1", arguments: [address])
                try db.execute(
                    sql: """
                        UPDATE login_throttle SET failure_count = failure_count - 1,
                            locked_until = CASE WHEN failure_count - 1 < ? THEN NULL ELSE locked_until END
                        WHERE email_hash = ?
                        """, arguments: [limit, address])
            }
        }
        if let device = throttleKeys.device, let deviceToken {
            let now = database.clock.now()
            try await database.write { db in
                try LoginThrottleRecord.deleteOne(db, key: device)
                try db.execute(
                    sql: "UPDATE known_device SET last_used_at = ? WHERE secret_hash = ? AND user_id = ?",
                    arguments: [now, Digest.sha256Hex(deviceToken), user.id])
            }
        }
        return issued
    }

    /// The user whose email and password these are, throttled as `login` describes.
    private func checkPassword(
        email: String, password: String, deviceToken: String? = nil, client: SessionClient
    ) async throws -> (User, keys: (email: String, device: String?, address: String?)) {
        var validator = Validator()
        validator.check((1...254).contains(email.count), "email", "must be 1 to 254 characters")
        validator.check((1...NewUser.passwordLength.upperBound).contains(password.count), "password",
                        "must be 1 to \(NewUser.passwordLength.upperBound) characters")
        try validator.throwIfInvalid()
        let normalised = EmailAddress(email)?.value ?? email.lowercased()
        let emailHash = Digest.sha256Hex(normalised)
        let policy = self.policy
        let deviceHash = deviceToken.map { Digest.sha256Hex($0) }
        let addressKey = client.address.flatMap { Self.isLoopback($0) ? nil : Digest.sha256Hex("address:\($0)") }
        let outcome: (User, device: String?)? = try await hasher.withTurn { turn in
            let now = database.clock.now()
            let reservation = try await database.write { db -> (admitted: Bool, user: UserRecord?, device: String?) in
                let user = try UserRecord.filter(UserRecord.Columns.email == normalised).fetchOne(db)
                // A device of this very account counts its own attempts; anything else, the email's.
                var key = emailHash, device: String?
                if let deviceHash, let user, try db.tableExists("known_device"),
                    try String.fetchOne(db, sql: "SELECT user_id FROM known_device WHERE secret_hash = ?", arguments: [deviceHash]) == user.id.rawValue {
                    key = Digest.sha256Hex("device:\(deviceHash)")
                    device = key
                }
                let throttle = try LoginThrottleRecord.fetchOne(db, key: key)
                if policy.lockRemaining(throttle?.throttle, now: now) != nil { return (false, nil, nil) }
                // The client's address backs off too, over every email it tries (not for a known device).
                let addressThrottle = try (device == nil ? addressKey : nil).flatMap { try LoginThrottleRecord.fetchOne(db, key: $0) }
                if policy.lockRemaining(addressThrottle?.throttle, now: now) != nil { return (false, nil, nil) }
                try LoginThrottleRecord(emailHash: key, policy.recordingFailure(throttle?.throttle, now: now)).save(db)
                if device == nil, let addressKey {
                    try LoginThrottleRecord(
                        emailHash: addressKey,
                        policy.recordingFailure(addressThrottle?.throttle, now: now, limit: policy.maximumFailuresPerAddress)
                    ).save(db)
                }
                return (true, user, device)
            }
            guard reservation.admitted else {
                // Locked: answer after as long as a checked password takes, without checking it.
                try await Task.sleep(for: hasher.typicalDuration)
                return nil
            }
            guard let record = reservation.user else {
                _ = await turn.verifyAgainstDummy(password)
                return nil
            }
            return await turn.verify(password, against: record.passwordHash) ? (record.user, reservation.device) : nil
        }
        guard let user = outcome else {
            try await database.write { db in
                try AuditEventRecord.append(
                    db, at: database.clock.now(), actor: nil, action: "session.refused", subjectType: "email",
                    subjectID: emailHash, details: client.auditDetails)
            }
            throw MarketError.unauthenticated("email or password is wrong")
        }
        return (user.0, (emailHash, user.device, user.device == nil ? addressKey : nil))
    }

    /// Issues a token for a user without a password: for the operator's command line. The
    /// session has not passed a second factor: an account that has one steps up as at sign-in.
    public func issueWithoutPassword(for user: User) async throws -> IssuedToken {
        try await issue(for: user, emailHash: nil, client: SessionClient(userAgent: "supportmarket token create"))
    }

    /// Starts a session for a person who has just proved themselves another way: by the
    /// invitation mailed to them, with the password they chose. Its second factor is still ahead.
    public func issueAfterInvitation(for user: User, client: SessionClient) async throws -> IssuedToken {
        try await issue(for: user, emailHash: Digest.sha256Hex(user.email.value), client: client)
    }

    private func issue(for user: User, emailHash: String?, client: SessionClient) async throws -> IssuedToken {
        let now = database.clock.now()
        let token = Self.newToken()
        let record = AccessTokenRecord(
            id: .random(), userId: user.id, tokenHash: Digest.sha256Hex(token), createdAt: now,
            expiresAt: now.addingTimeInterval(policy.tokenLifetime), revokedAt: nil, secondFactorAt: nil,
            lastUsedAt: now, clientAddress: client.address, userAgent: client.userAgent)
        let enrolled = try await database.write { db in
            guard try !Self.isDisabled(user.id, db) else { return Bool?.none }
            // The right password clears the attempts counted against its email.
            if let emailHash { try LoginThrottleRecord.deleteOne(db, key: emailHash) }
            // A sign-in from a client the account has not used before (its first ever excepted) is
            // mailed to its owner.
            let row = try Row.fetchOne(
                db, sql: """
                    SELECT count(*) AS sessions, coalesce(sum(client_address IS ? AND user_agent IS ?), 0) AS same_client
                    FROM access_token WHERE user_id = ?
                    """, arguments: [client.address, client.userAgent, user.id])
            let sessions: Int = row?["sessions"] ?? 0, sameClient: Int = row?["same_client"] ?? 0
            if sessions > 0, sameClient == 0, emailHash != nil {
                try MailOutbox.enqueue(
                    db, to: user.email, kind: "new_sign_in", subject: "A new sign-in to your Supportmarket account",
                    body: AccountMails.newSignIn(user, client: client, at: now), at: now)
            }
            try record.insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: user.id, action: emailHash == nil ? "session.issued_by_operator" : "session.started",
                subjectType: "session", subjectID: record.id.rawValue, details: client.auditDetails)
            return try SecondFactorStore.isEnrolled(user.id, db)
        }
        // A disabled account is refused like a wrong password: its email says nothing more.
        guard let enrolled else { throw MarketError.unauthenticated("email or password is wrong") }
        return IssuedToken(
            token: token, tokenID: record.id, expiresAt: record.expiresAt, user: user,
            assurance: SessionAssurance(role: user.role, enrolled: enrolled, secondFactorPassedAt: nil))
    }

    static func isDisabled(_ user: UserID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT disabled_at IS NOT NULL FROM user WHERE id = ?", arguments: [user]) ?? true
    }

    /// The principal behind a bearer token, or `unauthenticated` if it is unknown, expired,
    /// revoked, idle too long (roles that need a second factor) or its account is disabled.
    /// Notes the session's use at most once a minute, for idle time-outs and the sessions list.
    public func authenticate(token: String) async throws -> Authentication {
        let tokenHash = Digest.sha256Hex(token)
        let now = database.clock.now()
        let found = try await database.read { db -> (AccessTokenRecord, UserRecord, enrolled: Bool)? in
            guard let access = try AccessTokenRecord.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM access_token WHERE token_hash = ?"), arguments: [tokenHash]),
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT *, (SELECT confirmed_at IS NOT NULL FROM second_factor WHERE user_id = user.id) AS enrolled
                        FROM user WHERE id = ?
                        """), arguments: [access.userId])
            else { return nil }
            return (access, try UserRecord(row: row), row["enrolled"] as Bool? ?? false)
        }
        guard let (access, user, enrolled) = found else { throw MarketError.unauthenticated("the token is not valid") }
        guard access.revokedAt == nil else { throw MarketError.unauthenticated("the token has been revoked") }
        guard access.expiresAt > now else { throw MarketError.unauthenticated("the token has expired") }
        guard user.disabledAt == nil else { throw MarketError.unauthenticated("the account is disabled") }
        let lastUsed = access.lastUsedAt ?? access.createdAt
        if user.role.requiresSecondFactor, now.timeIntervalSince(lastUsed) > policy.privilegedIdleTimeout {
            throw MarketError.unauthenticated("the session ended after \(Int(policy.privilegedIdleTimeout / 60)) idle minutes")
        }
        if now.timeIntervalSince(lastUsed) >= Self.lastUsedResolution {
            try await database.write { db in
                try db.cachedStatement(sql: "UPDATE access_token SET last_used_at = ? WHERE id = ?")
                    .execute(arguments: [now, access.id])
            }
        }
        let assurance = SessionAssurance(
            role: user.role, enrolled: enrolled, secondFactorPassedAt: access.secondFactorAt)
        let standing = SecondFactorStanding(
            passedRecently: assurance.passedSecondFactor(within: policy.stepUpMaximumAge, of: now),
            maximumAge: policy.stepUpMaximumAge)
        return Authentication(
            principal: user.user.principal, tokenID: access.id, expiresAt: access.expiresAt, assurance: assurance,
            secondFactor: standing)
    }

    /// How finely a session's last use is kept: a write at most this often per session.
    static let lastUsedResolution: TimeInterval = 60

    /// Revokes one token at once; later requests with it are `unauthenticated`.
    public func revoke(_ tokenID: AccessTokenID) async throws {
        let now = database.clock.now()
        try await database.write { db in
            try db.execute(
                sql: "UPDATE access_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now, tokenID.rawValue])
            if db.changesCount > 0 {
                try AuditEventRecord.append(
                    db, at: now, actor: nil, action: "session.ended", subjectType: "session", subjectID: tokenID.rawValue)
            }
        }
    }

    // MARK: Sessions

    /// The caller's live sessions, newest first.
    public func sessions(of user: UserID) async throws -> [Session] {
        let now = database.clock.now()
        return try await database.read { db in
            try AccessTokenRecord
                .filter(AccessTokenRecord.Columns.userId == user && AccessTokenRecord.Columns.revokedAt == nil
                    && AccessTokenRecord.Columns.expiresAt > now)
                .order(AccessTokenRecord.Columns.createdAt.desc, AccessTokenRecord.Columns.id)
                .fetchAll(db)
                .map(\.session)
        }
    }

    /// Ends one of the caller's sessions (`notFound` if it is not theirs or already over), or,
    /// with `keeping`, every other one. Answers how many ended.
    @discardableResult
    public func endSessions(of user: UserID, only session: AccessTokenID? = nil, keeping kept: AccessTokenID? = nil) async throws -> Int {
        let now = database.clock.now()
        return try await database.write { db in
            let ended = try Self.revokeSessions(of: user, only: session, keeping: kept, at: now, db)
            if session != nil, ended == 0 { throw MarketError.notFound(resource: "session") }
            try AuditEventRecord.append(
                db, at: now, actor: user, action: "session.ended", subjectType: "user", subjectID: user.rawValue,
                details: ["sessions": String(ended)])
            return ended
        }
    }

    /// Revokes a user's live sessions in a write: one, all but one, or all. Answers how many.
    static func revokeSessions(
        of user: UserID, only session: AccessTokenID? = nil, keeping kept: AccessTokenID? = nil, at now: Date, _ db: Database
    ) throws -> Int {
        var request = AccessTokenRecord.filter(AccessTokenRecord.Columns.userId == user.rawValue && AccessTokenRecord.Columns.revokedAt == nil)
        if let session { request = request.filter(AccessTokenRecord.Columns.id == session.rawValue) }
        if let kept { request = request.filter(AccessTokenRecord.Columns.id != kept.rawValue) }
        return try request.updateAll(db, AccessTokenRecord.Columns.revokedAt.set(to: now))
    }

    // MARK: Passwords

    /// Changes the caller's password after checking the current one; every other session ends.
    /// A wrong current password is `unauthenticated` and counted against the email as a failed
    /// sign-in, so that a stolen session cannot guess it.
    public func changePassword(of principal: Principal, session: AccessTokenID, current: String, new: String) async throws {
        try NewUser.checkPassword(new)
        _ = try await checkPassword(email: principal.email.value, password: current, client: SessionClient())
        let hash = try await hasher.hash(new)
        let now = database.clock.now()
        try await database.write { db in
            try db.execute(sql: "UPDATE user SET password_hash = ? WHERE id = ?", arguments: [hash, principal.userID])
            let ended = try Self.revokeSessions(of: principal.userID, keeping: session, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: principal.userID, action: "user.password_changed", subjectType: "user",
                subjectID: principal.userID.rawValue, details: ["other_sessions_ended": String(ended)])
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "::ffff:127.0.0.1"
    }

    /// 32 random bytes (256 bits), base64url, with a recognisable prefix for secret scanners.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "smk_" + Data(bytes).base64URLEncodedString()
    }
}

/// Where a session was started from, as the service saw it.
public struct SessionClient: Sendable {
    public var address: String?
    public var userAgent: String?

    public init(address: String? = nil, userAgent: String? = nil) {
        self.address = address.map { String($0.prefix(64)) }
        self.userAgent = userAgent.map { String(PrintableText.of($0).prefix(256)) }
    }

    var auditDetails: [String: String] {
        var details: [String: String] = [:]
        if let address { details["client_address"] = address }
        if let userAgent { details["user_agent"] = userAgent }
        return details
    }
}

extension AccessTokenRecord {
    var session: Session {
        Session(
            id: id, createdAt: createdAt, lastUsedAt: lastUsedAt ?? createdAt, expiresAt: expiresAt,
            secondFactorAt: secondFactorAt, clientAddress: clientAddress, userAgent: userAgent)
    }
}

extension LoginThrottleRecord {
    init(emailHash: String, _ throttle: LoginThrottle) {
        self.init(
            emailHash: emailHash, failureCount: throttle.failureCount,
            windowStartedAt: throttle.windowStartedAt, lockedUntil: throttle.lockedUntil)
    }

    var throttle: LoginThrottle {
        LoginThrottle(failureCount: failureCount, windowStartedAt: windowStartedAt, lockedUntil: lockedUntil)
    }
}
