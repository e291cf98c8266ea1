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
