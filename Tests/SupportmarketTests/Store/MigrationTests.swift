import Foundation
import GRDB
import MarketCore
import MarketStore
import Testing

@Suite("Migrations and schema constraints")
struct MigrationTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString).sqlite").path
    }

    func schema(_ database: AppDatabase) throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        }
    }

    @Test func aFreshFileMigratesToTheLatestAndASecondRunIsANoOp() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        #expect(try !database.isFullyMigrated())
        try database.migrate()
        #expect(try database.isFullyMigrated())
        let applied = try database.appliedMigrations()
        #expect(applied.first == "v1-accounts")
        let before = try schema(database)
        try database.migrate()
        #expect(try database.appliedMigrations() == applied)
        #expect(try schema(database) == before)
        // A second process opening the same file finds it migrated.
        #expect(try AppDatabase.open(path: path).isFullyMigrated())
    }

    @Test func theFileIsInWALModeWithForeignKeys() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        let (journal, foreignKeys, synchronous) = try database.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(synchronous == 2)  // FULL
    }

    @Test(arguments: [
        "INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', '  ', 'E1', '2026-01-01')",
        "INSERT INTO council (id, name, code, created_at) VALUES ('x', 'Name', 'E1', '2026-01-01')",
        "INSERT INTO organisation (id, kind, name, created_at) VALUES ('org_a', 'pirate', 'Name', '2026-01-01')",
        "INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'a@b.c', 'A', '$2b$x', 'finance', '2026-01-01')",
        "INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'A@B.C', 'A', '$2b$x', 'platform_admin', '2026-01-01')",
        "INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'a@b.c', 'A', 'plain', 'platform_admin', '2026-01-01')",
        "INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', 'Name', 'E1', X'0102')",
    ])
    func theSchemaRefusesWhatMustNeverBeStored(sql: String) throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        #expect(throws: DatabaseError.self) { try database.writer.write { db in try db.execute(sql: sql) } }
    }

    @Test func aProviderUserCannotBelongToABrokerOrganisation() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO organisation (id, kind, name, created_at) VALUES ('org_b', 'broker', 'B', '2026-01-01')")
        }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO user (id, email, display_name, password_hash, role, organisation_id, organisation_kind, created_at)
                    VALUES ('usr_a', 'a@b.c', 'A', '$2b$x', 'provider', 'org_b', 'provider', '2026-01-01')
                    """)
            }
        }
    }

    @Test func theAuditTrailIsAppendOnly() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        try database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO audit_event (occurred_at, action, subject_type, subject_id) VALUES ('2026-01-01', 'x.y', 'x', '1')
                """)
        }
        #expect(throws: DatabaseError.self) { try database.writer.write { db in try db.execute(sql: "UPDATE audit_event SET action = 'z'") } }
        #expect(throws: DatabaseError.self) { try database.writer.write { db in try db.execute(sql: "DELETE FROM audit_event") } }
    }
}
