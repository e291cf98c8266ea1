import GRDB

extension AppDatabase {
    /// v22: the HTTP answer of an idempotent request, kept beside the key its action stored, so
    /// that a retry is answered with exactly the first answer (`IdempotencyStore`). A key whose
    /// answer was never kept (the process stopped between the two) replays its stored result.
    static func migrateReplays(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE idempotency_record ADD COLUMN answer_status INTEGER CHECK (answer_status BETWEEN 200 AND 299);
            ALTER TABLE idempotency_record ADD COLUMN answer_content_type TEXT CHECK (length(answer_content_type) <= 200);
            ALTER TABLE idempotency_record ADD COLUMN answer_location TEXT CHECK (length(answer_location) <= 2048);
            ALTER TABLE idempotency_record ADD COLUMN answer_body BLOB CHECK (length(answer_body) <= 65536);
            """)
    }
}
