import Foundation
import GRDB
import MarketCore
import MarketStore
import Testing

/// The schema's backstops, when they fire inside a store's transaction, answer as the domain's
/// errors (and so as 409 or 422 problems), never as a 500. Each case breaks one real constraint
/// through `AppDatabase.write`, the store boundary, and checks what it became.
@Suite("Schema constraints as problems")
struct ConstraintTests {
    static let user = "INSERT INTO user (id, email, display_name, password_hash, role, created_at) VALUES "

    @Test(arguments: [
        // A trigger's message is written for people, and passes through.
        ("INSERT INTO audit_event (occurred_at, action, subject_type, subject_id) VALUES ('2026-01-01', 'x.y', 'x', '1'); UPDATE audit_event SET action = 'z'",
         MarketError.conflict("audit_event is append-only")),
        // A CHECK names the column it tests.
        (user + "('usr_a', 'a@b.c', ' ', '$2b$x', 'platform_admin', '2026-01-01')",
         .invalid("display_name", "is outside what the service can store")),
        ("INSERT INTO council (id, name, code, created_at) VALUES ('nope', 'Name', 'E1', '2026-01-01')",
         .invalid("id", "is outside what the service can store")),
        (user + "('usr_a', 'a@b.c', 'A', '$2b$x', 'finance', '2026-01-01')",
         .invalid("role", "is outside what the service can store")),
        // NOT NULL names its column.
        ("INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', 'Name', 'E1', NULL)",
         .invalid("created_at", "is required")),
        // UNIQUE names what is already in use.
        ("INSERT INTO council (id, name, code, created_at) VALUES ('cnc_a', 'A', 'E1', '2026-01-01'), ('cnc_b', 'B', 'E1', '2026-01-01')",
         .conflict("code is already in use")),
        // A foreign key to nothing.
        (user.replacingOccurrences(of: "created_at)", with: "council_id, created_at)") + "('usr_a', 'a@b.c', 'A', '$2b$x', 'finance', 'cnc_none', '2026-01-01')",
         .conflict("the change refers to a record that does not exist, or removes one still referred to")),
    ])
    func aConstraintThatFiresInAStoreTransactionIsADomainError(sql: String, expected: MarketError) async throws {
        let market = try await TestMarket.make(seedDemo: false)
        let error = await #expect(throws: MarketError.self) {
            try await market.database.write { db in try db.execute(sql: sql) }
        }
        #expect(error == expected)
        // Nothing of the transaction is left behind.
        #expect(try await market.count("council") == 0)
        #expect(try await market.count("user") == 0)
    }

    /// Through HTTP: the append-only ledger's trigger firing in a request's transaction is a 409
    /// problem document, not a 500. (No route edits the ledger, so the test provokes it by a
    /// trigger that refuses every reservation, as a racing writer's constraint would.)
    @Test func aBackstopFiringUnderARouteIsA409Problem() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            try await market.database.writer.write { db in
                try db.execute(sql: """
                    CREATE TEMP TRIGGER refuse_reservations BEFORE INSERT ON ledger_entry WHEN new.kind = 'reservation'
                    BEGIN SELECT RAISE(ABORT, 'reservations are closed for the test'); END
                    """)
            }
            let refused = try await client.placeOrder(scene.holderToken, Client.orderBody(holder: scene.holder, offering: scene.offering))
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused.problemType == "conflict")
            #expect(try refused.string("detail") == "reservations are closed for the test")
        }
        #expect(try await market.count("purchase_order") == 0)
    }
}

/// A row that breaks what the schema promises (written here past its CHECKs, as a hand edit
/// would) fails the request that reads it with a 500; the process and every other request go on.
@Suite("Unreadable rows")
struct UnreadableRowTests {
    @Test func aBadRowIsA500NotAStoppedProcess() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let scene = try await OrderScene.make(client, price: 1_000)
            let orderID = try await client.acceptedOrder(scene, hours: 6)
            try await market.database.writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                try db.execute(sql: "DROP TRIGGER order_line_fixed")
                try db.execute(sql: "UPDATE order_line SET quantity_hundredths = 0 WHERE order_id = ?", arguments: [orderID])
                try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            }
            let broken = try await client.send(.get, "/v1/orders/\(orderID)", token: scene.holderToken)
            #expect(broken.status == .internalServerError, "\(broken.text)")
            #expect(broken.problemType == "internal-error")
            #expect(try await client.send(.get, "/health").status == .ok)
            #expect(try await client.send(.get, "/v1/me", token: scene.holderToken).status == .ok)
        }
    }
}
