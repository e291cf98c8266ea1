import GRDB

extension AppDatabase {
    /// v10: ratings from people who bought. One rating per order, by its holder's side; earlier
    /// versions kept; the provider's reply; moderation that hides a comment (the stars still
    /// count) or removes a rating (it stops counting).
    ///
    /// What the schema guarantees: one rating per order (`UNIQUE`); the store's `rating_count`
    /// and `rating_sum` are kept by triggers in the rating's own transaction, counting exactly
    /// the ratings not removed; each edit steps the version and keeps the one before; a removed
    /// rating stays removed; nothing is deleted.
    static func migrateRatings(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rating (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE CHECK (id GLOB 'rtg_*'),
                order_id TEXT NOT NULL UNIQUE REFERENCES purchase_order(id),
                provider_id TEXT NOT NULL REFERENCES provider_store(organisation_id),
                budget_holder_id TEXT NOT NULL REFERENCES budget_holder(id),
                -- The holder's council when the order was paid from council funds; NULL: a self-funder.
                rater_council_id TEXT REFERENCES council(id),
                category TEXT NOT NULL,
                stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
                comment TEXT CHECK (length(trim(comment)) BETWEEN 1 AND 2000),
                version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                created_by TEXT NOT NULL REFERENCES user(id),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                reply TEXT CHECK (length(trim(reply)) BETWEEN 1 AND 2000),
                replied_by TEXT REFERENCES user(id),
                replied_at TEXT,
                hidden_reason TEXT CHECK (length(trim(hidden_reason)) BETWEEN 1 AND 500),
                hidden_by TEXT REFERENCES user(id),
                hidden_at TEXT,
                removed_reason TEXT CHECK (length(trim(removed_reason)) BETWEEN 1 AND 500),
                removed_by TEXT REFERENCES user(id),
                removed_at TEXT,
                CHECK ((reply IS NULL) = (replied_at IS NULL) AND (reply IS NULL) = (replied_by IS NULL)),
                CHECK ((hidden_reason IS NULL) = (hidden_at IS NULL) AND (hidden_reason IS NULL) = (hidden_by IS NULL)),
                CHECK ((removed_reason IS NULL) = (removed_at IS NULL) AND (removed_reason IS NULL) = (removed_by IS NULL))
            ) STRICT;
            CREATE INDEX rating_provider ON rating(provider_id, seq) WHERE removed_at IS NULL;

            -- What a rating said before each edit.
            CREATE TABLE rating_version (
                rating_id TEXT NOT NULL REFERENCES rating(id),
                version INTEGER NOT NULL,
                stars INTEGER NOT NULL,
                comment TEXT,
                written_at TEXT NOT NULL,
                PRIMARY KEY (rating_id, version)
            ) STRICT, WITHOUT ROWID;
            CREATE TRIGGER rating_version_fixed BEFORE UPDATE ON rating_version
                BEGIN SELECT RAISE(ABORT, 'earlier versions of a rating are kept as they were'); END;
            CREATE TRIGGER rating_version_no_delete BEFORE DELETE ON rating_version
                BEGIN SELECT RAISE(ABORT, 'earlier versions of a rating are kept as they were'); END;

            CREATE TRIGGER rating_counts AFTER INSERT ON rating WHEN new.removed_at IS NULL BEGIN
                UPDATE provider_store SET rating_count = rating_count + 1, rating_sum = rating_sum + new.stars
                    WHERE organisation_id = new.provider_id;
            END;
            CREATE TRIGGER rating_recounts AFTER UPDATE OF stars, removed_at ON rating BEGIN
                UPDATE provider_store SET
                    rating_count = rating_count - (old.removed_at IS NULL) + (new.removed_at IS NULL),
                    rating_sum = rating_sum - CASE WHEN old.removed_at IS NULL THEN old.stars ELSE 0 END
                        + CASE WHEN new.removed_at IS NULL THEN new.stars ELSE 0 END
                    WHERE organisation_id = new.provider_id;
            END;
            CREATE TRIGGER rating_edit_keeps_the_last BEFORE UPDATE OF stars, comment ON rating BEGIN
                SELECT RAISE(ABORT, 'an edit of a rating steps its version by one') WHERE new.version IS NOT old.version + 1;
                INSERT INTO rating_version (rating_id, version, stars, comment, written_at)
                    VALUES (old.id, old.version, old.stars, old.comment, old.updated_at);
            END;
            CREATE TRIGGER rating_removed_for_good BEFORE UPDATE OF removed_at ON rating WHEN old.removed_at IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'a removed rating stays removed'); END;
            CREATE TRIGGER rating_fixed BEFORE UPDATE OF id, order_id, provider_id, budget_holder_id, rater_council_id, category,
                created_by, created_at ON rating
                BEGIN SELECT RAISE(ABORT, 'who rated what is fixed'); END;
            CREATE TRIGGER rating_no_delete BEFORE DELETE ON rating
                BEGIN SELECT RAISE(ABORT, 'ratings are removed by moderation, never deleted'); END;
            """)
    }
}
