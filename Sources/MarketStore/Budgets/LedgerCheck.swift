import Foundation
import GRDB
import MarketCore

/// Checks the money invariants over the whole database, for tests, the crash-safety script and
/// operators (`supportmarket check-ledger`):
/// - every stream's cached balance equals the sums of its ledger entries, and committed + spent
///   never exceeds allocated;
/// - every order reserved exactly its total, once, and announced itself in the outbox;
/// - what an order spent (spend less reversals) equals its confirmed deliveries less what credit
///   notes gave back, and what it still holds is what a declined, cancelled or completed order
///   should hold (nothing, or its unconfirmed deliveries);
/// - each invoice's total, credited amount and line count are its lines'; each delivery is on
///   at most one line (also a UNIQUE constraint); each provider's invoice and credit note
///   numbers run 1...N without a gap;
/// - each payment is the sum of what it settles and each batch the sum of its payments; no
///   invoice is paid twice or settled by two live payments; a paid council or broker invoice is
///   settled by exactly one paid payment.
public struct LedgerCheck: Sendable {
    public struct Report: Sendable {
        public let streams: Int
        public let orders: Int
        public let entries: Int
        public let violations: [String]
    }

    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func run() async throws -> Report {
        try await database.read { db in
            var violations: [String] = []
            let streams = try Row.fetchAll(db, sql: """
                SELECT s.id, s.allocated_pence, s.committed_pence, s.spent_pence,
                    coalesce(sum(e.allocated_change_pence), 0) AS allocated,
                    coalesce(sum(e.committed_change_pence), 0) AS committed,
                    coalesce(sum(e.spent_change_pence), 0) AS spent
                FROM funding_stream s LEFT JOIN ledger_entry e ON e.stream_id = s.id GROUP BY s.id
                """)
            for row in streams {
                let id: String = row["id"]
                let cached = StreamBalance(
                    allocatedPence: row["allocated_pence"], committedPence: row["committed_pence"], spentPence: row["spent_pence"])
                let summed = StreamBalance(allocatedPence: row["allocated"], committedPence: row["committed"], spentPence: row["spent"])
                if cached != summed { violations.append("stream \(id): cached balance \(cached) differs from its entries \(summed)") }
                if summed.availablePence < 0 || summed.committedPence < 0 || summed.spentPence < 0 {
                    violations.append("stream \(id): overspent or negative: \(summed)")
                }
            }
            let orders = try Row.fetchAll(db, sql: """
                SELECT o.id, o.status, o.total_pence,
                    (SELECT count(*) FROM ledger_entry WHERE order_id = o.id AND kind = 'reservation') AS reservations,
                    (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entry WHERE order_id = o.id AND kind = 'reservation') AS reserved,
                    (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entry WHERE order_id = o.id AND kind = 'release') AS released,
                    (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entry WHERE order_id = o.id AND kind = 'spend') AS spent,
                    (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entry WHERE order_id = o.id AND kind = 'reversal') AS reversed,
                    (SELECT coalesce(sum(amount_pence), 0) FROM delivery WHERE order_id = o.id AND status = 'confirmed') AS confirmed,
                    (SELECT coalesce(sum(credited_pence), 0) FROM invoice_line WHERE order_id = o.id) AS credited,
                    (SELECT coalesce(sum(amount_pence), 0) FROM delivery WHERE order_id = o.id AND status IN ('recorded', 'disputed')) AS unconfirmed
                FROM purchase_order o
                """)
            // Counted in one pass: a count per order would scan the outbox once for each.
            var announced: [String: Int] = [:]
            let placed = try String.fetchCursor(db, sql: """
                SELECT json_extract(payload, '$.order_id') FROM outbox_event WHERE type = 'order.placed'
                """)
            while let order = try placed.next() { announced[order, default: 0] += 1 }
            for row in orders {
                let id: String = row["id"]
                let total: Int64 = row["total_pence"]
                let status: String = row["status"]
                let reserved: Int64 = row["reserved"]
                let released: Int64 = row["released"]
                let spent: Int64 = row["spent"]
                let unconfirmed: Int64 = row["unconfirmed"]
                let held = reserved - released - spent
                if row["reservations"] != 1 as Int64 || reserved != total {
                    violations.append("order \(id): reserved \(reserved) in \(row["reservations"] as Int64) entries for a total of \(total)")
                }
                let reversed: Int64 = row["reversed"]
                let confirmed: Int64 = row["confirmed"]
                let credited: Int64 = row["credited"]
                if spent - reversed != confirmed - credited {
                    violations.append("order \(id): spent \(spent) less reversals \(reversed), confirmed deliveries \(confirmed) less credited \(credited)")
                }
                let expectedHeld: Int64 = switch status {
                case "placed", "accepted": total - spent
                case "declined": 0
                default: unconfirmed
                }
                if held != expectedHeld { violations.append("order \(id) (\(status)): holds \(held), should hold \(expectedHeld)") }
                if announced[id] != 1 { violations.append("order \(id): \(announced[id] ?? 0) order.placed events") }
            }
            violations += try Self.invoiceViolations(db)
            let entries = try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entry") ?? 0
            return Report(streams: streams.count, orders: orders.count, entries: entries, violations: violations)
        }
    }

    /// Invoices that disagree with their lines, deliveries on more than one line, and gaps in
    /// any provider's invoice or credit note numbers.
    static func invoiceViolations(_ db: Database) throws -> [String] {
        var violations: [String] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT i.number, i.total_pence, i.credited_pence, i.line_count,
                coalesce(sum(l.total_pence), 0) AS lines_total, coalesce(sum(l.credited_pence), 0) AS lines_credited,
                count(l.line_number) AS lines
            FROM invoice i LEFT JOIN invoice_line l ON l.invoice_id = i.id GROUP BY i.id
            HAVING i.total_pence <> lines_total OR i.credited_pence <> lines_credited OR i.line_count <> lines
            """) {
            violations.append("invoice \(row["number"] as String): total \(row["total_pence"] as Int64), credited \(row["credited_pence"] as Int64) and \(row["line_count"] as Int) lines differ from its lines' \(row["lines_total"] as Int64), \(row["lines_credited"] as Int64) and \(row["lines"] as Int)")
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT delivery_id, count(*) AS lines FROM invoice_line GROUP BY delivery_id HAVING count(*) > 1
            """) {
            violations.append("delivery \(row["delivery_id"] as String) is on \(row["lines"] as Int) invoice lines")
        }
        for table in ["invoice", "credit_note"] {
            for row in try Row.fetchAll(db, sql: """
                SELECT provider_id, count(*) AS documents, max(sequence_number) AS highest, count(DISTINCT sequence_number) AS distinct_numbers
                FROM \(table) GROUP BY provider_id HAVING highest <> documents OR distinct_numbers <> documents OR min(sequence_number) <> 1
                """) {
                violations.append("\(table) numbers of provider \(row["provider_id"] as String): \(row["documents"] as Int) documents numbered up to \(row["highest"] as Int64)")
            }
        }
        return violations + (try paymentViolations(db))
    }

    /// Payments that disagree with their items or batch, and invoices paid other than once.
    static func paymentViolations(_ db: Database) throws -> [String] {
        var violations: [String] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT p.id, p.amount_pence, coalesce(sum(i.amount_pence), 0) AS items FROM payment p
            LEFT JOIN payment_item i ON i.payment_id = p.id GROUP BY p.id HAVING p.amount_pence <> items
            """) {
            violations.append("payment \(row["id"] as String): \(row["amount_pence"] as Int64) differs from what it settles, \(row["items"] as Int64)")
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT b.id, b.total_pence, b.payment_count, coalesce(sum(p.amount_pence), 0) AS paid, count(p.id) AS payments
            FROM payment_batch b LEFT JOIN payment p ON p.batch_id = b.id GROUP BY b.id
            HAVING b.total_pence <> paid OR b.payment_count <> payments
            """) {
            violations.append("payment batch \(row["id"] as String): total \(row["total_pence"] as Int64) in \(row["payment_count"] as Int) payments differs from its payments' \(row["paid"] as Int64) in \(row["payments"] as Int)")
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT v.number, v.status, count(i.payment_id) AS live, sum(p.status = 'paid') AS paid
            FROM invoice v LEFT JOIN payment_item i ON i.invoice_id = v.id AND i.live = 1 AND i.credit_note_id IS NULL
            LEFT JOIN payment p ON p.id = i.payment_id
            WHERE v.payer_kind <> 'budget_holder' GROUP BY v.id
            HAVING live > 1 OR (v.status = 'paid') <> (coalesce(paid, 0) = 1)
            """) {
            violations.append("invoice \(row["number"] as String) (\(row["status"] as String)): in \(row["live"] as Int) live payments, \(row["paid"] as Int? ?? 0) of them paid")
        }
        return violations
    }
}
