import Foundation
import GRDB
import Logging
import MarketCore

/// A delivered history for invoicing benchmarks and the crash drill: on a market that already
/// has providers with published offerings and councils, budget holders (most funded by a
/// council, some on direct payments, some self-funded) with one stream each, completed orders of
/// ten one-hour deliveries spread over the months before `asOf`, every delivery confirmed by the
/// buyer and spent through the ledger, and a billing profile for every provider but every
/// fiftieth (which an invoicing run then skips and reports).
///
/// Deterministic for a `seed`. Written straight to the tables with the schema's triggers on, so
/// the ledger check holds; in transactions of `ordersPerTransaction` orders, logging progress.
public struct SyntheticDeliveries: Sendable {
    let database: AppDatabase
    static let deliveriesPerOrder = 10
    static let ordersPerTransaction = 2_000

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Writes about `deliveries` deliveries (rounded up to whole orders) before `asOf`; returns how many.
    public func generate(deliveries: Int, asOf: CalendarDay, seed: UInt64, logger: Logger) async throws -> Int {
        var random = SplitMix64(seed: seed &+ 7)
        let now = database.clock.now()
        let (offerings, councils, providers) = try await database.read { db in
            (try Row.fetchAll(db, sql: """
                SELECT id, provider_id, title, category, unit, public_price_pence FROM offering
                WHERE status = 'published' ORDER BY seq LIMIT 5000
                """).map { row in
                    (id: row["id"] as String, provider: row["provider_id"] as String, title: row["title"] as String,
                     category: row["category"] as String, unit: row["unit"] as String, price: row["public_price_pence"] as Int64)
                },
             try String.fetchAll(db, sql: "SELECT id FROM council ORDER BY id"),
             try String.fetchAll(db, sql: "SELECT DISTINCT provider_id FROM offering WHERE status = 'published' ORDER BY provider_id"))
        }
        guard !offerings.isEmpty, !councils.isEmpty else {
            throw MarketError.conflict("synthetic deliveries need published offerings and a council: seed a market first")
        }
        let orders = (deliveries + Self.deliveriesPerOrder - 1) / Self.deliveriesPerOrder
        let holders = max(1, orders / 20)
        let userID = UserID.random(using: &random)
        let holderIDs = (0..<holders).map { _ in BudgetHolderID.random(using: &random) }
        let streamIDs = (0..<holders).map { _ in FundingStreamID.random(using: &random) }
        let firstDay = asOf.adding(days: -300)

        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -524288; PRAGMA synchronous = OFF")
        }
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO user (id, email, display_name, password_hash, role, created_at)
                VALUES (?, ?, 'Synthetic deliveries', '$2b$04$synthetic.deliveries.nobody.logs.in', 'platform_admin', ?)
                """, arguments: [userID, "deliveries\(userID.rawValue.suffix(8))@synthetic.test", now])
            for (index, provider) in providers.enumerated() where index % 50 != 49 {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO billing_profile (provider_id, legal_name, address_line1, town, postcode,
                        payment_terms_days, invoice_prefix, remittance_email, updated_by, updated_at)
                    VALUES (?, 'Synthetic Provider ' || ?, '1 Synthetic Street', 'Synthtown', 'SY1 1AA', 30, ?, 'accounts@synthetic.test', ?, ?)
                    """, arguments: [provider, index + 1, "SYN\(index + 1)", userID, now])
            }
            for index in 0..<holders {
                let kind = index % 10
                let council: String? = kind == 9 ? nil : councils[index % councils.count]
                let managed = kind < 8
                try db.execute(sql: """
                    INSERT INTO budget_holder (id, display_name, council_id, created_by, created_at, council_reference)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [holderIDs[index], "Synthetic Holder \(index + 1)", council, userID, now,
                                     council == nil ? nil : "SC-\(index + 1)"])
                try db.execute(sql: """
                    INSERT INTO funding_stream (id, budget_holder_id, source, management_option, fund_holder, period_from,
                        period_to, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [streamIDs[index], holderIDs[index], council == nil ? "own_contribution" : "adult_social_care",
                                     managed ? "council_managed" : "direct_payment", managed ? "council" : "holder",
                                     firstDay.adding(days: -30), asOf.adding(days: 365), now])
                try db.execute(sql: """
                    INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence,
                        committed_change_pence, spent_change_pence, actor_user_id, occurred_at)
                    VALUES (?, ?, 'allocation', ?, ?, 0, 0, ?, ?)
                    """, arguments: [streamIDs[index], holderIDs[index], 1_000_000_000, 1_000_000_000, userID, now])
            }
        }
        logger.info("synthetic holders written", metadata: ["synthetic.holders": "\(holders)"])

        var written = 0
        while written < orders {
            let count = min(Self.ordersPerTransaction, orders - written)
            var batch: [(order: OrderID, holder: Int, offering: Int, start: Int, deliveries: [DeliveryID])] = []
            for _ in 0..<count {
                batch.append((
                    OrderID.random(using: &random), random.next(upperBound: holders), random.next(upperBound: offerings.count),
                    random.next(upperBound: 300 - 2 * Self.deliveriesPerOrder),
                    (0..<Self.deliveriesPerOrder).map { _ in DeliveryID.random(using: &random) }))
            }
            let rows = batch
            try await database.write { db in
                let order = try db.cachedStatement(sql: """
                    INSERT INTO purchase_order (id, budget_holder_id, stream_id, provider_id, status, start_date, total_pence,
                        placed_by, placed_at, updated_at, accepted_at, completed_at)
                    VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, NULL)
                    """)
                let line = try db.cachedStatement(sql: """
                    INSERT INTO order_line (order_id, line_number, offering_id, title, category, unit, quantity_hundredths,
                        unit_price_pence, price_source, line_total_pence)
                    VALUES (?, 1, ?, ?, ?, ?, ?, ?, 'public', ?)
                    """)
                let entry = try db.cachedStatement(sql: """
                    INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence,
                        committed_change_pence, spent_change_pence, order_id, delivery_id, actor_user_id, occurred_at)
                    VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                    """)
                let delivery = try db.cachedStatement(sql: """
                    INSERT INTO delivery (id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence, status,
                        recorded_by, recorded_at, confirmed_by, confirmed_at)
                    VALUES (?, ?, 1, ?, 100, ?, 'confirmed', ?, ?, ?, ?)
                    """)
                let event = try db.cachedStatement(sql: """
                    INSERT INTO outbox_event (id, type, occurred_at, payload) VALUES (?, 'order.placed', ?, json_object('order_id', ?))
                    """)
                for row in rows {
                    let offering = offerings[row.offering]
                    let holder = holderIDs[row.holder]
                    let stream = streamIDs[row.holder]
                    let start = firstDay.adding(days: row.start)
                    let total = offering.price * Int64(Self.deliveriesPerOrder)
                    try order.execute(arguments: [row.order, holder, stream, offering.provider, start, total, userID, now, now, now])
                    try line.execute(arguments: [
                        row.order, offering.id, offering.title, offering.category, offering.unit,
                        Self.deliveriesPerOrder * 100, offering.price, total,
                    ])
                    try entry.execute(arguments: [stream, holder, "reservation", total, total, 0, row.order, nil, userID, now])
                    for (number, id) in row.deliveries.enumerated() {
                        let day = start.adding(days: 2 * number)
                        try delivery.execute(arguments: [id, row.order, day, offering.price, userID, now, userID, now])
                        try entry.execute(arguments: [
                            stream, holder, "spend", offering.price, -offering.price, offering.price, row.order, id, userID, now,
                        ])
                    }
                    try event.execute(arguments: [OutboxEventID.random(), now, row.order])
                }
                try db.execute(
                    sql: "UPDATE purchase_order SET status = 'completed', completed_at = ? WHERE id IN (SELECT value FROM json_each(?))",
                    arguments: [now, String(decoding: try JSONEncoder().encode(rows.map(\.order.rawValue)), as: UTF8.self)])
            }
            written += count
            logger.info("synthetic deliveries written", metadata: [
                "synthetic.deliveries": "\(written * Self.deliveriesPerOrder)", "synthetic.deliveries.total": "\(orders * Self.deliveriesPerOrder)",
            ])
        }
        try await database.write { db in try db.execute(sql: "PRAGMA analysis_limit = 1000; ANALYZE") }
        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA synchronous = FULL; PRAGMA cache_size = -16384")
        }
        return orders * Self.deliveriesPerOrder
    }
}
