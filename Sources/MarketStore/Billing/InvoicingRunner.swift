import Foundation
import GRDB
import Logging
import MarketCore

/// The invoicing run: where invoices are written and numbered.
///
/// 1. Deemed confirmation: a delivery nobody confirmed or disputed within its council's
///    `deemed_confirmed_after_days` is confirmed by the service (`OrderContext.confirm`, acting
///    nobody), in batches of `deemedPerTransaction`.
/// 2. Then, provider by provider, one invoice per payer × the holders' council × billing period,
///    for closed periods only, one line per confirmed delivery not yet on a line. Each invoice
///    (lines, header, number, audit, outbox, the run's counters) is written whole in one
///    transaction with others, of this provider and the next, up to about `linesPerTransaction`
///    lines.
///
/// A run killed at any instant leaves only whole invoices behind; the next run picks up what
/// is left, because "not yet on a line" is read again inside each write. A delivery confirmed
/// after its period was invoiced goes on a supplementary invoice for that period in a later run.
public struct InvoicingRunner: Sendable {
    let database: AppDatabase
    let logger: Logger

    static let deemedPerTransaction = 500
    /// A trade of throughput against the write lock's hold: orders placed while a run is going
    /// wait up to one transaction. On the synthetic 1,000,000-delivery history (release build),
    /// 2,000 lines held it 0.35 s at 4,480 lines/s; 5,000 lines hold it 0.5–0.8 s at about 5,400.
    static let linesPerTransaction = 5_000

    public init(database: AppDatabase, logger: Logger = Logger(label: "supportmarket.invoicing")) {
        self.database = database
        self.logger = logger
    }

    /// Runs invoicing as of `asOf` (today when `nil`; never after today). `council` limits the
    /// run to what that council pays (a run its finance staff started).
    public func run(
        asOf requested: CalendarDay?, trigger: InvoicingRunTrigger, startedBy: UserID?, council: CouncilID?
    ) async throws -> InvoicingRun {
        let now = database.clock.now()
        let today = CalendarDay(now)
        let asOf = requested ?? today
        guard asOf <= today else { throw MarketError.invalid("as_of", "must not be after today (\(today))") }
        let runID = InvoicingRunID.random()
        try await database.write { db in
            try InvoicingRunRecord(
                seq: nil, id: runID, asOf: asOf, origin: trigger, startedBy: startedBy, councilId: council, startedAt: now,
                finishedAt: nil, deemedConfirmed: 0, invoicesWritten: 0, linesWritten: 0, totalPence: 0, skipped: "[]"
            ).insert(db)
        }
        var log = logger
        log[metadataKey: "invoicing.run"] = "\(runID)"
        log.info("invoicing run started", metadata: [
            "as_of": "\(asOf)", "trigger": "\(trigger.rawValue)", "council": "\(council?.rawValue ?? "all")",
        ])
        try await confirmUndecided(asOf: asOf, council: council, run: runID, log)
        let skipped = try await invoiceProviders(asOf: asOf, council: council, run: runID, by: startedBy, today: today, log)
        let finished = database.clock.now()
        let skippedJSON = String(decoding: try JSONEncoder().encode(skipped), as: UTF8.self)
        let run = try await database.write { db in
            try db.execute(
                sql: "UPDATE invoicing_run SET finished_at = ?, skipped = ? WHERE id = ?",
                arguments: [finished, skippedJSON, runID])
            guard let record = try InvoicingRunRecord.filter(InvoicingRunRecord.Columns.id == runID.rawValue).fetchOne(db) else {
                throw MarketError.notFound(resource: "invoicing run")
            }
            return record.run
        }
        log.info("invoicing run finished", metadata: [
            "deemed_confirmed": "\(run.deemedConfirmed)", "invoices": "\(run.invoicesWritten)", "lines": "\(run.linesWritten)",
            "total_pence": "\(run.totalPence)", "skipped": "\(skipped.count)",
            "seconds": "\(String(format: "%.3f", finished.timeIntervalSince(now)))",
        ])
        return run
    }

    /// Invoices every provider with confirmed deliveries not yet invoiced, in order; returns
    /// those skipped. Invoices of several providers share a transaction, so that a run over
    /// many small providers does not pay one fsync per provider.
    private func invoiceProviders(
        asOf: CalendarDay, council: CouncilID?, run: InvoicingRunID, by user: UserID?, today: CalendarDay, _ log: Logger
    ) async throws -> [InvoicingRun.Skipped] {
        let providers = try await database.read { db in
            try OrganisationID.fetchAll(db, sql: """
                SELECT DISTINCT o.provider_id FROM delivery d JOIN purchase_order o ON o.id = d.order_id
                WHERE d.status = 'confirmed' AND d.delivered_on < ?
                    AND NOT EXISTS (SELECT 1 FROM invoice_line l WHERE l.delivery_id = d.id)
                ORDER BY o.provider_id
                """, arguments: [asOf])
        }
        log.info("invoicing providers", metadata: ["providers": "\(providers.count)"])
        var skipped: [InvoicingRun.Skipped] = []
        var pending: [DueInvoice] = []
        var pendingLines = 0
        var written = (invoices: 0, lines: 0)
        for (index, provider) in providers.enumerated() {
            let due = try await dueInvoices(of: provider, asOf: asOf, council: council)
            let lines = due.reduce(0) { $0 + $1.lines.count }
            if !due.isEmpty, due[0].profile == nil {
                skipped.append(InvoicingRun.Skipped(
                    providerID: provider, reason: "the provider has no billing profile: its staff add one at /v1/providers/\(provider)/billing-profile",
                    deliveries: lines))
                log.warning("provider skipped: no billing profile", metadata: ["provider": "\(provider)", "deliveries": "\(lines)"])
            } else {
                pending += due
                pendingLines += lines
            }
            let last = index == providers.count - 1
            // Whole invoices, up to `linesPerTransaction` lines a transaction (one larger invoice alone).
            while !pending.isEmpty, pendingLines >= Self.linesPerTransaction || last {
                var count = 0
                var batchLines = 0
                while count < pending.count, count == 0 || batchLines + pending[count].lines.count <= Self.linesPerTransaction {
                    batchLines += pending[count].lines.count
                    count += 1
                }
                let started = ContinuousClock.now
                let result = try await write(Array(pending.prefix(count)), run: run, by: user, today: today)
                written.invoices += result.invoices
                written.lines += result.lines
                log.info("invoices written", metadata: [
                    "invoices": "\(written.invoices)", "lines": "\(written.lines)", "providers": "\(index + 1)/\(providers.count)",
                    "transaction_seconds": "\(String(format: "%.3f", (ContinuousClock.now - started).inSeconds))",
                ])
                pending.removeFirst(count)
                pendingLines -= batchLines
            }
        }
        return skipped
    }

    // MARK: Deemed confirmation

    /// Confirms, as the service, every delivery still recorded (neither confirmed nor disputed)
    /// `deemed_confirmed_after_days` after it was recorded. Returns how many.
    @discardableResult
    private func confirmUndecided(asOf: CalendarDay, council: CouncilID?, run: InvoicingRunID, _ log: Logger) async throws -> Int {
        var total = 0
        while true {
            let confirmed = try await database.write { db in
                let due = try DeliveryRecord.fetchAll(db, sql: """
                    SELECT d.* FROM delivery d JOIN purchase_order o ON o.id = d.order_id
                        JOIN budget_holder h ON h.id = o.budget_holder_id
                        JOIN funding_stream s ON s.id = o.stream_id
                        LEFT JOIN council_billing c ON c.council_id = h.council_id
                    WHERE d.status = 'recorded'
                        AND date(substr(d.recorded_at, 1, 10), '+' || coalesce(c.deemed_confirmed_after_days, ?) || ' days') <= ?
                        AND (?3 IS NULL OR (h.council_id = ?3 AND s.fund_holder = 'council'))
                    ORDER BY d.seq LIMIT ?
                    """, arguments: [BillingSettings.standard.deemedConfirmedAfterDays, asOf, council, Self.deemedPerTransaction])
                let now = database.clock.now()
                for record in due {
                    var delivery = try record.delivery
                    try OrderContext.service(record.orderId, db).confirm(&delivery, acting: nil, at: now, db)
                }
                try db.execute(
                    sql: "UPDATE invoicing_run SET deemed_confirmed = deemed_confirmed + ? WHERE id = ?",
                    arguments: [due.count, run])
                return due.count
            }
            total += confirmed
            if confirmed > 0 { log.info("deliveries deemed confirmed", metadata: ["count": "\(total)"]) }
            if confirmed < Self.deemedPerTransaction { return total }
        }
    }

    // MARK: Invoices

    /// What one provider is due to invoice: its confirmed deliveries not yet on a line, in closed
    /// periods, grouped into invoices in a fixed order (period, payer, council), each invoice's
    /// lines in delivery order, each with the provider's billing profile (`nil` when it has none).
    private func dueInvoices(of provider: OrganisationID, asOf: CalendarDay, council: CouncilID?) async throws -> [DueInvoice] {
        try await database.read { db in
            let profile = try BillingProfileRecord.fetchOne(db, key: provider.rawValue)?.profile
            var periods = PeriodCalendar(settings: try CouncilBillingRecord.all(db))
            let rows = try Row.fetchCursor(db, sql: """
                SELECT d.id, d.seq, d.order_id, d.delivered_on, d.quantity_hundredths, d.amount_pence, d.confirmation_deemed,
                    o.budget_holder_id, l.offering_id, l.title, l.unit, l.unit_price_pence,
                    s.fund_holder, s.managing_organisation_id, h.council_id, h.council_reference
                FROM delivery d JOIN purchase_order o ON o.id = d.order_id
                    JOIN order_line l ON l.order_id = d.order_id AND l.line_number = d.line_number
                    JOIN funding_stream s ON s.id = o.stream_id
                    JOIN budget_holder h ON h.id = o.budget_holder_id
                WHERE o.provider_id = ? AND d.status = 'confirmed' AND d.delivered_on < ?
                    AND NOT EXISTS (SELECT 1 FROM invoice_line x WHERE x.delivery_id = d.id)
                ORDER BY d.delivered_on, d.seq
                """, arguments: [provider, asOf])
            var groups: [DueInvoice.Key: [DueLine]] = [:]
            while let row = try rows.next() {
                let holderCouncil: CouncilID? = row["council_id"]
                let holder: BudgetHolderID = row["budget_holder_id"]
                guard let payer = Payer.of(
                    fundHolder: row["fund_holder"], managingOrganisation: row["managing_organisation_id"],
                    holder: holder, council: holderCouncil)
                else { continue }
                if let council, payer != .council(council) { continue }
                let (deliveredOn, period) = try periods.day(row["delivered_on"], council: holderCouncil)
                guard period.isClosed(on: asOf) else { continue }
                let key = DueInvoice.Key(period: period, payer: payer, council: holderCouncil)
                groups[key, default: []].append(DueLine(
                    deliveryID: row["id"], orderID: row["order_id"], holderID: holder, offeringID: row["offering_id"],
                    description: row["title"], deliveredOn: deliveredOn, quantityHundredths: row["quantity_hundredths"],
                    unit: row["unit"], unitPricePence: row["unit_price_pence"], totalPence: row["amount_pence"],
                    councilReference: payer.kind == .council ? row["council_reference"] : nil,
                    confirmedByBuyer: !(row["confirmation_deemed"] as Bool)))
            }
            return groups.map { DueInvoice(key: $0.key, profile: profile, lines: $0.value) }.sorted { $0.key < $1.key }
        }
    }

    /// Delivery days and their billing periods, each worked out once per run's read: a provider's
    /// thousands of deliveries fall on a few hundred days.
    private struct PeriodCalendar {
        let settings: [CouncilID: BillingSettings]
        var known: [DayKey: (CalendarDay, BillingPeriod)] = [:]

        struct DayKey: Hashable {
            let text: String
            let council: CouncilID?
        }

        init(settings: [CouncilID: BillingSettings]) { self.settings = settings }

        mutating func day(_ text: String, council: CouncilID?) throws -> (CalendarDay, BillingPeriod) {
            let key = DayKey(text: text, council: council)
            if let known = known[key] { return known }
            guard let day = CalendarDay(text) else { throw MarketError.invalid("delivered_on", "is not a day: \(text)") }
            let answer = (day, (council.flatMap { settings[$0] } ?? .standard).period(containing: day))
            known[key] = answer
            return answer
        }
    }

    /// Writes `due` (invoices that have a profile) in one transaction. Returns what was written.
    private func write(
        _ due: [DueInvoice], run: InvoicingRunID, by user: UserID?, today: CalendarDay
    ) async throws -> (invoices: Int, lines: Int) {
        try await database.write { db in
            let now = database.clock.now()
            var result = (invoices: 0, lines: 0, pence: Int64(0))
            var suppliers: [OrganisationID: String] = [:]
            for invoice in due {
                guard let profile = invoice.profile else { continue }
                if suppliers[profile.providerID] == nil {
                    suppliers[profile.providerID] = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
                }
                guard let issued = try Self.issue(
                    invoice, profile: profile, supplier: suppliers[profile.providerID], run: run, by: user, today: today, at: now, db)
                else { continue }
                result.invoices += 1
                result.lines += issued.lines.count
                result.pence += issued.totalPence
            }
            try db.execute(sql: """
                UPDATE invoicing_run SET invoices_written = invoices_written + ?, lines_written = lines_written + ?,
                    total_pence = total_pence + ? WHERE id = ?
                """, arguments: [result.invoices, result.lines, result.pence, run])
            return (result.invoices, result.lines)
        }
    }

    /// Issues one invoice inside the caller's transaction: its lines (deliveries another run has
    /// invoiced since they were read are left out), then its header with the provider's next
    /// number, its audit event and `invoice.issued` (and `invoice.approved` when every line was
    /// confirmed by the buyer). `nil` when no line is left.
    static func issue(
        _ due: DueInvoice, profile: BillingProfile, supplier: String?, run: InvoicingRunID, by user: UserID?, today: CalendarDay,
        at now: Date, _ db: Database
    ) throws -> Invoice? {
        let invoiced = try db.cachedStatement(sql: "SELECT 1 FROM invoice_line WHERE delivery_id = ?")
        var lines: [DueLine] = []
        for line in due.lines where try Int.fetchOne(invoiced, arguments: [line.deliveryID]) == nil {
            lines.append(line)
        }
        guard !lines.isEmpty else { return nil }
        let id = InvoiceID.random()
        let insertLine = try db.cachedStatement(sql: """
            INSERT INTO invoice_line (invoice_id, line_number, delivery_id, order_id, budget_holder_id, offering_id, description,
                delivered_on, quantity_hundredths, unit, unit_price_pence, total_pence, vat_category, council_reference,
                confirmed_by_buyer)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var total: Int64 = 0
        for (index, line) in lines.enumerated() {
            try insertLine.execute(arguments: [
                id, index + 1, line.deliveryID, line.orderID, line.holderID, line.offeringID, line.description,
                line.deliveredOn, line.quantityHundredths, line.unit, line.unitPricePence, line.totalPence,
                VATCategory.exempt, line.councilReference, line.confirmedByBuyer,
            ])
            total += line.totalPence
        }
        let sequence = try BillingSequence.next(.invoice, for: profile.providerID, db)
        let automatic = lines.allSatisfy(\.confirmedByBuyer)
        let invoice = Invoice(
            id: id, number: Invoice.number(prefix: profile.invoicePrefix, sequence), sequenceNumber: sequence,
            providerID: profile.providerID, payer: due.key.payer, councilID: due.key.council, period: due.key.period,
            issueDate: today, dueDate: today.adding(days: profile.paymentTermsDays), totalPence: total, lineCount: lines.count, creditedPence: 0,
            status: automatic ? .approved : .awaitingApproval, approvedBy: automatic ? Invoice.automaticApproval : nil,
            approvedAt: automatic ? now : nil, disputedBy: nil, disputedAt: nil, disputeReason: nil, runID: run,
            createdAt: now, lines: try lines.enumerated().map { try $1.line(number: $0 + 1) }, creditNotes: [])
        try InvoiceRecord(invoice, supplier: supplier).insert(db)
        try BillingStore.announce(.invoiceIssued, invoice, actor: user, at: now, db)
        if automatic { try BillingStore.announce(.invoiceApproved, invoice, actor: nil, at: now, db) }
        return invoice
    }
}

/// An invoice the run is about to write.
struct DueInvoice {
    struct Key: Hashable, Comparable {
        let period: BillingPeriod
        let payer: Payer
        let council: CouncilID?

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.period.start, lhs.payer.kind.rawValue, lhs.payer.id, lhs.council?.rawValue ?? "")
                < (rhs.period.start, rhs.payer.kind.rawValue, rhs.payer.id, rhs.council?.rawValue ?? "")
        }
    }

    let key: Key
    let profile: BillingProfile?
    let lines: [DueLine]
}

/// A confirmed delivery about to become an invoice line.
struct DueLine {
    let deliveryID: DeliveryID
    let orderID: OrderID
    let holderID: BudgetHolderID
    let offeringID: OfferingID
    let description: String
    let deliveredOn: CalendarDay
    let quantityHundredths: Int64
    let unit: String
    let unitPricePence: Int64
    let totalPence: Int64
    let councilReference: String?
    let confirmedByBuyer: Bool

    func line(number: Int) throws -> InvoiceLine {
        InvoiceLine(
            lineNumber: number, deliveryID: deliveryID, orderID: orderID, holderID: holderID, offeringID: offeringID,
            description: description, deliveredOn: deliveredOn, quantity: try storedQuantity(quantityHundredths, in: "delivery"), unit: unit,
            unitPricePence: unitPricePence, totalPence: totalPence, vatCategory: .exempt, councilReference: councilReference,
            confirmedByBuyer: confirmedByBuyer, disputed: false, creditedPence: 0)
    }
}
