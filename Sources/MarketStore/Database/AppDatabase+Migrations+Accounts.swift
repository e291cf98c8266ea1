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

extension AppDatabase {
    /// v21: the broker-finance role, role grants that can change after an account is made, and
    /// the email domains a council's staff must use.
    ///
    /// SQLite cannot change a CHECK in place, so `user` is rebuilt (SQLite's twelve-step
    /// procedure; the migrator defers foreign-key checks to the end of the migration). The one
    /// trigger that names `user` in its body is dropped first and made again after.
    static func migrateRoleGrants(_ db: Database) throws {
        try db.execute(sql: """
            DROP TRIGGER budget_holder_account;
            CREATE TABLE user_rebuilt (
                id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'usr_*'),
                email TEXT NOT NULL UNIQUE
                    CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
                display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
                password_hash TEXT NOT NULL CHECK (password_hash GLOB '$2*'),
                role TEXT NOT NULL CHECK (role IN ('platform_admin', 'council_admin', 'commissioner',
                    'finance', 'provider', 'broker', 'broker_finance', 'budget_holder', 'community_publisher')),
                council_id TEXT REFERENCES council(id),
                organisation_id TEXT,
                organisation_kind TEXT,
                created_at TEXT NOT NULL,
                created_by TEXT REFERENCES user(id),
                disabled_at TEXT,
                -- When and by whom the current role was granted, if not at the account's creation
                -- (then `created_at` and `created_by` say it): the four-eyes cooling-off counts from it.
                role_granted_at TEXT CHECK (role_granted_at >= created_at),
                role_granted_by TEXT REFERENCES user(id),
                FOREIGN KEY (organisation_id, organisation_kind) REFERENCES organisation(id, kind),
                CHECK ((organisation_id IS NULL) = (organisation_kind IS NULL)),
                CHECK ((role_granted_by IS NULL) OR (role_granted_at IS NOT NULL)),
                CHECK (CASE role
                    WHEN 'platform_admin' THEN council_id IS NULL AND organisation_id IS NULL
                    WHEN 'council_admin' THEN council_id IS NOT NULL AND organisation_id IS NULL
                    WHEN 'commissioner' THEN council_id IS NOT NULL AND organisation_id IS NULL
                    WHEN 'finance' THEN council_id IS NOT NULL AND organisation_id IS NULL
                    WHEN 'provider' THEN organisation_kind = 'provider' AND council_id IS NULL
                    WHEN 'broker' THEN organisation_kind = 'broker' AND council_id IS NULL
                    WHEN 'broker_finance' THEN organisation_kind = 'broker' AND council_id IS NULL
                    WHEN 'community_publisher' THEN organisation_kind = 'community' AND council_id IS NULL
                    WHEN 'budget_holder' THEN organisation_id IS NULL
                END)
            ) STRICT;
            INSERT INTO user_rebuilt (id, email, display_name, password_hash, role, council_id, organisation_id,
                organisation_kind, created_at, created_by, disabled_at)
            SELECT id, email, display_name, password_hash, role, council_id, organisation_id,
                organisation_kind, created_at, created_by, disabled_at FROM user;
            DROP TABLE user;
            ALTER TABLE user_rebuilt RENAME TO user;
            CREATE INDEX user_council ON user(council_id) WHERE council_id IS NOT NULL;
            CREATE INDEX user_organisation ON user(organisation_id) WHERE organisation_id IS NOT NULL;
            CREATE TRIGGER budget_holder_account BEFORE INSERT ON budget_holder WHEN new.user_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM user WHERE id = new.user_id AND role = 'budget_holder'
                    AND council_id IS new.council_id)
                BEGIN SELECT RAISE(ABORT, 'a linked account must be a budget holder of the same council'); END;

            -- A JSON array of lower-case domains; NULL: any address.
            ALTER TABLE council ADD COLUMN staff_email_domains TEXT
                CHECK (staff_email_domains IS NULL OR (json_valid(staff_email_domains) AND json_type(staff_email_domains) = 'array'));
            """)
    }
}
