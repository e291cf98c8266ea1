import GRDB

extension AppDatabase {
    /// v14: webhooks and the event feed.
    ///
    /// - `outbox_event` is rebuilt with `AUTOINCREMENT`, so a sequence number is never issued
    ///   twice, whatever is ever deleted, and is made append-only: the feed's `after=SEQ` resumes
    ///   exactly. Its `dispatched_at` now marks an event fanned out to its deliveries.
    /// - `outbox_audience` says who may receive each event (organisations, councils and people's
    ///   accounts, by id), written with the event.
    /// - `webhook_endpoint`, one `webhook_delivery` per event and endpoint (unique, so a fan-out
    ///   repeated after a crash adds nothing), and every attempt in `webhook_attempt`.
    static func migrateWebhooks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbox_event_v14 (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'evt_*'),
                type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
                occurred_at TEXT NOT NULL,
                payload TEXT NOT NULL CHECK (json_valid(payload) AND json_type(payload) = 'object'),
                dispatched_at TEXT
            ) STRICT;
            INSERT INTO outbox_event_v14 (seq, id, type, occurred_at, payload, dispatched_at)
                SELECT seq, id, type, occurred_at, payload, dispatched_at FROM outbox_event ORDER BY seq;
            DROP TABLE outbox_event;
            ALTER TABLE outbox_event_v14 RENAME TO outbox_event;
            CREATE INDEX outbox_event_pending ON outbox_event(seq) WHERE dispatched_at IS NULL;
            CREATE TRIGGER outbox_event_fixed BEFORE UPDATE OF seq, id, type, occurred_at, payload ON outbox_event
                BEGIN SELECT RAISE(ABORT, 'an event never changes once written'); END;
            CREATE TRIGGER outbox_event_no_delete BEFORE DELETE ON outbox_event
                BEGIN SELECT RAISE(ABORT, 'events are never deleted: the feed resumes by their sequence'); END;

            CREATE TABLE outbox_audience (
                audience TEXT NOT NULL CHECK (audience GLOB 'org_*' OR audience GLOB 'cnc_*' OR audience GLOB 'usr_*'),
                event_seq INTEGER NOT NULL REFERENCES outbox_event(seq),
                PRIMARY KEY (audience, event_seq)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX outbox_audience_event ON outbox_audience(event_seq);
            -- Events written before audiences existed reach the provider and the council they name.
            INSERT OR IGNORE INTO outbox_audience (audience, event_seq)
                SELECT json_extract(payload, '$.provider_id'), seq FROM outbox_event
                WHERE json_extract(payload, '$.provider_id') GLOB 'org_*';
            INSERT OR IGNORE INTO outbox_audience (audience, event_seq)
                SELECT h.council_id, e.seq FROM outbox_event e
                JOIN budget_holder h ON h.id = json_extract(e.payload, '$.budget_holder_id') WHERE h.council_id IS NOT NULL;
            INSERT OR IGNORE INTO outbox_audience (audience, event_seq)
                SELECT json_extract(payload, '$.council_id'), seq FROM outbox_event
                WHERE json_extract(payload, '$.council_id') GLOB 'cnc_*';

            CREATE TABLE webhook_endpoint (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'whe_*'),
                owner_id TEXT NOT NULL CHECK (owner_id GLOB 'org_*' OR owner_id GLOB 'cnc_*'),
                url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
                description TEXT CHECK (length(description) BETWEEN 1 AND 500),
                event_types TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(event_types) AND json_type(event_types) = 'array'),
                enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
                disabled_reason TEXT,
                -- whsec_ + base64: the key signs, so it is kept as it is (see README, webhooks)
                secret TEXT NOT NULL CHECK (secret GLOB 'whsec_*'),
                previous_secret TEXT CHECK (previous_secret GLOB 'whsec_*'),
                previous_secret_until TEXT,
                failing_since TEXT,
                created_by TEXT NOT NULL REFERENCES user(id),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                deleted_at TEXT,
                CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
            ) STRICT;
            CREATE INDEX webhook_endpoint_owner ON webhook_endpoint(owner_id, seq) WHERE deleted_at IS NULL;

            CREATE TABLE webhook_delivery (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'whd_*'),
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoint(id),
                event_seq INTEGER NOT NULL REFERENCES outbox_event(seq),
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_at TEXT,
                last_attempt_at TEXT,
                last_status_code INTEGER,
                created_at TEXT NOT NULL,
                succeeded_at TEXT,
                UNIQUE (endpoint_id, event_seq),
                CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
                CHECK ((status = 'succeeded') = (succeeded_at IS NOT NULL))
            ) STRICT;
            CREATE INDEX webhook_delivery_due ON webhook_delivery(next_attempt_at) WHERE status = 'pending';
            CREATE INDEX webhook_delivery_endpoint ON webhook_delivery(endpoint_id, seq);

            CREATE TABLE webhook_attempt (
                seq INTEGER PRIMARY KEY,
                delivery_seq INTEGER NOT NULL REFERENCES webhook_delivery(seq),
                attempted_at TEXT NOT NULL,
                status_code INTEGER,
                duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
                error TEXT,
                response_excerpt TEXT CHECK (length(CAST(response_excerpt AS BLOB)) <= 1024)
            ) STRICT;
            CREATE INDEX webhook_attempt_delivery ON webhook_attempt(delivery_seq, seq);
            CREATE TRIGGER webhook_attempt_append_only BEFORE UPDATE ON webhook_attempt
                BEGIN SELECT RAISE(ABORT, 'attempts are recorded once'); END;
            """)
    }
}
