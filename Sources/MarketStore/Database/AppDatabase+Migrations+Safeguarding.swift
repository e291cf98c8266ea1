import GRDB

extension AppDatabase {
    /// v11: safeguarding concerns, addressed to one council and seen only by its admins (and,
    /// as a status, by whoever raised them). Never deleted; what happened never changes.
    static func migrateSafeguarding(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE concern (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'scn_*'),
                council_id TEXT NOT NULL REFERENCES council(id),
                about_provider_id TEXT REFERENCES provider_store(organisation_id),
                about_budget_holder_id TEXT REFERENCES budget_holder(id),
                about TEXT CHECK (length(trim(about)) BETWEEN 1 AND 500),
                description TEXT NOT NULL CHECK (length(trim(description)) BETWEEN 1 AND 4000),
                urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'urgent', 'immediate')),
                status TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'closed')),
                outcome TEXT CHECK (length(trim(outcome)) BETWEEN 1 AND 4000),
                raised_by TEXT NOT NULL REFERENCES user(id),
                raised_at TEXT NOT NULL,
                acknowledged_by TEXT REFERENCES user(id),
                acknowledged_at TEXT,
                closed_by TEXT REFERENCES user(id),
                closed_at TEXT,
                CHECK ((about_provider_id IS NOT NULL) + (about_budget_holder_id IS NOT NULL) + (about IS NOT NULL) = 1),
                CHECK ((status = 'received') = (acknowledged_at IS NULL)),
                CHECK ((status = 'closed') = (closed_at IS NOT NULL) AND (status = 'closed') = (outcome IS NOT NULL))
            ) STRICT;
            CREATE INDEX concern_council ON concern(council_id, seq);
            CREATE INDEX concern_raised_by ON concern(raised_by, seq);
            CREATE TRIGGER concern_fixed BEFORE UPDATE OF id, council_id, about_provider_id, about_budget_holder_id, about,
                description, urgency, raised_by, raised_at ON concern
                BEGIN SELECT RAISE(ABORT, 'what was raised, and about whom, never changes'); END;
            CREATE TRIGGER concern_no_delete BEFORE DELETE ON concern
                BEGIN SELECT RAISE(ABORT, 'concerns are never deleted'); END;
            """)
    }
}
