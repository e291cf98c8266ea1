import GRDB

extension AppDatabase {
    /// Every schema change, in order. A migration is never edited once it has landed on `main`:
    /// add a new one instead. Tables are STRICT; `CHECK` constraints refuse what must never be
    /// stored, whatever the Swift code does.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE council (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'cnc_*'),
                    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16),
                    created_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE organisation (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'org_*'),
                    kind TEXT NOT NULL CHECK (kind IN ('provider', 'community', 'broker')),
                    name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                    created_at TEXT NOT NULL,
                    UNIQUE (id, kind)
                ) STRICT;

                -- organisation_kind repeats organisation.kind so that the composite foreign key
                -- lets SQLite itself refuse a provider user in a broker organisation.
                CREATE TABLE user (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'usr_*'),
                    email TEXT NOT NULL UNIQUE
                        CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
                    display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
                    password_hash TEXT NOT NULL CHECK (password_hash GLOB '$2*'),
                    role TEXT NOT NULL CHECK (role IN ('platform_admin', 'council_admin', 'commissioner',
                        'finance', 'provider', 'broker', 'budget_holder', 'community_publisher')),
                    council_id TEXT REFERENCES council(id),
                    organisation_id TEXT,
                    organisation_kind TEXT,
                    created_at TEXT NOT NULL,
                    FOREIGN KEY (organisation_id, organisation_kind) REFERENCES organisation(id, kind),
                    CHECK ((organisation_id IS NULL) = (organisation_kind IS NULL)),
                    CHECK (CASE role
                        WHEN 'platform_admin' THEN council_id IS NULL AND organisation_id IS NULL
                        WHEN 'council_admin' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'commissioner' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'finance' THEN council_id IS NOT NULL AND organisation_id IS NULL
                        WHEN 'provider' THEN organisation_kind = 'provider' AND council_id IS NULL
                        WHEN 'broker' THEN organisation_kind = 'broker' AND council_id IS NULL
                        WHEN 'community_publisher' THEN organisation_kind = 'community' AND council_id IS NULL
                        WHEN 'budget_holder' THEN organisation_id IS NULL
                    END)
                ) STRICT;
                CREATE INDEX user_council ON user(council_id) WHERE council_id IS NOT NULL;
                CREATE INDEX user_organisation ON user(organisation_id) WHERE organisation_id IS NOT NULL;

                -- Bearer tokens: only the SHA-256 of the token is stored.
                CREATE TABLE access_token (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'tok_*'),
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
                    revoked_at TEXT
                ) STRICT;
                CREATE INDEX access_token_user ON access_token(user_id);

                -- Failed logins per email, keyed by the email's SHA-256 so that mistyped
                -- addresses of strangers are not kept.
                CREATE TABLE login_throttle (
                    email_hash TEXT PRIMARY KEY NOT NULL CHECK (length(email_hash) = 64),
                    failure_count INTEGER NOT NULL CHECK (failure_count >= 1),
                    window_started_at TEXT NOT NULL,
                    locked_until TEXT
                ) STRICT, WITHOUT ROWID;

                -- The stored answer of an idempotent POST, per caller and key, written in the
                -- same transaction as the action it guards.
                CREATE TABLE idempotency_record (
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
                    request_fingerprint TEXT NOT NULL CHECK (length(request_fingerprint) = 64),
                    response TEXT NOT NULL CHECK (json_valid(response)),
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (user_id, idempotency_key)
                ) STRICT, WITHOUT ROWID;

                -- Who did what, append-only: the triggers refuse edits and deletions.
                CREATE TABLE audit_event (
                    id INTEGER PRIMARY KEY,
                    occurred_at TEXT NOT NULL,
                    actor_user_id TEXT REFERENCES user(id),
                    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
                    subject_type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                ) STRICT;
                CREATE INDEX audit_event_subject ON audit_event(subject_type, subject_id);
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
                """)
        }
        migrator.registerMigration("v2-community") { db in
            try db.execute(sql: """
                ALTER TABLE council ADD COLUMN community_stale_after_days INTEGER NOT NULL DEFAULT 180
                    CHECK (community_stale_after_days BETWEEN 1 AND 3650);

                -- One JSON document per resource (`details`, the Codable CommunityResourceDetails);
                -- the columns that are filtered or searched are generated from it, so they cannot
                -- disagree with it. `seq` is a stable rowid for the full-text index.
                CREATE TABLE community_resource (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE CHECK (id GLOB 'res_*'),
                    organisation_id TEXT REFERENCES organisation(id),
                    publisher_council_id TEXT REFERENCES council(id),
                    council_id TEXT REFERENCES council(id),
                    details TEXT NOT NULL CHECK (json_valid(details)),
                    last_verified_at TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    kind TEXT GENERATED ALWAYS AS (details ->> '$.kind') STORED
                        CHECK (kind IN ('group', 'service', 'event', 'venue')),
                    title TEXT GENERATED ALWAYS AS (details ->> '$.title') STORED
                        CHECK (length(trim(title)) BETWEEN 1 AND 120),
                    description TEXT GENERATED ALWAYS AS (details ->> '$.description') STORED
                        CHECK (length(description) BETWEEN 1 AND 4000),
                    categories TEXT GENERATED ALWAYS AS (details -> '$.categories') STORED
                        CHECK (json_array_length(categories) >= 1),
                    areas TEXT GENERATED ALWAYS AS (details -> '$.areas') STORED
                        CHECK (json_array_length(areas) >= 1),
                    starts_at TEXT GENERATED ALWAYS AS (details ->> '$.schedule.startsAt') STORED,
                    ends_at TEXT GENERATED ALWAYS AS (details ->> '$.schedule.endsAt') STORED,
                    -- when the event is over for good: a one-off's end, a bounded series' last day
                    final_end_at TEXT GENERATED ALWAYS AS (CASE details ->> '$.schedule.recurrence'
                        WHEN 'none' THEN details ->> '$.schedule.endsAt'
                        ELSE details ->> '$.schedule.repeatsUntil' END) STORED,
                    CHECK ((organisation_id IS NULL) <> (publisher_council_id IS NULL)),
                    CHECK ((kind = 'event') = (starts_at IS NOT NULL AND ends_at IS NOT NULL)),
                    CHECK (ends_at IS NULL OR ends_at > starts_at)
                ) STRICT;
                CREATE INDEX community_resource_organisation ON community_resource(organisation_id);
                CREATE INDEX community_resource_council ON community_resource(council_id);
                CREATE INDEX community_resource_publisher_council ON community_resource(publisher_council_id);

                CREATE VIRTUAL TABLE community_resource_fts USING fts5(
                    title, description, content = 'community_resource', content_rowid = 'seq',
                    tokenize = 'porter unicode61 remove_diacritics 2');
                CREATE TRIGGER community_resource_fts_insert AFTER INSERT ON community_resource BEGIN
                    INSERT INTO community_resource_fts(rowid, title, description)
                        VALUES (new.seq, new.title, new.description);
                END;
                CREATE TRIGGER community_resource_fts_delete AFTER DELETE ON community_resource BEGIN
                    INSERT INTO community_resource_fts(community_resource_fts, rowid, title, description)
                        VALUES ('delete', old.seq, old.title, old.description);
                END;
                CREATE TRIGGER community_resource_fts_update AFTER UPDATE ON community_resource BEGIN
                    INSERT INTO community_resource_fts(community_resource_fts, rowid, title, description)
                        VALUES ('delete', old.seq, old.title, old.description);
                    INSERT INTO community_resource_fts(rowid, title, description)
                        VALUES (new.seq, new.title, new.description);
                END;

                -- Views and click-throughs per resource per day; no personal data.
                CREATE TABLE community_usage (
                    resource_id TEXT NOT NULL REFERENCES community_resource(id) ON DELETE CASCADE,
                    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
                    click_throughs INTEGER NOT NULL DEFAULT 0 CHECK (click_throughs >= 0),
                    PRIMARY KEY (resource_id, day)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
