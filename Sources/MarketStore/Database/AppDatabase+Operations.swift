import Foundation
import GRDB

/// What an operator watches, read from the database itself when `/metrics` is scraped: exact
/// across restarts, since they are counts of what was written.
public struct OperationalFigures: Sendable {
    public var ordersPlaced = 0
    /// Refusals recorded by reason (`prohibited_spend`, `regulator_registration`).
    public var ordersRefused: [String: Int] = [:]
    public var deliveriesRecorded = 0
    public var invoicesIssued = 0
    public var paymentBatchesPaid = 0
    /// Webhook deliveries by status (`pending`, `succeeded`, `failed`).
    public var webhookDeliveries: [String: Int] = [:]
    /// Events not yet fanned out to webhook deliveries.
    public var outboxDepth = 0
    public var databaseBytes: Int64 = 0
    public var walBytes: Int64 = 0
}

extension AppDatabase {
    /// Whether the database takes writes and its schema is current: what a proxy asks before it
    /// sends traffic (`GET /ready`).
    public func isReady() async -> (writable: Bool, migrationsCurrent: Bool) {
        let writable = (try? await writer.writeWithoutTransaction { db -> Bool in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
            return true
        }) ?? false
        return (writable, (try? isFullyMigrated()) ?? false)
    }

    /// The counts `/metrics` adds beside the HTTP ones; `path` is the database file.
    public func operationalFigures(path: String) async throws -> OperationalFigures {
        var figures = try await writer.read { db -> OperationalFigures in
            var figures = OperationalFigures()
            figures.ordersPlaced = try Int.fetchOne(db, sql: "SELECT count(*) FROM purchase_order") ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT reason, count(*) AS n FROM order_refusal GROUP BY reason") {
                figures.ordersRefused[row["reason"]] = row["n"]
            }
            figures.deliveriesRecorded = try Int.fetchOne(db, sql: "SELECT count(*) FROM delivery") ?? 0
            figures.invoicesIssued = try Int.fetchOne(db, sql: "SELECT count(*) FROM invoice") ?? 0
            figures.paymentBatchesPaid = try Int.fetchOne(db, sql: "SELECT count(*) FROM payment_batch WHERE status = 'paid'") ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status") {
                figures.webhookDeliveries[row["status"]] = row["n"]
            }
            figures.outboxDepth = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_event WHERE dispatched_at IS NULL") ?? 0
            return figures
        }
        func size(_ file: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? NSNumber)?.int64Value ?? 0
        }
        figures.databaseBytes = size(path)
        figures.walBytes = size(path + "-wal")
        return figures
    }
}
