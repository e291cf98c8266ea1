import Foundation
import GRDB
import MarketCore

/// The finance audit export: every money movement of a council's people and payments in a range
/// of days (`to` included), read a page at a time so that any size streams in constant memory.
/// Each section is one named query, keyset-paged on its table's own key: ledger entries
/// (append-only), then invoices issued, credit notes issued and payments of paid batches.
public struct AuditExportStore: Sendable {
    let database: AppDatabase
    /// Rows per read (and per chunk written).
    let pageSize: Int

    public init(database: AppDatabase, pageSize: Int = 1_000) {
        self.database = database
        self.pageSize = pageSize
    }

    /// Checks the caller may export `period.council` and that it exists; call before streaming.
    public func authorize(_ period: CouncilPeriod, by policy: AccessPolicy) async throws {
        try policy.authorizeAuditExport(of: period.council)
        guard try await database.read({ db in try CouncilRecord.exists(db, key: period.council.rawValue) }) else {
            throw MarketError.notFound(resource: "council")
        }
    }

    /// Where an export has got to: a section and the last key read in it (for ledger entries,
    /// their time and id: they are read in time order, along an index, so each page resumes
    /// where the last one stopped instead of searching the council's whole ledger again).
    public struct Position: Sendable, Equatable {
        let section: Int
        let after: Int64
        let afterTime: String

        public static let start = Position(section: 0, after: 0, afterTime: "")
    }

    /// The page of money movements at `position`, and where the next one starts (`nil` when
    /// there is no more). A page may be empty where a section ends; go on from `next`.
    public func page(_ period: CouncilPeriod, at position: Position) async throws -> (page: [AuditTransaction], next: Position?) {
        let section = Section.allCases[position.section]
        let rows = try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: section.sql), arguments: [
                // Ledger pages start the index range at the last entry read (the row value below
                // only breaks ties; SQLite does not bound the range by it).
                "council": period.council.rawValue, "from": max(period.from.text, position.afterTime), "to": period.to.adding(days: 1).text,
                "after": position.after, "after_time": position.afterTime, "limit": pageSize,
            ]).map { (key: $0["k"] as Int64, time: $0["occurred"] as String, transaction: section.transaction($0)) }
        }
        let next: Position?
        if let last = rows.last, rows.count == pageSize {
            next = Position(section: position.section, after: last.key, afterTime: last.time)
        } else {
            next = position.section + 1 < Section.allCases.count ? Position(section: position.section + 1, after: 0, afterTime: "") : nil
        }
        return (rows.map(\.transaction), next)
    }

    enum Section: CaseIterable {
        case ledger, invoices, creditNotes, payments

        var sql: String {
            switch self {
            case .ledger: Self.ledgerSQL
            case .invoices: Self.invoicesSQL
            case .creditNotes: Self.creditNotesSQL
            case .payments: Self.paymentsSQL
            }
        }

        /// Ledger entries of the council's holders in time order (`ledger_entry_time`, read from
        /// the ledger's side: `CROSS JOIN` keeps SQLite from starting at the holders and sorting
        /// all their entries for every page); a spend's invoice where it was invoiced.
        static let ledgerSQL = """
            SELECT e.id AS k, e.occurred_at AS occurred, e.id, e.occurred_at, e.kind, e.amount_pence, e.budget_holder_id, h.council_reference, e.stream_id,
                s.source, s.management_option, o.provider_id, e.order_id, e.delivery_id, il.invoice_id, i.number,
                e.actor_user_id, e.delegation_id
            FROM ledger_entry e
            CROSS JOIN budget_holder h ON h.id = e.budget_holder_id
            JOIN funding_stream s ON s.id = e.stream_id
            LEFT JOIN purchase_order o ON o.id = e.order_id
            LEFT JOIN invoice_line il ON il.delivery_id = e.delivery_id AND e.kind = 'spend'
            LEFT JOIN invoice i ON i.id = il.invoice_id
            WHERE h.council_id = :council AND e.occurred_at >= :from AND e.occurred_at < :to
                AND (e.occurred_at, e.id) > (:after_time, :after)
            ORDER BY e.occurred_at, e.id LIMIT :limit
            """
        static let invoicesSQL = """
            SELECT seq AS k, '' AS occurred, id, issue_date, status, total_pence, provider_id, number
            FROM invoice WHERE council_id = :council AND issue_date >= :from AND issue_date < :to AND seq > :after
            ORDER BY seq LIMIT :limit
            """
        static let creditNotesSQL = """
            SELECT c.seq AS k, '' AS occurred, c.id, c.issue_date, c.total_pence, c.provider_id, c.invoice_id, i.number, c.issued_by
            FROM credit_note c JOIN invoice i ON i.id = c.invoice_id
            WHERE i.council_id = :council AND c.issue_date >= :from AND c.issue_date < :to AND c.seq > :after
            ORDER BY c.seq LIMIT :limit
            """
        /// Payments of the council's paid batches, by the batch's value date.
        static let paymentsSQL = """
            SELECT p.seq AS k, '' AS occurred, p.id, b.value_date, p.status, p.amount_pence, p.provider_id, b.paid_by
            FROM payment p JOIN payment_batch b ON b.id = p.batch_id
            WHERE b.payer_id = :council AND b.status = 'paid' AND b.value_date >= :from AND b.value_date < :to AND p.seq > :after
            ORDER BY p.seq LIMIT :limit
            """

        func transaction(_ row: Row) -> AuditTransaction {
            switch self {
            case .ledger:
                var t = AuditTransaction(
                    recordType: .ledgerEntry, recordID: String(row["id"] as Int64), occurred: row["occurred_at"], kind: row["kind"],
                    amountPence: row["amount_pence"])
                t.budgetHolderID = row["budget_holder_id"]
                t.councilReference = row["council_reference"]
                t.streamID = row["stream_id"]
                t.fundingSource = row["source"]
                t.managementOption = row["management_option"]
                t.providerID = row["provider_id"]
                t.orderID = row["order_id"]
                t.deliveryID = row["delivery_id"]
                t.invoiceID = row["invoice_id"]
                t.invoiceNumber = row["number"]
                t.actorUserID = row["actor_user_id"]
                t.delegationID = row["delegation_id"]
                return t
            case .invoices:
                var t = AuditTransaction(
                    recordType: .invoice, recordID: row["id"], occurred: row["issue_date"], kind: row["status"],
                    amountPence: row["total_pence"])
                t.providerID = row["provider_id"]
                t.invoiceID = row["id"]
                t.invoiceNumber = row["number"]
                return t
            case .creditNotes:
                var t = AuditTransaction(
                    recordType: .creditNote, recordID: row["id"], occurred: row["issue_date"], kind: "issued",
                    amountPence: row["total_pence"])
                t.providerID = row["provider_id"]
                t.invoiceID = row["invoice_id"]
                t.invoiceNumber = row["number"]
                t.creditNoteID = row["id"]
                t.actorUserID = row["issued_by"]
                return t
            case .payments:
                var t = AuditTransaction(
                    recordType: .payment, recordID: row["id"], occurred: row["value_date"], kind: row["status"],
                    amountPence: row["amount_pence"])
                t.providerID = row["provider_id"]
                t.paymentID = row["id"]
                t.actorUserID = row["paid_by"]
                return t
            }
        }
    }
}
