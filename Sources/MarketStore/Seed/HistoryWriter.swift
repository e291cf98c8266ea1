import Foundation
import GRDB
import MarketCore

/// Writes a market's past straight into the tables, with the schema's triggers and checks on:
/// budget holders with a funded stream, orders that were declined, cancelled or accepted and
/// delivered (every delivery confirmed and spent through the ledger on its day), ratings,
/// logged searches, community views and refused orders. The history generator
/// (`SyntheticHistory`) and the reports' tests write through it, so both make data the service
/// itself could have made, and the ledger check holds.
///
/// One writer per transaction; its statements are cached by the connection.
package struct HistoryWriter {
    let db: Database
    /// The account recorded as having acted (placed, recorded, confirmed).
    let actor: String

    package init(_ db: Database, actor: String) {
        self.db = db
        self.actor = actor
    }

    /// An account that acts in the written history; nobody can log in as it.
    package static func insertActor(_ db: Database, id: UserID, email: String, at now: Date) throws {
        try db.execute(sql: """
            INSERT INTO user (id, email, display_name, password_hash, role, created_at)
            VALUES (?, ?, 'Synthetic history', '$2b$04$synthetic.history.nobody.logs.in.at.all', 'platform_admin', ?)
            """, arguments: [id, email, now])
    }

    package struct Stream {
        package var id: FundingStreamID
        package var source: String
        package var managementOption: String
        package var from: CalendarDay
        package var to: CalendarDay
        package var allocatedPence: Int64

        package init(id: FundingStreamID, source: String, managementOption: String, from: CalendarDay, to: CalendarDay, allocatedPence: Int64) {
            self.id = id
            self.source = source
            self.managementOption = managementOption
            self.from = from
            self.to = to
            self.allocatedPence = allocatedPence
        }
    }

    /// A budget holder of `council` (a self-funder when `nil`) with one stream, allocated at `at`.
    package func holder(_ id: BudgetHolderID, council: String?, reference: String?, stream: Stream, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO budget_holder (id, display_name, council_id, created_by, created_at, council_reference) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, "Holder \(reference ?? id.rawValue)", council, actor, at, reference])
        let managed = stream.managementOption == "council_managed"
        try db.cachedStatement(sql: """
            INSERT INTO funding_stream (id, budget_holder_id, source, management_option, fund_holder, period_from, period_to, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                stream.id, id, stream.source, stream.managementOption, managed ? "council" : "holder", stream.from, stream.to, at,
            ])
        try ledger(stream.id, id, "allocation", stream.allocatedPence, committed: 0, spent: 0, allocated: stream.allocatedPence, at: at)
    }

    /// What an order bought: one line per offering.
    package struct Line {
        package var offeringID: String
        package var title: String
        package var category: String
        package var unit: String
        package var unitPricePence: Int64
        package var priceSource: String
        /// Units ordered; each is delivered (and spent) separately when the order is accepted.
        package var quantity: Int

        package init(offeringID: String, title: String, category: String, unit: String, unitPricePence: Int64, priceSource: String, quantity: Int) {
            self.offeringID = offeringID
            self.title = title
            self.category = category
            self.unit = unit
            self.unitPricePence = unitPricePence
            self.priceSource = priceSource
            self.quantity = quantity
        }
    }

    package enum Outcome {
        /// Accepted `acceptedAfter` the placing, then every unit delivered, confirmed and spent
        /// on `deliveredOn` (one day per line, in order).
        case delivered(acceptedAfter: TimeInterval, deliveredOn: [CalendarDay])
        case declined(after: TimeInterval)
        case cancelled(after: TimeInterval)
    }

    /// An order placed at `placedAt` by `holder` from `stream` with `provider`, and what became of it.
    package func order(
        _ id: OrderID, holder: BudgetHolderID, stream: FundingStreamID, provider: String, lines: [Line], placedAt: Date, outcome: Outcome,
        deliveryIDs: inout some RandomNumberGenerator
    ) throws {
        guard let providerID = OrganisationID(provider) else { throw MarketError.invalid("provider_id", "is not a provider's id") }
        let total = lines.reduce(Int64(0)) { $0 + $1.unitPricePence * Int64($1.quantity) }
        let status: String, acceptedAt: Date?, declinedAt: Date?, cancelledAt: Date?, completedAt: Date?
        switch outcome {
        case let .delivered(after, days):
            (status, acceptedAt, declinedAt, cancelledAt) = ("completed", placedAt + after, nil, nil)
            completedAt = days.max().map { Self.noon($0) }
        case let .declined(after): (status, acceptedAt, declinedAt, cancelledAt, completedAt) = ("declined", nil, placedAt + after, nil, nil)
        case let .cancelled(after): (status, acceptedAt, declinedAt, cancelledAt, completedAt) = ("cancelled", nil, nil, placedAt + after, nil)
        }
        let updatedAt = completedAt ?? acceptedAt ?? declinedAt ?? cancelledAt ?? placedAt
        try db.cachedStatement(sql: """
            INSERT INTO purchase_order (id, budget_holder_id, stream_id, provider_id, status, start_date, total_pence, placed_by,
                placed_at, updated_at, accepted_at, declined_at, cancelled_at, completed_at)
            VALUES (?, ?, ?, ?, 'placed', ?, ?, ?, ?, ?, ?, ?, ?, NULL)
            """).execute(arguments: [
                id, holder, stream, provider, CalendarDay(placedAt), total, actor, placedAt, updatedAt, acceptedAt, declinedAt, cancelledAt,
            ])
        let insertLine = try db.cachedStatement(sql: """
            INSERT INTO order_line (order_id, line_number, offering_id, title, category, unit, quantity_hundredths, unit_price_pence,
                price_source, line_total_pence)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (index, line) in lines.enumerated() {
            try insertLine.execute(arguments: [
                id, index + 1, line.offeringID, line.title, line.category, line.unit, line.quantity * 100, line.unitPricePence,
                line.priceSource, line.unitPricePence * Int64(line.quantity),
            ])
        }
        try ledger(stream, holder, "reservation", total, committed: total, spent: 0, order: id, at: placedAt)
        // Announced as the service announces a placed order (the ledger check counts these).
        try OutboxEventRecord.append(db, .orderPlaced, at: placedAt, payload: [
            "order_id": .string(id.rawValue), "budget_holder_id": .string(holder.rawValue), "provider_id": .string(provider),
            "status": .string("placed"), "total_pence": .integer(total),
        ], audience: try EventAudience.organisation(providerID).adding(holder: holder, on: CalendarDay(placedAt), db))
        // It is the past: fanned out to the endpoints of its day, not to today's.
        try db.cachedStatement(sql: "UPDATE outbox_event SET dispatched_at = occurred_at WHERE seq = (SELECT max(seq) FROM outbox_event)").execute()
        switch outcome {
        case let .delivered(_, days):
            let insertDelivery = try db.cachedStatement(sql: """
                INSERT INTO delivery (id, order_id, line_number, delivered_on, quantity_hundredths, amount_pence, status,
                    recorded_by, recorded_at, confirmed_by, confirmed_at)
                VALUES (?, ?, ?, ?, 100, ?, 'confirmed', ?, ?, ?, ?)
                """)
            for (index, line) in lines.enumerated() {
                let day = days[min(index, days.count - 1)]
                for _ in 0..<line.quantity {
                    let delivery = DeliveryID.random(using: &deliveryIDs)
                    let at = Self.noon(day)
                    try insertDelivery.execute(arguments: [delivery, id, index + 1, day, line.unitPricePence, actor, at, actor, at])
                    try ledger(
                        stream, holder, "spend", line.unitPricePence, committed: -line.unitPricePence, spent: line.unitPricePence,
                        order: id, delivery: delivery, at: at)
                }
            }
        case let .declined(after), let .cancelled(after):
            try ledger(stream, holder, "release", total, committed: -total, spent: 0, order: id, at: placedAt + after)
        }
        try db.cachedStatement(sql: "UPDATE purchase_order SET status = ?, completed_at = ? WHERE id = ?")
            .execute(arguments: [status, completedAt, id])
    }

    /// A rating of a delivered order, by its holder.
    package func rating(_ id: RatingID, order: OrderID, provider: String, holder: BudgetHolderID, council: String?, category: String, stars: Int, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO rating (id, order_id, provider_id, budget_holder_id, rater_council_id, category, stars, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, order, provider, holder, council, category, stars, actor, at, at])
    }

    /// A logged search, as the search demand recorder writes it.
    package func search(council: String?, category: String?, area: String?, resultCount: Int, moreResults: Bool, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO search_demand (occurred_at, council_id, category, area, filters, had_text, result_count, more_results)
            VALUES (?, ?, ?, ?, '{"sort":"relevance"}', 0, ?, ?)
            """).execute(arguments: [at, council, category, area, resultCount, moreResults])
    }

    /// A day's views and click-throughs of a community listing.
    package func communityUsage(resource: String, day: CalendarDay, views: Int, clickThroughs: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO community_usage (resource_id, day, views, click_throughs) VALUES (?, ?, ?, ?)
            ON CONFLICT (resource_id, day) DO UPDATE SET views = views + excluded.views, click_throughs = click_throughs + excluded.click_throughs
            """).execute(arguments: [resource, day, views, clickThroughs])
    }

    /// An order refused by prohibited-spend rules or regulator gating.
    package func refusal(council: String?, category: String, offering: String, provider: String, reason: String, on day: CalendarDay) throws {
        try db.cachedStatement(sql: """
            INSERT INTO order_refusal (refused_on, council_id, category, offering_id, provider_id, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [day, council, category, offering, provider, reason, "synthetic history"])
    }

    private func ledger(
        _ stream: FundingStreamID, _ holder: BudgetHolderID, _ kind: String, _ amount: Int64, committed: Int64, spent: Int64,
        allocated: Int64 = 0, order: OrderID? = nil, delivery: DeliveryID? = nil, at: Date
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO ledger_entry (stream_id, budget_holder_id, kind, amount_pence, allocated_change_pence, committed_change_pence,
                spent_change_pence, order_id, delivery_id, actor_user_id, occurred_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [stream, holder, kind, amount, allocated, committed, spent, order, delivery, actor, at])
    }

    /// Midday UTC of `day`: when the history says a day's deliveries happened.
    package static func noon(_ day: CalendarDay) -> Date {
        Date(timeIntervalSince1970: TimeInterval(CalendarDay(Date(timeIntervalSince1970: 0)).days(until: day)) * 86_400 + 43_200)
    }
}
