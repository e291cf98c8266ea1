import Foundation
import GRDB
import MarketCore

/// An order's life after it is placed: the provider accepts, declines, records and voids
/// deliveries; the buyer confirms, disputes or cancels.
extension OrderStore {
    public func accept(_ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        try await change(id, by: policy, idempotency: idempotency) { context, now, db in
            try policy.authorizeFulfilling(orderFrom: context.order.providerID)
            try context.apply(.accept, at: now, db)
            return (.orderAccepted, context.acting(as: policy))
        }
    }

    /// Declines a placed order and releases its whole reservation.
    public func decline(_ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        try await change(id, by: policy, idempotency: idempotency) { context, now, db in
            try policy.authorizeFulfilling(orderFrom: context.order.providerID)
            try context.apply(.decline, at: now, db)
            let acting = context.acting(as: policy)
            try context.releaseUndelivered(acting: acting, at: now, db)
            return (.orderDeclined, acting)
        }
    }

    /// Cancels an open order, by its buyer (`order` right) or its provider, and releases what
    /// was not delivered. Deliveries already recorded keep their money reserved until confirmed.
    public func cancel(_ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        try await change(id, by: policy, idempotency: idempotency) { context, now, db in
            let acting: Acting
            if let access = context.holderAccess {
                acting = try access.authorize(.order)
            } else {
                try policy.authorizeFulfilling(orderFrom: context.order.providerID)
                acting = context.acting(as: policy)
            }
            try context.apply(.cancel, at: now, db)
            try context.releaseUndelivered(acting: acting, at: now, db)
            return (.orderCancelled, acting)
        }
    }

    /// Records support delivered against one line of an accepted order. Never more than was
    /// ordered in total (also a schema trigger), never ahead of a weekly order's schedule
    /// (`Order.scheduleRefusal`); the money stays reserved until confirmed.
    public func recordDelivery(
        on id: OrderID, lineNumber: Int?, deliveredOn: CalendarDay?, quantity: Decimal?, note: String?,
        by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Delivery {
        let now = database.clock.now()
        let today = CalendarDay(now)
        let taxonomy = self.taxonomy
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let context = try OrderContext.load(id, policy: policy, today: today, db)
            let order = context.order
            try policy.authorizeFulfilling(orderFrom: order.providerID)
            try order.requireAcceptingDeliveries()
            var v = Validator()
            let line = lineNumber.flatMap { number in order.lines.first { $0.lineNumber == number } }
            v.check(line != nil, "line_number", "must be one of the order's line numbers, 1 to \(order.lines.count)")
            if let deliveredOn {
                v.check(deliveredOn >= order.startDate, "delivered_on", "must not be before the order's start date \(order.startDate)")
                v.check(deliveredOn <= today, "delivered_on", "must not be after today (\(today))")
            } else {
                v.add("delivered_on", "is required")
            }
            let divisible = line.flatMap { taxonomy.unit($0.unit)?.divisible } ?? true
            let amount = Quantity.validated(quantity, divisible: divisible, "quantity", &v)
            let note = v.optionalText(note, "note", maxLength: Delivery.maximumNoteLength)
            try v.throwIfInvalid()
            guard let line, let amount, let deliveredOn else { throw MarketError.invalid("body", "is incomplete") }
            let counted = try context.deliveries(db).filter { $0.lineNumber == line.lineNumber && $0.status.counts }
            let deliveredBefore = counted.reduce(0) { $0 + $1.quantity.hundredths }
            let remaining = order.orderedQuantity(of: line) - deliveredBefore
            guard amount.hundredths <= remaining else {
                throw MarketError.invalid("quantity", "is more than is left to deliver on this line (\(Quantity.describe(remaining)) \(line.unit))")
            }
            if let refusal = order.scheduleRefusal(
                delivering: amount, of: line, on: deliveredOn, alongside: counted.map { ($0.deliveredOn, $0.quantity) })
            {
                throw MarketError.invalid("quantity", "is ahead of the order's schedule: it \(refusal)")
            }
            let delivery = Delivery(
                id: .random(), orderID: id, lineNumber: line.lineNumber, deliveredOn: deliveredOn, quantity: amount,
                amountPence: Delivery.amount(
                    of: amount, on: line, in: order, deliveredBefore: deliveredBefore,
                    chargedBefore: counted.reduce(0) { $0 + $1.amountPence }),
                status: .recorded, disputeReason: nil, note: note, recordedAt: now)
            try DeliveryRecord(delivery, recordedBy: policy.principal.userID).insert(db)
            try context.audit("delivery.recorded", subject: delivery, acting: context.acting(as: policy), at: now, db)
            try OutboxEventRecord.append(
                db, .deliveryRecorded, at: now, payload: Self.payload(of: delivery, in: order), audience: try Self.audience(of: order, db))
            return delivery
        }
    }

    // MARK: The buyer's steps

    /// Confirms a delivery (also one disputed before): its amount moves from reserved to spent.
    /// The order completes when every unit is delivered and confirmed.
    public func confirm(_ id: DeliveryID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Delivery {
        try await decide(id, by: policy, idempotency: idempotency) { context, delivery, acting, now, db in
            try context.confirm(&delivery, acting: acting, at: now, db)
            return .deliveryConfirmed
        }
    }

    /// Disputes a recorded delivery: its money stays reserved until it is confirmed.
    public func dispute(
        _ id: DeliveryID, reason: String?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Delivery {
        var v = Validator()
        let reason = v.text(reason ?? "", "reason", maxLength: 2000)
        try v.throwIfInvalid()
        return try await decide(id, by: policy, idempotency: idempotency) { _, delivery, acting, now, db in
            delivery = try delivery.applying(.dispute(reason: reason), at: now)
            try DeliveryRecord.writeStep(of: delivery, by: acting.userID, db)
            return .deliveryDisputed
        }
    }

    // MARK: Voiding

    /// Voids a delivery the provider recorded by mistake, while it is neither confirmed nor
    /// voided: it then counts for nothing, and nothing is spent. On an accepted order its money
    /// stays reserved for the support still to come; on a cancelled order it is released.
    public func void(_ id: DeliveryID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Delivery {
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let (context, record) = try OrderContext.load(delivery: id, policy: policy, today: today, db)
            try policy.authorizeFulfilling(orderFrom: context.order.providerID)
            let delivery = try record.delivery.applying(.void, at: now)
            try DeliveryRecord.writeStep(of: delivery, by: policy.principal.userID, db)
            let acting = context.acting(as: policy)
            if !context.order.status.isOpen, delivery.amountPence > 0 {
                try Ledger.post(.release, delivery.amountPence, to: try Ledger.stream(context.order.streamID, db),
                                order: context.order.id, delivery: delivery.id, acting: acting, at: now, db)
            }
            try context.audit(EventType.deliveryVoided.rawValue, subject: delivery, acting: acting, at: now, db)
            try OutboxEventRecord.append(
                db, .deliveryVoided, at: now, payload: Self.payload(of: delivery, in: context.order),
                audience: try Self.audience(of: context.order, db))
            return delivery
        }
    }
}
