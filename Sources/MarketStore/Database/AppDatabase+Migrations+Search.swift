import GRDB

extension AppDatabase {
    /// v16: `search_change`, the log the in-memory search index (`SearchIndex`) catches up from.
    ///
    /// Triggers append one row, in the writing transaction, whenever something a search filters,
    /// ranks, orders by or shows may have changed: an offering's listing (publish, edit,
    /// unpublish), a store's name, type or people's rating of it, its regulator registration, or a
    /// council rate. So
    /// the next search after any commit sees the change (it reads the log's last id first). The
    /// ids never repeat (`AUTOINCREMENT`); retention keeps the newest rows, and an index that finds
    /// its place pruned away builds itself again.
    ///
    /// `offering_fts_instance` reads the full-text index's own tokens (porter stemming, diacritics
    /// removed), so the in-memory index is built from exactly what SQLite indexed.
    static func migrateSearchChanges(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE search_change (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                offering_seq INTEGER,
                provider_id TEXT,
                CHECK ((offering_seq IS NULL) <> (provider_id IS NULL))
            ) STRICT;
            CREATE TRIGGER search_change_offering_insert AFTER INSERT ON offering WHEN new.status = 'published' BEGIN
                INSERT INTO search_change (offering_seq) VALUES (new.seq);
            END;
            CREATE TRIGGER search_change_offering_update AFTER UPDATE ON offering
                WHEN old.status = 'published' OR new.status = 'published' BEGIN
                INSERT INTO search_change (offering_seq) VALUES (new.seq);
            END;
            CREATE TRIGGER search_change_rate_insert AFTER INSERT ON council_rate BEGIN
                INSERT INTO search_change (offering_seq) SELECT seq FROM offering WHERE id = new.offering_id;
            END;
            CREATE TRIGGER search_change_rate_update AFTER UPDATE ON council_rate BEGIN
                INSERT INTO search_change (offering_seq) SELECT seq FROM offering WHERE id = new.offering_id;
            END;
            CREATE TRIGGER search_change_store_insert AFTER INSERT ON provider_store BEGIN
                INSERT INTO search_change (provider_id) VALUES (new.organisation_id);
            END;
            CREATE TRIGGER search_change_store_update AFTER UPDATE OF provider_type, rating_count, rating_sum ON provider_store BEGIN
                INSERT INTO search_change (provider_id) VALUES (new.organisation_id);
            END;
            CREATE TRIGGER search_change_store_name AFTER UPDATE OF name ON organisation
                WHEN new.name IS NOT old.name AND EXISTS (SELECT 1 FROM provider_store WHERE organisation_id = new.id) BEGIN
                INSERT INTO search_change (provider_id) VALUES (new.id);
            END;
            CREATE TRIGGER search_change_registration_insert AFTER INSERT ON regulator_registration BEGIN
                INSERT INTO search_change (provider_id) VALUES (new.provider_id);
            END;
            CREATE TRIGGER search_change_registration_update AFTER UPDATE ON regulator_registration BEGIN
                INSERT INTO search_change (provider_id) VALUES (new.provider_id);
            END;
            CREATE TRIGGER search_change_registration_delete AFTER DELETE ON regulator_registration BEGIN
                INSERT INTO search_change (provider_id) VALUES (old.provider_id);
            END;
            CREATE VIRTUAL TABLE offering_fts_instance USING fts5vocab(offering_fts, instance);
            """)
    }
}
