import Foundation
import GRDB
import MarketCore

/// Orders and deliveries. Each step is one write transaction holding the order change, its
/// ledger entries (through `Ledger.post`), an audit event and an outbox event.
///
/// Where an order is charged: `place` reserves the whole total; `confirm` turns a delivery's
/// amount from reserved into spent; `decline` and `cancel` release what was not delivered.
public struct OrderStore: Sendable {
    let database: AppDatabase
    let taxonomy: CategoryTaxonomy

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy) {
        self.database = database
        self.taxonomy = taxonomy
    }

    // MARK: Shared steps

    /// One transaction for a change of an order's status: `step` checks, posts to the ledger and
    /// sets the status, and names the event and who acted; the audit and outbox records follow.
    func change(
        _ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?,
        _ step: @escaping @Sendable (OrderContext, Date, Database) throws -> (EventType, Acting)
    ) async throws -> OrderWithDeliveries {
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let context = try OrderContext.load(id, policy: policy, today: today, db)
            let (event, acting) = try step(context, now, db)
            let changed = try OrderContext.load(id, policy: policy, today: today, db)
            try Self.announce(event, changed.order, acting: acting, at: now, db)
            return OrderWithDeliveries(order: changed.order, deliveries: try changed.deliveries(db))
        }
    }

    /// One transaction for the buyer's decision on a delivery: `step` checks it, writes the
    /// decision and names the event; the audit and outbox records and any completion follow.
    func decide(
        _ id: DeliveryID, by policy: AccessPolicy, idempotency: IdempotencyKey?,
        _ step: @escaping @Sendable (OrderContext, inout Delivery, Acting, Date, Database) throws -> EventType
    ) async throws -> Delivery {
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let (context, record) = try OrderContext.load(delivery: id, policy: policy, today: today, db)
            guard let access = context.holderAccess else {
                throw MarketError.forbidden("only the buyer confirms or disputes a delivery")
            }
            let acting = try access.authorize(.order)
            var delivery = try record.delivery
            let event = try step(context, &delivery, acting, now, db)
            if event != .deliveryConfirmed {
                try context.audit(event.rawValue, subject: delivery, acting: acting, at: now, db)
                try OutboxEventRecord.append(
                    db, event, at: now, payload: Self.payload(of: delivery, in: context.order),
                    audience: try Self.audience(of: context.order, db))
            }
            return delivery
        }
    }

    /// The audit and outbox records of an order's step; `acting` is `nil` for the service's own.
    static func announce(_ event: EventType, _ order: Order, acting: Acting?, at now: Date, _ db: Database) throws {
        try AuditEventRecord.append(
            db, at: now, actor: acting?.userID, action: event.rawValue, subjectType: "order", subjectID: order.id.rawValue,
            details: (acting?.auditDetails ?? ["budget_holder_id": order.holderID.rawValue]).merging(["status": order.status.rawValue, "total_pence": String(order.totalPence)]) { $1 })
        try OutboxEventRecord.append(db, event, at: now, payload: [
            "order_id": .string(order.id.rawValue), "budget_holder_id": .string(order.holderID.rawValue),
            "provider_id": .string(order.providerID.rawValue), "status": .string(order.status.rawValue),
            "total_pence": .integer(order.totalPence),
        ], audience: try audience(of: order, db))
    }

    /// Who hears of an order and its deliveries: the provider it is addressed to, and whoever
    /// follows the holder (their council, their own account, their delegates).
    static func audience(of order: Order, _ db: Database) throws -> EventAudience {
        try EventAudience.organisation(order.providerID).adding(holder: order.holderID, on: CalendarDay(order.updatedAt), db)
    }

    static func payload(of delivery: Delivery, in order: Order) -> EventPayload {
        [
            "delivery_id": .string(delivery.id.rawValue), "order_id": .string(order.id.rawValue),
            "provider_id": .string(order.providerID.rawValue), "budget_holder_id": .string(order.holderID.rawValue),
            "status": .string(delivery.status.rawValue), "amount_pence": .integer(delivery.amountPence),
        ]
    }
}

/// An order as one caller reaches it, inside one transaction: provider staff through their
/// provider, everyone else through the holder (`holderAccess`). Out of reach is `notFound`.
struct OrderContext {
    let order: Order
    let holderAccess: HolderAccess?

    static func load(
        _ id: OrderID, policy: AccessPolicy, today: CalendarDay, _ db: Database, missing: String = "order"
    ) throws -> OrderContext {
        let order = try service(id, db, missing: missing).order
        if case .provider(let provider) = policy.orderScope {
            guard provider == order.providerID else { throw MarketError.notFound(resource: missing) }
            return OrderContext(order: order, holderAccess: nil)
        }
        do {
            return OrderContext(order: order, holderAccess: try HolderAccess.load(order.holderID, policy: policy, today: today, db))
        } catch MarketError.notFound {
            throw MarketError.notFound(resource: missing)
        }
    }

    /// The order as the service itself acts on it (deemed confirmation), with no caller.
    static func service(_ id: OrderID, _ db: Database, missing: String = "order") throws -> OrderContext {
        guard let record = try OrderRecord.filter(OrderRecord.Columns.id == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: missing)
        }
        let lines = try OrderLineRecord.filter(OrderLineRecord.Columns.orderId == id.rawValue).order(OrderLineRecord.Columns.lineNumber).fetchAll(db)
        return OrderContext(order: record.order(lines: try lines.map { try $0.line }), holderAccess: nil)
    }

    /// A delivery and its order as the caller reaches them; `notFound` ("delivery") outside.
    static func load(
        delivery id: DeliveryID, policy: AccessPolicy, today: CalendarDay, _ db: Database
    ) throws -> (OrderContext, DeliveryRecord) {
        guard let record = try DeliveryRecord.filter(DeliveryRecord.Columns.id == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: "delivery")
        }
        return (try load(record.orderId, policy: policy, today: today, db, missing: "delivery"), record)
    }

    /// Who acts, when the step needs no right over the holder (the provider's steps).
    func acting(as policy: AccessPolicy) -> Acting {
        Acting(userID: policy.principal.userID, delegationID: nil, holderID: order.holderID)
    }

    /// Takes `step` (`Order.applying`: `conflict` from a status it cannot start from) and writes
    /// the order's new status and the time of the step.
    @discardableResult
    func apply(_ step: Order.Step, at now: Date, _ db: Database) throws -> Order {
        let changed = try order.applying(step, at: now)
        try OrderRecord.writeStatus(of: changed, db)
        return changed
    }

    func deliveries(_ db: Database) throws -> [Delivery] {
        try DeliveryRecord.filter(DeliveryRecord.Columns.orderId == order.id.rawValue).order(DeliveryRecord.Columns.seq).fetchAll(db).map { try $0.delivery }
    }

    /// Releases the reservation not taken by deliveries that count (recorded, disputed or confirmed).
    func releaseUndelivered(acting: Acting, at now: Date, _ db: Database) throws {
        let delivered = try Int64.fetchOne(
            db, sql: "SELECT coalesce(sum(amount_pence), 0) FROM delivery WHERE order_id = ? AND status <> 'voided'",
            arguments: [order.id]) ?? 0
        let undelivered = order.totalPence - delivered
        guard undelivered > 0 else { return }
        try Ledger.post(.release, undelivered, to: try Ledger.stream(order.streamID, db), order: order.id,
                        acting: acting, at: now, db)
    }

    func isFullyDeliveredAndConfirmed(_ db: Database) throws -> Bool {
        let deliveries = try self.deliveries(db).filter(\.status.counts)
        guard deliveries.allSatisfy({ $0.status == .confirmed }) else { return false }
        return order.lines.allSatisfy { line in
            deliveries.filter { $0.lineNumber == line.lineNumber }.reduce(0) { $0 + $1.quantity.hundredths }
                == order.orderedQuantity(of: line)
        }
    }

    /// Confirms a recorded or disputed delivery, in the caller's transaction: its amount moves
    /// from reserved to spent (`Ledger.post`), audit and `delivery.confirmed` follow, and the
    /// order completes when every unit is delivered and confirmed. `acting` is the buyer, or
    /// `nil` when the service deems it confirmed (nobody decided within the council's days).
    func confirm(_ delivery: inout Delivery, acting: Acting?, at now: Date, _ db: Database) throws {
        let deemed = acting == nil
        delivery = try delivery.applying(.confirm(deemed: deemed), at: now)
        try DeliveryRecord.writeStep(of: delivery, by: acting?.userID, db)
        if delivery.amountPence > 0 {
            try Ledger.post(.spend, delivery.amountPence, to: try Ledger.stream(order.streamID, db), order: order.id,
                            delivery: delivery.id, acting: acting, at: now, db)
        }
        try audit(deemed ? "delivery.deemed_confirmed" : EventType.deliveryConfirmed.rawValue, subject: delivery,
                  acting: acting, at: now, db)
        var payload = OrderStore.payload(of: delivery, in: order)
        payload["deemed"] = .boolean(deemed)
        try OutboxEventRecord.append(db, .deliveryConfirmed, at: now, payload: payload, audience: try OrderStore.audience(of: order, db))
        if try isFullyDeliveredAndConfirmed(db), order.status == .accepted {
            let completed = try apply(.complete, at: now, db)
            try OrderStore.announce(.orderCompleted, completed, acting: acting, at: now, db)
        }
    }

    /// The delivery's audit event; `acting` is `nil` for the service's own steps.
    func audit(_ action: String, subject delivery: Delivery, acting: Acting?, at now: Date, _ db: Database) throws {
        try AuditEventRecord.append(
            db, at: now, actor: acting?.userID, action: action, subjectType: "delivery", subjectID: delivery.id.rawValue,
            details: (acting?.auditDetails ?? ["budget_holder_id": order.holderID.rawValue])
                .merging(["order_id": order.id.rawValue, "amount_pence": String(delivery.amountPence)]) { $1 })
    }
}
