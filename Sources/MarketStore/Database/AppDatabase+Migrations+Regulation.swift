import GRDB

extension AppDatabase {
    /// v12: providers' registrations with their care regulator, which gate regulated care
    /// (`RegulatorRegistration.refusal`). One row per provider: the latest synced or set.
    static func migrateRegulation(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE regulator_registration (
                provider_id TEXT PRIMARY KEY NOT NULL REFERENCES provider_store(organisation_id),
                regulator TEXT NOT NULL CHECK (regulator IN ('cqc', 'ciw', 'care_inspectorate', 'rqia')),
                location_id TEXT CHECK (length(location_id) BETWEEN 1 AND 32),
                status TEXT NOT NULL CHECK (status IN ('registered', 'suspended', 'cancelled', 'not_required')),
                overall_rating TEXT CHECK (overall_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate')),
                -- RegulatorRating.rank: what min_regulator_rating compares
                rating_rank INTEGER GENERATED ALWAYS AS (CASE overall_rating WHEN 'outstanding' THEN 4 WHEN 'good' THEN 3
                    WHEN 'requires_improvement' THEN 2 WHEN 'inadequate' THEN 1 END) STORED,
                last_inspected_on TEXT CHECK (date(last_inspected_on) IS last_inspected_on),
                synced_at TEXT NOT NULL,
                source TEXT NOT NULL CHECK (source IN ('import', 'platform_admin')),
                CHECK (status <> 'not_required' OR overall_rating IS NULL)
            ) STRICT;
            CREATE INDEX regulator_registration_rated ON regulator_registration(status, rating_rank);
            """)
    }

    /// v13: each council's list of what its funds may not buy (entries are withdrawn, never
    /// deleted, so what applied when stays known), and the log of orders refused by it or by
    /// regulator gating, for the commissioners' reports: no person in it, only the council, the
    /// category, the offering and its provider.
    static func migrateProhibitedSpend(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE prohibited_spend (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'psp_*'),
                council_id TEXT NOT NULL REFERENCES council(id),
                category TEXT CHECK (length(category) BETWEEN 1 AND 100),
                offering_id TEXT REFERENCES offering(id),
                reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500),
                added_by TEXT NOT NULL REFERENCES user(id),
                added_at TEXT NOT NULL,
                withdrawn_by TEXT REFERENCES user(id),
                withdrawn_at TEXT,
                CHECK ((category IS NULL) <> (offering_id IS NULL)),
                CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
            ) STRICT;
            -- One live entry per council and subject.
            CREATE UNIQUE INDEX prohibited_spend_live ON prohibited_spend(council_id, coalesce(category, offering_id))
                WHERE withdrawn_at IS NULL;
            CREATE TRIGGER prohibited_spend_fixed BEFORE UPDATE OF id, council_id, category, offering_id, reason, added_by,
                added_at ON prohibited_spend
                BEGIN SELECT RAISE(ABORT, 'an entry of a prohibited-spend list never changes: withdraw it and add another'); END;
            CREATE TRIGGER prohibited_spend_withdrawn_once BEFORE UPDATE OF withdrawn_at ON prohibited_spend
                WHEN OLD.withdrawn_at IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'the entry is withdrawn already'); END;
            CREATE TRIGGER prohibited_spend_no_delete BEFORE DELETE ON prohibited_spend
                BEGIN SELECT RAISE(ABORT, 'prohibited-spend entries are withdrawn, never deleted'); END;

            CREATE TABLE order_refusal (
                seq INTEGER PRIMARY KEY,
                refused_on TEXT NOT NULL CHECK (date(refused_on) IS refused_on),
                -- NULL: a self-funder's order (regulator gating applies to everyone)
                council_id TEXT REFERENCES council(id),
                category TEXT NOT NULL,
                offering_id TEXT NOT NULL REFERENCES offering(id),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                reason TEXT NOT NULL CHECK (reason IN ('prohibited_spend', 'regulator_registration')),
                detail TEXT NOT NULL CHECK (length(detail) BETWEEN 1 AND 1000)
            ) STRICT;
            CREATE INDEX order_refusal_council ON order_refusal(council_id, refused_on);
            CREATE TRIGGER order_refusal_append_only BEFORE UPDATE ON order_refusal
                BEGIN SELECT RAISE(ABORT, 'refusals are recorded once and never changed'); END;
            CREATE TRIGGER order_refusal_no_delete BEFORE DELETE ON order_refusal
                BEGIN SELECT RAISE(ABORT, 'refusals are never deleted'); END;
            """)
    }
}
