import GRDB

extension AppDatabase {
    /// v18: second factors, recovery codes, sessions that know how they authenticated, and
    /// accounts that can be disabled.
    static func migrateSecondFactors(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE user ADD COLUMN disabled_at TEXT;

            -- How and where a session authenticated, and when it was last used (to the minute),
            -- for idle time-outs and the caller's list of sessions.
            ALTER TABLE access_token ADD COLUMN second_factor_at TEXT;
            ALTER TABLE access_token ADD COLUMN last_used_at TEXT;
            ALTER TABLE access_token ADD COLUMN client_address TEXT CHECK (length(client_address) <= 64);
            ALTER TABLE access_token ADD COLUMN user_agent TEXT CHECK (length(user_agent) <= 256);

            -- One TOTP secret per account (base32 of 160 bits); usable once confirmed. The last
            -- accepted step makes every code single-use.
            CREATE TABLE second_factor (
                user_id TEXT PRIMARY KEY NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                secret TEXT NOT NULL CHECK (length(secret) = 32 AND secret NOT GLOB '*[^A-Z2-7]*'),
                created_at TEXT NOT NULL,
                confirmed_at TEXT,
                last_used_step INTEGER
            ) STRICT, WITHOUT ROWID;

            -- Ten single-use recovery codes per enrolment, kept as their SHA-256.
            CREATE TABLE recovery_code (
                user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
                used_at TEXT,
                PRIMARY KEY (user_id, code_hash)
            ) STRICT, WITHOUT ROWID;
            """)
    }
}

extension AppDatabase {
    /// v19: accounts are invited (never handed a password), passwords are reset by mailed
    /// single-use links, and mails wait in an outbox of their own until a mail server takes them.
    static func migrateInvitations(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE mail_outbox (
                id INTEGER PRIMARY KEY,
                recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254 AND recipient LIKE '%_@_%'),
                kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'role_granted', 'second_factor_reset', 'new_sign_in')),
                subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 200 AND instr(subject, char(10)) = 0 AND instr(subject, char(13)) = 0),
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_at TEXT NOT NULL,
                sent_at TEXT,
                last_error TEXT
            ) STRICT;
            CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;

            -- Single-use links mailed to a person: an invitation (72 hours) or a password reset
            -- (30 minutes). Only the SHA-256 of the link's secret is kept.
            CREATE TABLE account_link (
                id INTEGER PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
                secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
                created_by TEXT REFERENCES user(id),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL CHECK (expires_at > created_at),
                used_at TEXT
            ) STRICT;
            CREATE INDEX account_link_user ON account_link(user_id, purpose);
            """)
    }
}

extension AppDatabase {
    /// v20: devices that passed an account's second factor, whose sign-ins a lock of the account's
    /// email does not hold out (their attempts are throttled per device instead).
    static func migrateKnownDevices(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE known_device (
                id INTEGER PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
                created_at TEXT NOT NULL,
                last_used_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX known_device_user ON known_device(user_id);
            """)
    }
}
