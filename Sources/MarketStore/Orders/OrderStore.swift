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

    // MARK: Placing

    /// Places an order for a holder, as the holder or a delegate with the `order` right. Prices
    /// are the holder's today (their council's rate where one applies). Regulated care is
    /// ordered only from a provider registered with its regulator. The total is reserved on the
    /// chosen stream, or on the first stream whose period covers every day of the order, that
    /// permits every line's category (and the council's prohibited-spend list allows it) and has
    /// room. If none can pay, nothing is written and the problem says why; a refusal by the
    /// regulator rule or a prohibited-spend list is then recorded on its own (`order_refusal`).
    public func place(_ new: NewOrder, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        let now = database.clock.now()
        let today = CalendarDay(now)
        let taxonomy = self.taxonomy
        do {
            return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
                let access = try HolderAccess.load(new.holderID, policy: policy, today: today, db)
                let acting = try access.authorize(.order)
                let (lines, total, provider) = try Self.price(new, for: access.holder, today: today, taxonomy: taxonomy, db)
                let council = access.holder.councilID
                let unregulated = try Self.regulatedCareRefusals(lines, provider: provider, taxonomy: taxonomy, db)
                if !unregulated.isEmpty {
                    throw RecordedRefusal(
                        error: .validation(unregulated.map { FieldError(field: $0.field, message: $0.reason) }),
                        records: unregulated.map { refusal in
                            OrderRefusalRecord(refusal.line, council: council, provider: provider, reason: .regulatorRegistration,
                                               detail: refusal.reason, on: today)
                        })
                }
                let prohibited = try ProhibitedSpendStore.live(for: council, db)
                let stream = try Self.payingStream(
                    for: new, lines: lines, total: total, prohibited: prohibited, council: council, provider: provider, today: today, db)
                let order = Order(
                    id: .random(), holderID: new.holderID, streamID: stream.id, providerID: provider, status: .placed,
                    startDate: new.startDate, weeks: new.weeks, totalPence: total, note: new.note, lines: lines,
                    placedBy: acting.userID, delegationID: acting.delegationID, placedAt: now, updatedAt: now)
                try OrderRecord(order).insert(db)
                for line in lines { try OrderLineRecord(line, of: order.id).insert(db) }
                try Ledger.post(.reservation, total, to: stream, order: order.id, acting: acting, at: now, db)
                try Self.announce(.orderPlaced, order, acting: acting, at: now, db)
                return OrderWithDeliveries(order: order, deliveries: [])
            }
        } catch let refused as RecordedRefusal {
            try await database.write { db in for record in refused.records { try record.insert(db) } }
            throw refused.error
        }
    }

    /// Tells the holder, or anyone who can see their budget, what an order would cost and which
    /// stream could pay for it, without placing it: the same rules as `place`, each refusal said
    /// (per stream, and per line for regulated care). Bad input is refused as `place` refuses it.
    public func quote(_ new: NewOrder, by policy: AccessPolicy) async throws -> OrderQuote {
        let today = database.today
        let taxonomy = self.taxonomy
        return try await database.read { db in
            let access = try HolderAccess.load(new.holderID, policy: policy, today: today, db)
            let (lines, total, provider) = try Self.price(new, for: access.holder, today: today, taxonomy: taxonomy, db)
            let streams = try Self.streams(for: new, db)
            if let requested = new.streamID, streams.isEmpty {
                throw MarketError.invalid("stream_id", "\(requested) is not a funding stream of this budget holder")
            }
            let prohibited = try ProhibitedSpendStore.live(for: access.holder.councilID, db)
            return OrderQuote(
                holderID: new.holderID, lines: lines, totalPence: total,
                streams: streams.map { record in
                    OrderQuote.StreamAnswer(
                        stream: record.stream,
                        refusal: record.stream.refusal(toPay: new, lines: lines, totalPence: total, prohibited: prohibited))
                },
                refusals: try Self.regulatedCareRefusals(lines, provider: provider, taxonomy: taxonomy, db))
        }
    }

    /// The lines of regulated care that `provider` may not provide, each with why
    /// (`RegulatorRegistration.refusal`); empty when the order may go ahead.
    private static func regulatedCareRefusals(
        _ lines: [OrderLine], provider: OrganisationID, taxonomy: CategoryTaxonomy, _ db: Database
    ) throws -> [LineRefusal] {
        let regulated = lines.filter { taxonomy.isRegulated($0.category) }
        guard !regulated.isEmpty else { return [] }
        let registration = try RegulatorStore.registration(of: provider, db)
        let name = try String.fetchOne(db, sql: "SELECT name FROM organisation WHERE id = ?", arguments: [provider]) ?? "the provider"
        return regulated.compactMap { line in
            taxonomy.category(line.category)
                .flatMap { RegulatorRegistration.refusal(toProvide: $0, by: name, registration: registration) }
                .map { LineRefusal(line: line, reason: $0) }
        }
    }

    /// The order's lines at the holder's prices today (their council's rate where one applies),
    /// its total and its provider. Offerings that are not published count as unknown.
    private static func price(
        _ new: NewOrder, for holder: BudgetHolder, today: CalendarDay, taxonomy: CategoryTaxonomy, _ db: Database
    ) throws -> (lines: [OrderLine], total: Int64, provider: OrganisationID) {
        var offerings: [OfferingID: ListedOffering] = [:]
        for line in new.lines where offerings[line.offeringID] == nil {
            do {
                let listed = try CatalogueStore.listed(line.offeringID, audience: holder.priceAudience, today: today, db)
                if listed.offering.status == .published { offerings[line.offeringID] = listed }
            } catch MarketError.notFound {
                continue
            }
        }
        let lines = try new.priced(with: offerings, taxonomy: taxonomy)
        guard let total = Money.sum(lines.map(\.lineTotalPence)), let provider = offerings.values.first?.offering.providerID
        else { throw MarketError.invalid("lines", "the order's total is too large to pay") }
        return (lines, total, provider)
    }

    /// The stream asked for, else all the holder's, oldest first.
    private static func streams(for new: NewOrder, _ db: Database) throws -> [FundingStreamRecord] {
        try FundingStreamRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM funding_stream WHERE budget_holder_id = ? AND (? IS NULL OR id = ?) ORDER BY seq
            """), arguments: [new.holderID, new.streamID, new.streamID])
    }

    /// The stream that pays: the one asked for, or the first (oldest) that can. Refusals name
    /// every stream's reason, so the buyer knows what to change; one in which a prohibited-spend
    /// list played a part is thrown as a `RecordedRefusal`.
    private static func payingStream(
        for new: NewOrder, lines: [OrderLine], total: Int64, prohibited: [ProhibitedSpend], council: CouncilID?,
        provider: OrganisationID, today: CalendarDay, _ db: Database
    ) throws -> FundingStreamRecord {
        let streams = try Self.streams(for: new, db)
        var refusals: [StreamRefusal] = []
        func refused(_ field: String, _ message: String) -> any Error {
            let prohibitions = refusals.compactMap(\.prohibition)
            guard let first = prohibitions.first else { return MarketError.invalid(field, message) }
            return RecordedRefusal(
                error: .invalid(field, message),
                records: [OrderRefusalRecord(first.line, council: council, provider: provider, reason: .prohibitedSpend,
                                             detail: first.entry.reason, on: today)])
        }
        if let requested = new.streamID {
            guard let stream = streams.first(where: { $0.id == requested }) else {
                throw MarketError.invalid("stream_id", "is not a funding stream of this budget holder")
            }
            if let refusal = stream.stream.refusal(toPay: new, lines: lines, totalPence: total, prohibited: prohibited) {
                refusals.append(refusal)
                throw refused("stream_id", "this stream \(refusal)")
            }
            return stream
        }
        for stream in streams {
            guard let refusal = stream.stream.refusal(toPay: new, lines: lines, totalPence: total, prohibited: prohibited) else {
                return stream
            }
            refusals.append(refusal)
        }
        throw refused("stream_id", streams.isEmpty
            ? "this budget holder has no funding stream to pay from"
            : "no funding stream can pay for this order: \(zip(streams, refusals).map { "\($0.id) \($1)" }.joined(separator: "; "))")
    }

    // MARK: Reading

    /// The order with its deliveries, for its provider's staff and whoever can see its holder.
    public func order(_ id: OrderID, by policy: AccessPolicy) async throws -> OrderWithDeliveries {
        let today = CalendarDay(database.clock.now())
        return try await database.read { db in
            let context = try OrderContext.load(id, policy: policy, today: today, db)
            return OrderWithDeliveries(order: context.order, deliveries: try context.deliveries(db))
        }
    }

    /// The orders the caller can see, newest first, optionally by status or holder.
    public func orders(
        by policy: AccessPolicy, status: OrderStatus?, holder: BudgetHolderID?, page: PageRequest
    ) async throws -> Page<OrderWithDeliveries> {
        let today = CalendarDay(database.clock.now())
        var sql = "SELECT * FROM purchase_order WHERE "
        var arguments: StatementArguments = []
        switch policy.orderScope {
        case .provider(let provider):
            sql += "provider_id = ?"
            arguments += [provider]
        case .holders(let scope):
            let condition = scope.condition(on: "budget_holder_id", today: today)
            sql += condition.sql
            arguments += condition.arguments
        }
        if let status {
            sql += " AND status = ?"
            arguments += [status]
        }
        if let holder {
            sql += " AND budget_holder_id = ?"
            arguments += [holder]
        }
        try page.newestFirst(&sql, &arguments)
        let query = sql
        let fetched = try await database.read { [arguments] db in
            let records = try OrderRecord.fetchAll(db, sql: query, arguments: arguments)
            let ids = records.map(\.id.rawValue)
            let lines = Dictionary(
                grouping: try OrderLineRecord.filter(ids.contains(Column("order_id")))
                    .order(Column("order_id"), Column("line_number")).fetchAll(db),
                by: \.orderId)
            let deliveries = Dictionary(
                grouping: try DeliveryRecord.filter(ids.contains(Column("order_id"))).order(Column("seq")).fetchAll(db),
                by: \.orderId)
            return try records.map { record in
                (seq: record.seq ?? 0, order: OrderWithDeliveries(
                    order: record.order(lines: try (lines[record.id] ?? []).map { try $0.line }),
                    deliveries: try (deliveries[record.id] ?? []).map { try $0.delivery }))
            }
        }
        return Page(fetched: fetched, limit: page.limit, key: { String($0.seq) }).map(\.order)
    }

    // MARK: The provider's steps

    public func accept(_ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        try await change(id, by: policy, idempotency: idempotency) { context, now, db in
            try policy.authorizeFulfilling(orderFrom: context.order.providerID)
            try context.require(.placed, "only a placed order can be accepted")
            try context.setStatus(.accepted, at: now, db)
            return (.orderAccepted, context.acting(as: policy))
        }
    }

    /// Declines a placed order and releases its whole reservation.
    public func decline(_ id: OrderID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> OrderWithDeliveries {
        try await change(id, by: policy, idempotency: idempotency) { context, now, db in
            try policy.authorizeFulfilling(orderFrom: context.order.providerID)
            try context.require(.placed, "only a placed order can be declined")
            let acting = context.acting(as: policy)
            try context.releaseUndelivered(acting: acting, at: now, db)
            try context.setStatus(.declined, at: now, db)
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
            guard context.order.status.isOpen else {
                throw MarketError.conflict("the order is \(context.order.status.rawValue): only a placed or accepted order can be cancelled")
            }
            try context.releaseUndelivered(acting: acting, at: now, db)
            try context.setStatus(.cancelled, at: now, db)
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
            try context.require(.accepted, "deliveries are recorded on accepted orders only")
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
            guard delivery.status == .recorded else {
                throw MarketError.conflict("the delivery is \(delivery.status.rawValue): only a recorded delivery can be disputed")
            }
            delivery.status = .disputed
            delivery.disputeReason = reason
            delivery.disputedAt = now
            try db.execute(
                sql: "UPDATE delivery SET status = 'disputed', dispute_reason = ?, disputed_by = ?, disputed_at = ? WHERE id = ?",
                arguments: [reason, acting.userID, now, delivery.id])
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
            var delivery = try record.delivery
            guard delivery.status == .recorded || delivery.status == .disputed else {
                throw MarketError.conflict("the delivery is \(delivery.status.rawValue): only a recorded or disputed delivery can be voided")
            }
            delivery.status = .voided
            delivery.voidedAt = now
            try db.execute(
                sql: "UPDATE delivery SET status = 'voided', voided_by = ?, voided_at = ? WHERE id = ?",
                arguments: [policy.principal.userID, now, id])
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

    // MARK: Shared steps

    /// One transaction for a change of an order's status: `step` checks, posts to the ledger and
    /// sets the status, and names the event and who acted; the audit and outbox records follow.
    private func change(
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
    private func decide(
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
        guard let record = try OrderRecord.filter(Column("id") == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: missing)
        }
        let lines = try OrderLineRecord.filter(Column("order_id") == id.rawValue).order(Column("line_number")).fetchAll(db)
        return OrderContext(order: record.order(lines: try lines.map { try $0.line }), holderAccess: nil)
    }

    /// A delivery and its order as the caller reaches them; `notFound` ("delivery") outside.
    static func load(
        delivery id: DeliveryID, policy: AccessPolicy, today: CalendarDay, _ db: Database
    ) throws -> (OrderContext, DeliveryRecord) {
        guard let record = try DeliveryRecord.filter(Column("id") == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: "delivery")
        }
        return (try load(record.orderId, policy: policy, today: today, db, missing: "delivery"), record)
    }

    /// Who acts, when the step needs no right over the holder (the provider's steps).
    func acting(as policy: AccessPolicy) -> Acting {
        Acting(userID: policy.principal.userID, delegationID: nil, holderID: order.holderID)
    }

    /// `conflict` unless the order is `status`; `rule` says what needs it.
    func require(_ status: OrderStatus, _ rule: String) throws {
        guard order.status == status else { throw MarketError.conflict("the order is \(order.status.rawValue): \(rule)") }
    }

    /// Moves the order to `status` and records when, in that status's own column.
    func setStatus(_ status: OrderStatus, at now: Date, _ db: Database) throws {
        let when: String
        switch status {
        case .placed: when = "placed_at"
        case .accepted: when = "accepted_at"
        case .declined: when = "declined_at"
        case .cancelled: when = "cancelled_at"
        case .completed: when = "completed_at"
        }
        try db.execute(
            sql: "UPDATE purchase_order SET status = ?, updated_at = ?, \(when) = ? WHERE id = ?",
            arguments: [status, now, now, order.id])
    }

    func deliveries(_ db: Database) throws -> [Delivery] {
        try DeliveryRecord.filter(Column("order_id") == order.id.rawValue).order(Column("seq")).fetchAll(db).map { try $0.delivery }
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
        guard delivery.status == .recorded || delivery.status == .disputed else {
            throw MarketError.conflict("the delivery is \(delivery.status.rawValue): only a recorded or disputed delivery can be confirmed")
        }
        let deemed = acting == nil
        delivery.status = .confirmed
        delivery.confirmedAt = now
        try db.execute(
            sql: "UPDATE delivery SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?, confirmation_deemed = ? WHERE id = ?",
            arguments: [acting?.userID, now, deemed, delivery.id])
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
            try setStatus(.completed, at: now, db)
            var completed = order
            completed.status = .completed
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
