import Foundation
import GRDB
import MarketCore

/// The service's one SQLite database: owns the connection (a WAL `DatabasePool` for files) and the
/// migrator. Every store holds one of these and runs each business action in one `write`.
public struct AppDatabase: Sendable {
    /// The writer; also a reader. A `DatabasePool` for files (one writer, concurrent readers).
    package let writer: any DatabaseWriter
    /// The source of "now" for every store that uses this database.
    public let clock: any WallClock

    /// The UTC day by `clock`.
    public var today: CalendarDay { CalendarDay(clock.now()) }

    /// Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory
    /// database for tests. Does not migrate: call `migrate()`.
    public static func open(path: String, clock: any WallClock = SystemWallClock()) throws -> AppDatabase {
        if path == ":memory:" {
            return AppDatabase(writer: try DatabaseQueue(configuration: configuration), clock: clock)
        }
        return AppDatabase(writer: try DatabasePool(path: path, configuration: configuration), clock: clock)
    }

    /// Foreign keys on, a busy timeout rather than instant `SQLITE_BUSY`, and `synchronous=FULL`:
    /// an acknowledged write survives power loss, not only a process crash. Reads map the file
    /// (no copy per page read) and each connection caches 16 MiB of pages, so searches over a
    /// large catalogue stay in memory. Temporary storage is in memory: every INSERT with a
    /// trigger keeps a statement journal of the pages it changes, which otherwise goes to a file
    /// (an invoicing run of 100,000 lines wrote 2 GB to them).
    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY")
            db.add(function: OpenReferralIdentifier.sqlFunction)
        }
        return configuration
    }

    /// Brings the schema up to the latest migration. Idempotent: applied migrations are skipped.
    public func migrate() throws {
        try Self.migrator.migrate(writer)
    }

    /// Brings the schema up to `migration` only: for tests that upgrade a database made by an
    /// earlier version of the schema.
    package func migrate(upTo migration: String) throws {
        try Self.migrator.migrate(writer, upTo: migration)
    }

    /// Names of the migrations applied so far, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Today's schema, as `docs/schema.sql` keeps it: every table, index, trigger and view of a
    /// database migrated from empty, in SQLite's own words (columns added by `ALTER TABLE` show
    /// where SQLite put them), ordered by kind and name so that a migration's effect reads as a
    /// diff. GRDB's migration log, SQLite's internal tables and full-text search's shadow tables
    /// are left out.
    public static func schemaText() throws -> String {
        let database = try AppDatabase.open(path: ":memory:")
        try database.migrate()
        let statements = try database.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master m
                WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                  AND NOT EXISTS (
                      SELECT 1 FROM sqlite_master v
                      WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '!_%' ESCAPE '!')
                ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, name
                """)
        }
        return """
            -- Supportmarket's schema after \(try database.appliedMigrations().last ?? "no migration").
            -- Written by `supportmarket schema`; SchemaTests keeps this file true. Change the schema
            -- with a migration (Sources/MarketStore/Database), then regenerate this file:
            --   .build/debug/supportmarket schema > docs/schema.sql


            """ + statements.map { $0 + ";\n" }.joined(separator: "\n")
    }

    /// Whether every known migration has been applied.
    public func isFullyMigrated() throws -> Bool {
        try writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
    }

    /// Answers `true` when the database can be read; used by `GET /health`.
    public func ping() async -> Bool {
        (try? await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}
