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
    /// A wrong password and an unknown email give the same `unauthenticated` answer in about the
    /// same time. After `maximumFailures` failures within the window the email is `locked`, even
    /// for the right password, until the lock ends.
    public func login(email: String, password: String) async throws -> IssuedToken {
        var validator = Validator()
        validator.check((1...254).contains(email.count), "email", "must be 1 to 254 characters")
        validator.check((1...NewUser.passwordLength.upperBound).contains(password.count), "password",
                        "must be 1 to \(NewUser.passwordLength.upperBound) characters")
        try validator.throwIfInvalid()
        let normalised = EmailAddress(email)?.value ?? email.lowercased()
        let emailHash = Digest.sha256Hex(normalised)
        let (throttle, record) = try await database.read { db in
            (
                try LoginThrottleRecord.fetchOne(db, key: emailHash),
                try UserRecord.filter(Column("email") == normalised).fetchOne(db)
            )
        }
        if let remaining = policy.lockRemaining(throttle?.throttle, now: database.clock.now()) {
            throw MarketError.locked(retryAfterSeconds: remaining)
        }
        let verified: Bool
        if let record {
            verified = await hasher.verify(password, against: record.passwordHash)
        } else {
            verified = await hasher.verifyAgainstDummy(password)
        }
        guard verified, let record else {
            try await recordFailure(emailHash: emailHash)
            throw MarketError.unauthenticated("email or password is wrong")
        }
        return try await issue(for: record.user, emailHash: emailHash)
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
        let policy = self.policy
        try await database.write { db in
            if let emailHash {
                // Failures recorded by concurrent attempts since the first check still count.
                let throttle = try LoginThrottleRecord.fetchOne(db, key: emailHash)
                if let remaining = policy.lockRemaining(throttle?.throttle, now: now) {
                    throw MarketError.locked(retryAfterSeconds: remaining)
                }
                try LoginThrottleRecord.deleteOne(db, key: emailHash)
            }
            try record.insert(db)
        }
        return IssuedToken(token: token, tokenID: record.id, expiresAt: record.expiresAt, user: user)
    }

    private func recordFailure(emailHash: String) async throws {
        let now = database.clock.now()
        let policy = self.policy
        try await database.write { db in
            let current = try LoginThrottleRecord.fetchOne(db, key: emailHash)
            let next = policy.recordingFailure(current?.throttle, now: now)
            try LoginThrottleRecord(emailHash: emailHash, next).save(db)
        }
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
