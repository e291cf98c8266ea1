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
    public func login(email: String, password: String) async throws -> IssuedToken {
        var validator = Validator()
        validator.check((1...254).contains(email.count), "email", "must be 1 to 254 characters")
        validator.check((1...NewUser.passwordLength.upperBound).contains(password.count), "password",
                        "must be 1 to \(NewUser.passwordLength.upperBound) characters")
        try validator.throwIfInvalid()
        let normalised = EmailAddress(email)?.value ?? email.lowercased()
        let emailHash = Digest.sha256Hex(normalised)
        let policy = self.policy
        let outcome: User? = try await hasher.withTurn { turn in
            let now = database.clock.now()
            let reservation = try await database.write { db -> (admitted: Bool, user: UserRecord?) in
                let throttle = try LoginThrottleRecord.fetchOne(db, key: emailHash)
                if policy.lockRemaining(throttle?.throttle, now: now) != nil { return (false, nil) }
                try LoginThrottleRecord(emailHash: emailHash, policy.recordingFailure(throttle?.throttle, now: now)).save(db)
                return (true, try UserRecord.filter(Column("email") == normalised).fetchOne(db))
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
            return await turn.verify(password, against: record.passwordHash) ? record.user : nil
        }
        guard let user = outcome else { throw MarketError.unauthenticated("email or password is wrong") }
        return try await issue(for: user, emailHash: emailHash)
    }

    /// Issues a token for a user without a password: for the operator's command line.
    public func issueWithoutPassword(for user: User) async throws -> IssuedToken {
        try await issue(for: user, emailHash: nil)
    }

    private func issue(for user: User, emailHash: String?) async throws -> IssuedToken {
        let now = database.clock.now()
        let token = Self.newToken()
        let record = AccessTokenRecord(
            id: .random(), userId: user.id, tokenHash: Digest.sha256Hex(token), createdAt: now,
            expiresAt: now.addingTimeInterval(policy.tokenLifetime), revokedAt: nil)
        try await database.write { db in
            // The right password clears the attempts counted against its email.
            if let emailHash { try LoginThrottleRecord.deleteOne(db, key: emailHash) }
            try record.insert(db)
        }
        return IssuedToken(token: token, tokenID: record.id, expiresAt: record.expiresAt, user: user)
    }

    /// The principal behind a bearer token, or `unauthenticated` if it is unknown, expired or revoked.
    public func authenticate(token: String) async throws -> Authentication {
        let tokenHash = Digest.sha256Hex(token)
        let now = database.clock.now()
        let found = try await database.read { db -> (AccessTokenRecord, UserRecord)? in
            guard let access = try AccessTokenRecord.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM access_token WHERE token_hash = ?"), arguments: [tokenHash]),
                let user = try UserRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM user WHERE id = ?"), arguments: [access.userId])
            else { return nil }
            return (access, user)
        }
        guard let (access, user) = found else { throw MarketError.unauthenticated("the token is not valid") }
        guard access.revokedAt == nil else { throw MarketError.unauthenticated("the token has been revoked") }
        guard access.expiresAt > now else { throw MarketError.unauthenticated("the token has expired") }
        return Authentication(principal: user.user.principal, tokenID: access.id, expiresAt: access.expiresAt)
    }

    /// Revokes one token at once; later requests with it are `unauthenticated`.
    public func revoke(_ tokenID: AccessTokenID) async throws {
        let now = database.clock.now()
        try await database.write { db in
            try db.execute(
                sql: "UPDATE access_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now, tokenID.rawValue])
        }
    }

    /// 32 random bytes (256 bits), base64url, with a recognisable prefix for secret scanners.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "smk_" + Data(bytes).base64URLEncodedString()
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
