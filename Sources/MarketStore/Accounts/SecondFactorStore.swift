import Foundation
import GRDB
import MarketCore

/// Second factors: TOTP enrolment with recovery codes, step-up of a session, and an admin's reset.
///
/// Invariants: every TOTP code and recovery code is accepted once; wrong codes are throttled per
/// account as failed sign-ins are per email (the attempt is counted in the write that checks
/// the code); a session's `second_factor_at` is set only here, to the moment a code was accepted.
public struct SecondFactorStore: Sendable {
    let database: AppDatabase
    let policy: LoginPolicy
    let issuer: String

    public static let recoveryCodeCount = 10

    public init(database: AppDatabase, policy: LoginPolicy = LoginPolicy(), issuer: String = "Supportmarket") {
        self.database = database
        self.policy = policy
        self.issuer = issuer
    }

    /// Starts (or restarts) enrolment with a fresh secret; usable once `confirmEnrolment` gets a
    /// code from it. `conflict` if a confirmed factor exists: an admin resets it first.
    public func beginEnrolment(for principal: Principal) async throws -> SecondFactorEnrolment {
        let secret = TOTP.newSecret()
        let now = database.clock.now()
        try await database.write { db in
            if try Self.isEnrolled(principal.userID, db) {
                throw MarketError.conflict("a second factor is already enrolled; an admin in your organisation can reset it")
            }
            try db.execute(
                sql: """
                    INSERT INTO second_factor (user_id, secret, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
                    """,
                arguments: [principal.userID, Base32.encode(secret), now])
        }
        return SecondFactorEnrolment(
            secret: Base32.encode(secret),
            provisioningURI: TOTP(secret: secret).provisioningURI(account: principal.email.value, issuer: issuer))
    }

    /// Confirms enrolment with a code from the new secret: the factor is on, the session has
    /// passed it, and ten recovery codes are answered, once (earlier ones stop working).
    public func confirmEnrolment(for principal: Principal, session: AccessTokenID, code: String) async throws -> [String] {
        let recoveryCodes = (0..<Self.recoveryCodeCount).map { _ in Self.newRecoveryCode() }
        try await checkCode(code, of: principal.userID, session: session, pending: true) { db, now in
            try db.execute(sql: "DELETE FROM recovery_code WHERE user_id = ?", arguments: [principal.userID])
            for recoveryCode in recoveryCodes {
                try db.execute(
                    sql: "INSERT INTO recovery_code (user_id, code_hash) VALUES (?, ?)",
                    arguments: [principal.userID, Digest.sha256Hex(recoveryCode.replacingOccurrences(of: "-", with: ""))])
            }
            try AuditEventRecord.append(
                db, at: now, actor: principal.userID, action: "user.second_factor_enrolled", subjectType: "user",
                subjectID: principal.userID.rawValue)
        }
        return recoveryCodes
    }

    /// Passes the session's second factor now, with a TOTP code or an unused recovery code.
    /// Answers when it passed, and a device token (`smd_…`, 256 bits, kept as its SHA-256) that
    /// the client keeps and sends with later sign-ins of this account: a lock of the account's
    /// email, which anyone who knows it can cause, does not hold out this device
    /// (`TokenStore.login`). Unused devices are forgotten after `knownDeviceRetention`.
    @discardableResult
    public func stepUp(_ principal: Principal, session: AccessTokenID, code: String) async throws -> (passedAt: Date, deviceToken: String) {
        let deviceToken = "smd_" + TokenStore.newToken().dropFirst(4)
        let passed = try await checkCode(code, of: principal.userID, session: session, pending: false) { db, now in
            try db.execute(
                sql: "INSERT INTO known_device (user_id, secret_hash, created_at, last_used_at) VALUES (?, ?, ?, ?)",
                arguments: [principal.userID, Digest.sha256Hex(deviceToken), now, now])
            try AuditEventRecord.append(
                db, at: now, actor: principal.userID, action: "session.stepped_up", subjectType: "session",
                subjectID: session.rawValue)
        }
        return (passed, deviceToken)
    }

    public static let knownDeviceRetention: TimeInterval = 90 * 86_400

    /// Removes an account's second factor and recovery codes and ends its sessions; the account
    /// enrols again at its next sign-in. Admins in scope only, never for themselves.
    public func reset(_ userID: UserID, by policy: AccessPolicy) async throws {
        let now = database.clock.now()
        try await database.write { db in
            guard let user = try UserRecord.fetchOne(db, key: userID.rawValue)?.user, policy.maySee(user) else {
                throw MarketError.notFound(resource: "user")
            }
            try policy.authorizeManaging(user)
            try policy.requireRecentSecondFactor(for: "resetting a second factor")
            try db.execute(sql: "DELETE FROM second_factor WHERE user_id = ?", arguments: [userID])
            try db.execute(sql: "DELETE FROM recovery_code WHERE user_id = ?", arguments: [userID])
            let ended = try TokenStore.revokeSessions(of: userID, at: now, db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "user.second_factor_reset", subjectType: "user",
                subjectID: userID.rawValue, details: ["sessions_ended": String(ended)])
            try AccountStore.announce(.userSecondFactorReset, user, actor: policy.principal.userID, at: now, db)
            try MailOutbox.enqueue(
                db, to: user.email, kind: "second_factor_reset", subject: "Your Supportmarket second factor was reset",
                body: AccountMails.secondFactorReset(user, by: policy.principal, at: now), at: now)
        }
    }

    /// Enrols a factor with a known secret, already confirmed: the demo seed's published secrets.
    func enrolConfirmed(_ userID: UserID, secret: String) async throws {
        let now = database.clock.now()
        try await database.write { db in
            // A database of a schema before v18 (the migration tests seed one) has no second factors.
            guard try db.tableExists("second_factor") else { return }
            try db.execute(
                sql: """
                    INSERT INTO second_factor (user_id, secret, created_at, confirmed_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id) DO NOTHING
                    """,
                arguments: [userID, secret, now, now])
        }
    }

    static func isEnrolled(_ user: UserID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT confirmed_at IS NOT NULL FROM second_factor WHERE user_id = ?", arguments: [user]) ?? false
    }

    // MARK: Checking a code

    private enum Outcome { case passed(Date), refused }

    /// Checks `code` against the account's factor (the pending one when enrolling) in one write
    /// that also counts the attempt; on success marks the code used, stamps the session and runs
    /// `onSuccess`. A wrong, replayed or throttled code is the same `validation` error.
    @discardableResult
    private func checkCode(
        _ code: String, of user: UserID, session: AccessTokenID, pending: Bool,
        onSuccess: @escaping @Sendable (Database, Date) throws -> Void
    ) async throws -> Date {
        let normalised = code.lowercased().filter { !$0.isWhitespace && $0 != "-" }
        guard (6...32).contains(normalised.count), normalised.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw MarketError.invalid("code", "must be the 6 digits your authenticator app shows, or a recovery code")
        }
        let throttleKey = Digest.sha256Hex("second-factor:\(user.rawValue)")
        let policy = self.policy
        let now = database.clock.now()
        let outcome = try await database.write { db -> Outcome in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT secret, confirmed_at, last_used_step FROM second_factor WHERE user_id = ?", arguments: [user]),
                (row["confirmed_at"] as Date? == nil) == pending
            else {
                throw MarketError.conflict(pending
                    ? "no enrolment is in progress: start one with POST /v1/auth/second-factor"
                    : "no second factor is enrolled: enrol one with POST /v1/auth/second-factor")
            }
            let throttle = try LoginThrottleRecord.fetchOne(db, key: throttleKey)
            if policy.lockRemaining(throttle?.throttle, now: now) != nil { return .refused }
            guard let secret = Base32.decode(row["secret"]) else { return .refused }
            if let step = TOTP(secret: secret).acceptedStep(for: normalised, at: now, after: row["last_used_step"]) {
                try db.execute(
                    sql: "UPDATE second_factor SET last_used_step = ?, confirmed_at = coalesce(confirmed_at, ?) WHERE user_id = ?",
                    arguments: [step, now, user])
            } else if !pending, normalised.count == 10,
                try Self.useRecoveryCode(normalised, of: user, at: now, db) {
            } else {
                try LoginThrottleRecord(emailHash: throttleKey, policy.recordingFailure(throttle?.throttle, now: now)).save(db)
                return .refused
            }
            try LoginThrottleRecord.deleteOne(db, key: throttleKey)
            try db.execute(
                sql: "UPDATE access_token SET second_factor_at = ? WHERE id = ? AND user_id = ?", arguments: [now, session, user])
            try onSuccess(db, now)
            return .passed(now)
        }
        guard case .passed(let time) = outcome else {
            try await database.write { db in
                try AuditEventRecord.append(
                    db, at: now, actor: user, action: "session.step_up_refused", subjectType: "session", subjectID: session.rawValue)
            }
            throw MarketError.invalid("code", "is not a current code from your authenticator app or an unused recovery code")
        }
        return time
    }

    private static func useRecoveryCode(_ code: String, of user: UserID, at now: Date, _ db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE recovery_code SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            arguments: [now, user, Digest.sha256Hex(code)])
        return db.changesCount == 1
    }

    /// Ten characters of base32 (50 bits) shown as `xxxxx-xxxxx`; kept as the SHA-256 of the ten.
    static func newRecoveryCode() -> String {
        let characters = Array("abcdefghijklmnopqrstuvwxyz234567")
        var generator = SystemRandomNumberGenerator()
        let picked = String((0..<10).map { _ in characters[Int.random(in: 0..<32, using: &generator)] })
        return picked.prefix(5) + "-" + picked.suffix(5)
    }
}
