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
        ("INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', '  ', 'E1', '2026-01-01')", ResultCode.SQLITE_CONSTRAINT_CHECK, "trim(name)"),
        ("INSERT INTO council (id, name, code, created_at) VALUES ('x', 'Name', 'E1', '2026-01-01')", .SQLITE_CONSTRAINT_CHECK, "id GLOB 'cnc_*'"),
        ("INSERT INTO organisation (id, kind, name, created_at) VALUES ('org_a', 'pirate', 'Name', '2026-01-01')", .SQLITE_CONSTRAINT_CHECK, "kind IN"),
        ("INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'a@b.c', 'A', '$2b$x', 'finance', '2026-01-01')", .SQLITE_CONSTRAINT_CHECK, "CASE role"),
        ("INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'A@B.C', 'A', '$2b$x', 'platform_admin', '2026-01-01')", .SQLITE_CONSTRAINT_CHECK, "email = lower(trim(email))"),
        ("INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES ('usr_a', 'a@b.c', 'A', 'plain', 'platform_admin', '2026-01-01')", .SQLITE_CONSTRAINT_CHECK, "password_hash GLOB"),
        ("INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', 'Name', 'E1', X'0102')", .SQLITE_CONSTRAINT_DATATYPE, "council.created_at"),
    ])
    func theSchemaRefusesWhatMustNeverBeStored(sql: String, code: ResultCode, constraint: String) throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        try expectRefusal(code, constraint) { try database.writer.write { db in try db.execute(sql: sql) } }
    }

    @Test func aProviderUserCannotBelongToABrokerOrganisation() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try AppDatabase.open(path: path)
        try database.migrate()
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO organisation (id, kind, name, created_at) VALUES ('org_b', 'broker', 'B', '2026-01-01')")
        }
        try expectRefusal(.SQLITE_CONSTRAINT_FOREIGNKEY, "FOREIGN KEY") {
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
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "audit_event is append-only") {
            try database.writer.write { db in try db.execute(sql: "UPDATE audit_event SET action = 'z'") }
        }
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "audit_event is append-only") {
            try database.writer.write { db in try db.execute(sql: "DELETE FROM audit_event") }
        }
    }
}

/// Runs `body` and expects the schema to refuse it with exactly `code`, naming `constraint` (a
/// CHECK's expression, a trigger's message, a column): a typo in a test's SQL is not a pass.
func expectRefusal(
    _ code: ResultCode, _ constraint: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) throws {
    let error = #expect(throws: DatabaseError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.extendedResultCode == code, "\(String(describing: error))", sourceLocation: sourceLocation)
    #expect(error?.message?.contains(constraint) == true, "\(String(describing: error?.message))", sourceLocation: sourceLocation)
}

@Suite("Upgrading a database of the previous schema")
struct UpgradeTests {
    /// A council, a provider, a holder with a council-paid stream and a two-week order with one
    /// delivery confirmed (after a dispute) and one disputed, as v4 stored them.
    static let v4Market = """
        INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', 'Harrowby', 'E1', '2026-01-01 00:00:00.000');
        INSERT INTO organisation (id, kind, name, created_at) VALUES ('org_p', 'provider', 'Brightpath', '2026-01-01 00:00:00.000');
        INSERT INTO provider_store (organisation_id, updated_at) VALUES ('org_p', '2026-01-01 00:00:00.000');
        INSERT INTO user (id, email, display_name, password_hash, role, organisation_id, organisation_kind, created_at)
            VALUES ('usr_p', 'p@b.c', 'P', '$2b$x', 'provider', 'org_p', 'provider', '2026-01-01 00:00:00.000');
        INSERT INTO user (id, email, display_name, password_hash, role, council_id, created_at)
            VALUES ('usr_h', 'h@b.c', 'H', '$2b$x', 'budget_holder', 'cnc_a', '2026-01-01 00:00:00.000');
        INSERT INTO budget_holder (id, display_name, council_id, user_id, created_by, created_at)
            VALUES ('bdh_a', 'Amira', 'cnc_a', 'usr_h', 'usr_h', '2026-01-01 00:00:00.000');
        INSERT INTO funding_stream (id, budget_holder_id, source, management_option, fund_holder, period_from, period_to,
            created_at) VALUES ('fst_a', 'bdh_a', 'adult_social_care', 'council_managed', 'council', '2026-01-01', '2026-12-31',
            '2026-01-01 00:00:00.000');
        INSERT INTO offering (id, provider_id, title, description, category, unit, public_price_pence, areas, attributes,
            tags, status, created_at, updated_at) VALUES ('off_a', 'org_p', 'Home care', 'Visits', 'personal-care', 'hour',
            1000, '["HA1"]', '{}', '[]', 'draft', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
        INSERT INTO purchase_order (id, budget_holder_id, stream_id, provider_id, status, start_date, weeks, total_pence,
            placed_by, placed_at, updated_at) VALUES ('ord_a', 'bdh_a', 'fst_a', 'org_p', 'accepted', '2026-03-02', 2, 4000,
            'usr_h', '2026-03-01 09:00:00.000', '2026-03-01 10:00:00.000');
        INSERT INTO order_line (order_id, line_number, offering_id, title, category, unit, quantity_hundredths,
            unit_price_pence, price_source, line_total_pence) VALUES ('ord_a', 1, 'off_a', 'Home care', 'personal-care',
            'hour', 200, 1000, 'public', 4000);
        INSERT INTO delivery (id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence, status,
            dispute_reason, recorded_by, recorded_at, decided_by, decided_at) VALUES
            ('dlv_a', 'ord_a', 1, '2026-03-02', 200, 2000, 'confirmed', 'late', 'usr_p', '2026-03-02 12:00:00.000',
                'usr_h', '2026-03-04 12:00:00.000'),
            ('dlv_b', 'ord_a', 1, '2026-03-09', 100, 1000, 'disputed', 'absent', 'usr_p', '2026-03-09 12:00:00.000',
                'usr_h', '2026-03-10 12:00:00.000');
        INSERT INTO audit_event (occurred_at, actor_user_id, action, subject_type, subject_id) VALUES
            ('2026-03-01 10:00:00.000', 'usr_p', 'order.accepted', 'order', 'ord_a'),
            ('2026-03-03 12:00:00.000', 'usr_h', 'delivery.disputed', 'delivery', 'dlv_a'),
            ('2026-03-10 12:00:00.000', 'usr_h', 'delivery.disputed', 'delivery', 'dlv_b');
        """

    /// A database file migrated to v4 and holding `v4Market`, in a folder of its own to remove.
    static func v4Database() async throws -> (AppDatabase, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try AppDatabase.open(path: directory.appendingPathComponent("market.sqlite").path)
        try database.migrate(upTo: "v4-budgets-orders")
        try await database.writer.write { db in try db.execute(sql: v4Market) }
        return (database, directory)
    }

    /// A v4 database with a weekly order whose first delivery was disputed and then confirmed,
    /// and a second delivery disputed: v5 keeps every row, turns `decided_*` into the decision's
    /// own columns, and fills the order's and the dispute's times in from the audit trail.
    @Test func v5KeepsDeliveriesAndFillsInTheirTimes() async throws {
        let (database, directory) = try await Self.v4Database()
        defer { try? FileManager.default.removeItem(at: directory) }
        try database.migrate()
        #expect(try database.isFullyMigrated())
        let (deliveries, order) = try await database.writer.read { db in
            (try Row.fetchAll(db, sql: """
                SELECT id, status, dispute_reason, confirmed_at, confirmed_by, disputed_at, disputed_by, voided_at
                FROM delivery ORDER BY seq
                """),
             try Row.fetchOne(db, sql: "SELECT accepted_at, declined_at, completed_at FROM purchase_order WHERE id = 'ord_a'"))
        }
        #expect(deliveries.count == 2)
        #expect(deliveries[0]["status"] as String? == "confirmed")
        #expect(deliveries[0]["confirmed_at"] as String? == "2026-03-04 12:00:00.000")
        #expect(deliveries[0]["confirmed_by"] as String? == "usr_h")
        #expect(deliveries[0]["disputed_at"] as String? == "2026-03-03 12:00:00.000", "a dispute later confirmed keeps its time")
        #expect(deliveries[0]["dispute_reason"] as String? == "late")
        #expect(deliveries[1]["disputed_at"] as String? == "2026-03-10 12:00:00.000")
        #expect(deliveries[1]["confirmed_at"] as String? == nil)
        #expect(order?["accepted_at"] as String? == "2026-03-01 10:00:00.000")
        #expect(order?["declined_at"] as String? == nil)
        // The rebuilt table keeps its backstops: deliveries are never deleted, and never exceed the order.
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "deliveries are voided, never deleted") {
            try database.writer.write { db in try db.execute(sql: "DELETE FROM delivery") }
        }
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "a delivery may not exceed what was ordered") {
            try database.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO delivery (id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence, status,
                        recorded_by, recorded_at) VALUES ('dlv_c', 'ord_a', 1, '2026-03-09', 200, 2000, 'recorded', 'usr_p', '2026-03-09')
                    """)
            }
        }
        let foreignKeys = try await database.writer.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        #expect(foreignKeys.isEmpty)
    }

    /// v9 rebuilds `invoice` to add `paid`: an invoice (with a line) written under v8 keeps every
    /// column, its own triggers come back, and other tables' triggers that name `invoice` (a credit
    /// note applying itself) still reach it.
    @Test func v9KeepsInvoicesAndTheTriggersAroundThem() async throws {
        let (database, directory) = try await Self.v4Database()
        defer { try? FileManager.default.removeItem(at: directory) }
        try database.migrate(upTo: "v8-invoice-supplier")
        try await database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO invoicing_run (id, as_of, origin, started_at) VALUES ('ivr_a', '2026-04-05', 'schedule', '2026-04-05 02:00:00.000');
                INSERT INTO invoice_line (invoice_id, line_number, delivery_id, order_id, budget_holder_id, offering_id, description,
                    delivered_on, quantity_hundredths, unit, unit_price_pence, total_pence, confirmed_by_buyer)
                    VALUES ('inv_a', 1, 'dlv_a', 'ord_a', 'bdh_a', 'off_a', 'Home care', '2026-03-02', 200, 'hour', 1000, 2000, 1);
                INSERT INTO invoice (id, provider_id, sequence_number, number, payer_kind, payer_council_id, council_id, period_start,
                    period_end, issue_date, due_date, total_pence, line_count, status, approved_by, approved_at, run_id, created_at, supplier)
                    VALUES ('inv_a', 'org_p', 1, 'BRIGHT-000001', 'council', 'cnc_a', 'cnc_a', '2026-03-01', '2026-03-31', '2026-04-05',
                    '2026-05-05', 2000, 1, 'approved', 'automatic', '2026-04-05 02:00:00.000', 'ivr_a', '2026-04-05 02:00:00.000', '{}');
                """)
        }
        let before = try await database.writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM invoice") }
        try database.migrate()
        #expect(try database.isFullyMigrated())
        let after = try await database.writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM invoice") }
        let kept = try #require(before)
        let upgraded = try #require(after)
        for column in kept.columnNames {
            #expect(upgraded[column] as DatabaseValue == kept[column] as DatabaseValue, "\(column)")
        }
        #expect(upgraded["paid_on"] as String? == nil)
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "invoices are never deleted") {
            try database.writer.write { db in try db.execute(sql: "DELETE FROM invoice") }
        }
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "an invoice is fixed once issued") {
            try database.writer.write { db in try db.execute(sql: "UPDATE invoice SET total_pence = 1") }
        }
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "paid only through a payment batch") {
            try database.writer.write { db in
                try db.execute(sql: """
                    UPDATE invoice SET status = 'paid', paid_on = '2026-05-01', payment_reference = 'x', paid_by = 'usr_h',
                        paid_at = '2026-05-01' WHERE id = 'inv_a'
                    """)
            }
        }
        try await database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO credit_note_line (credit_note_id, invoice_id, invoice_line_number, amount_pence) VALUES ('crn_a', 'inv_a', 1, 500);
                INSERT INTO credit_note (id, invoice_id, provider_id, sequence_number, number, reason, total_pence, line_count,
                    issue_date, issued_by, issued_at) VALUES ('crn_a', 'inv_a', 'org_p', 1, 'BRIGHT-CN-000001', 'half', 500, 1,
                    '2026-04-06', 'usr_p', '2026-04-06 09:00:00.000');
                """)
        }
        let credited = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT credited_pence FROM invoice") }
        #expect(credited == 500)
        let foreignKeys = try await database.writer.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        #expect(foreignKeys.isEmpty)
    }

    /// v14 rebuilds `outbox_event` with AUTOINCREMENT: every event keeps its sequence, id and
    /// payload, old events get the audiences their payloads name (the provider, the holder's
    /// council), and a number once used is never issued again, even after the last row is gone.
    @Test func v14KeepsEventsAndNeverReusesTheirNumbers() async throws {
        let (database, directory) = try await Self.v4Database()
        defer { try? FileManager.default.removeItem(at: directory) }
        try database.migrate(upTo: "v13-prohibited-spend")
        try await database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO outbox_event (seq, id, type, occurred_at, payload) VALUES
                    (1, 'evt_a', 'order.placed', '2026-03-01 09:00:00.000',
                     '{"order_id":"ord_a","budget_holder_id":"bdh_a","provider_id":"org_p","total_pence":"2000"}'),
                    (2, 'evt_b', 'concern.raised', '2026-03-02 09:00:00.000', '{"concern_id":"scn_a","council_id":"cnc_a"}');
                """)
        }
        let before = try await database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox_event ORDER BY seq") }
        try database.migrate()
        #expect(try database.isFullyMigrated())
        let after = try await database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox_event ORDER BY seq") }
        #expect(after == before)
        let audiences = try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT event_seq, audience FROM outbox_audience ORDER BY event_seq, audience")
                .map { "\($0["event_seq"] as Int64) \($0["audience"] as String)" }
        }
        #expect(audiences == ["1 cnc_a", "1 org_p", "2 cnc_a"])
        try expectRefusal(.SQLITE_CONSTRAINT_TRIGGER, "events are never deleted") {
            try database.writer.write { db in try db.execute(sql: "DELETE FROM outbox_event WHERE seq = 2") }
        }
        // Even were the newest row removed (the trigger off), its number would not come back.
        let next = try await database.writer.write { db -> Int64 in
            try db.execute(sql: "DROP TRIGGER outbox_event_no_delete; DELETE FROM outbox_audience WHERE event_seq = 2; DELETE FROM outbox_event WHERE seq = 2")
            try db.execute(sql: "INSERT INTO outbox_event (id, type, occurred_at, payload) VALUES ('evt_c', 'order.placed', '2026-03-03', '{}')")
            return db.lastInsertedRowID
        }
        #expect(next == 3)
    }
}
