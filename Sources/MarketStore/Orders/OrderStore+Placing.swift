import Foundation
import GRDB
import MarketCore

/// Placing an order: the offering, price and funding stream checked, the amount reserved.
extension OrderStore {
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
}
