import Foundation
import GRDB
import MarketCore

/// Billing profiles, councils' billing terms, invoices (reading, approving, disputing), credit
/// notes and the records of invoicing runs. Invoices are written only by `InvoicingRunner`.
///
/// Where an invoice is credited: `credit` gives the money back to each line's stream through
/// `Ledger.post(.reversal)`, in one transaction with its number, audit and `credit_note.issued`.
public struct BillingStore: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    // MARK: Billing profiles

    public func profile(of provider: OrganisationID, by policy: AccessPolicy) async throws -> BillingProfile {
        guard policy.maySeeBillingProfile(of: provider) else { throw MarketError.notFound(resource: "billing profile") }
        return try await database.read { db in
            guard let record = try BillingProfileRecord.fetchOne(db, key: provider.rawValue) else {
                throw MarketError.notFound(resource: "billing profile")
            }
            return record.profile
        }
    }

    /// Creates or replaces the provider's billing profile, as its staff. Numbers already given
    /// keep their prefix; the next ones take the new one.
    public func putProfile(
        _ input: BillingProfileInput, of provider: OrganisationID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> BillingProfile {
        try policy.authorizeBilling(as: provider)
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM provider_store WHERE organisation_id = ?", arguments: [provider]) == true
            else { throw MarketError.notFound(resource: "provider") }
            let record = BillingProfileRecord(input, provider: provider, by: policy.principal.userID, at: now)
            try record.save(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "billing_profile.updated", subjectType: "provider",
                subjectID: provider.rawValue, details: ["invoice_prefix": input.invoicePrefix,
                                                        "payment_terms_days": String(input.paymentTermsDays)])
            return record.profile
        }
    }

    // MARK: Councils' terms

    /// The council's billing terms (`standard` until it sets its own), for anyone who can see the council.
    public func settings(of council: CouncilID, by policy: AccessPolicy) async throws -> BillingSettings {
        guard policy.maySee(council: council) else { throw MarketError.notFound(resource: "council") }
        return try await database.read { db in try Self.settings(of: council, db) }
    }

    public func putSettings(
        _ settings: BillingSettings, of council: CouncilID, by policy: AccessPolicy
    ) async throws -> BillingSettings {
        try policy.authorizeCouncilBilling(council)
        let now = database.clock.now()
        return try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM council WHERE id = ?", arguments: [council]) == true else {
                throw MarketError.notFound(resource: "council")
            }
            try CouncilBillingRecord(
                councilId: council, cycle: settings.cycle, fourWeeklyFrom: settings.fourWeeklyFrom,
                deemedConfirmedAfterDays: settings.deemedConfirmedAfterDays, peppolId: settings.peppolID?.description,
                updatedBy: policy.principal.userID, updatedAt: now
            ).save(db)
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "council_billing.updated", subjectType: "council",
                subjectID: council.rawValue, details: ["cycle": settings.cycle.rawValue,
                                                       "deemed_confirmed_after_days": String(settings.deemedConfirmedAfterDays)])
            return settings
        }
    }

    static func settings(of council: CouncilID, _ db: Database) throws -> BillingSettings {
        try CouncilBillingRecord.fetchOne(db, key: council.rawValue)?.settings ?? .standard
    }

    /// Records (or, with `nil`, clears) the holder's id in their council's social-care system,
    /// as that council's admins or finance staff. Council invoices print it on the holder's lines.
    public func setCouncilReference(
        _ reference: String?, of holder: BudgetHolderID, by policy: AccessPolicy
    ) async throws -> String? {
        var v = Validator()
        let reference = v.optionalText(reference, "council_reference", maxLength: 40)
        try v.throwIfInvalid()
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write { db in
            let access = try HolderAccess.load(holder, policy: policy, today: today, db)
            guard let council = access.holder.councilID else {
                throw MarketError.conflict("a self-funder has no council, so no council reference")
            }
            try policy.authorizeCouncilBilling(council)
            try db.execute(sql: "UPDATE budget_holder SET council_reference = ? WHERE id = ?", arguments: [reference, holder])
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "budget_holder.council_reference_set",
                subjectType: "budget_holder", subjectID: holder.rawValue, details: ["council_reference": reference ?? ""])
            return reference
        }
    }

    // MARK: Reading invoices

    /// The invoices the caller can see, newest first, without their lines.
    public func invoices(by policy: AccessPolicy, filter: InvoiceFilter, page: PageRequest) async throws -> Page<Invoice> {
        typealias Columns = InvoiceRecord.Columns
        var request = InvoiceRecord.all().visible(to: policy, today: database.today)
        if let provider = filter.providerID { request = request.filter(Columns.providerId == provider) }
        switch filter.payer {
        case .council(let council): request = request.filter(Columns.payerCouncilId == council)
        case .broker(let broker): request = request.filter(Columns.payerOrganisationId == broker)
        case .holder(let holder): request = request.filter(Columns.payerBudgetHolderId == holder)
        case nil: break
        }
        if let status = filter.status { request = request.filter(Columns.status == status) }
        if let day = filter.periodContaining { request = request.filter(Columns.periodStart <= day && Columns.periodEnd >= day) }
        if let dueBefore = filter.dueBefore { request = request.filter(Columns.dueDate < dueBefore) }
        let found = request
        return try await database.read { db in
            try found.fetchPage(page, by: Columns.seq, .descending, key: \.seq, db)
        }.map { try $0.invoice(lines: [], creditNotes: []) }
    }

    /// One invoice with its lines and credit notes; `notFound` outside the caller's reach.
    public func invoice(_ id: InvoiceID, by policy: AccessPolicy) async throws -> Invoice {
        let today = database.today
        return try await database.read { db in try Self.load(id, policy: policy, today: today, db) }
    }

    /// One invoice as its printed copy shows it, with the provider's and payer's names.
    public func printable(_ id: InvoiceID, by policy: AccessPolicy) async throws -> PrintableInvoice {
        let today = database.today
        return try await database.read { db in
            let invoice = try Self.load(id, policy: policy, today: today, db)
            let name = { (sql: String, id: String) in try String.fetchOne(db, sql: sql, arguments: [id]) ?? id }
            let payerName = switch invoice.payer {
            case .council(let council): try name("SELECT name FROM council WHERE id = ?", council.rawValue)
            case .broker(let broker): try name("SELECT name FROM organisation WHERE id = ?", broker.rawValue)
            case .holder(let holder): try name("SELECT display_name FROM budget_holder WHERE id = ?", holder.rawValue)
            }
            var councilName: String?
            if let council = invoice.councilID, invoice.payer != .council(council) {
                councilName = try name("SELECT name FROM council WHERE id = ?", council.rawValue)
            }
            var payerPeppolID: PeppolID?
            if case .council(let council) = invoice.payer { payerPeppolID = try Self.settings(of: council, db).peppolID }
            // The legal details as issued; where to deliver an e-invoice as the provider says now.
            let current = try BillingProfileRecord.fetchOne(db, key: invoice.providerID.rawValue)?.profile
            let issued = try String.fetchOne(db, sql: "SELECT supplier FROM invoice WHERE id = ?", arguments: [id])
                .flatMap { try? JSONDecoder().decode(BillingProfile.self, from: Data($0.utf8)) }
            let profile = issued.map { $0.addressed(at: current?.peppolID) } ?? current
            return PrintableInvoice(
                invoice: invoice, profile: profile,
                providerName: try name("SELECT name FROM organisation WHERE id = ?", invoice.providerID.rawValue),
                payerName: payerName, councilName: councilName, payerPeppolID: payerPeppolID)
        }
    }

    static func load(_ id: InvoiceID, policy: AccessPolicy, today: CalendarDay, _ db: Database) throws -> Invoice {
        guard let record = try InvoiceRecord.all().visible(to: policy, today: today).filter(InvoiceRecord.Columns.id == id).fetchOne(db) else {
            throw MarketError.notFound(resource: "invoice")
        }
        let lines = try InvoiceLineRecord.filter(InvoiceLineRecord.Columns.invoiceId == id.rawValue).order(InvoiceLineRecord.Columns.lineNumber).fetchAll(db)
        let noteLines = Dictionary(
            grouping: try CreditNoteLineRecord.filter(CreditNoteLineRecord.Columns.invoiceId == id.rawValue)
                .order(CreditNoteLineRecord.Columns.invoiceLineNumber).fetchAll(db),
            by: \.creditNoteId)
        let notes = try CreditNoteRecord.filter(CreditNoteRecord.Columns.invoiceId == id.rawValue).order(CreditNoteRecord.Columns.seq).fetchAll(db)
        return try record.invoice(
            lines: lines.map { try $0.line },
            creditNotes: notes.map { note in
                note.creditNote(lines: (noteLines[note.id] ?? []).map {
                    CreditNote.Line(invoiceLineNumber: $0.invoiceLineNumber, amountPence: $0.amountPence)
                })
            })
    }

    // MARK: The payer's steps

    /// Approves an invoice awaiting approval, as its payer's side.
    public func approve(_ id: InvoiceID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Invoice {
        try await payerStep(id, by: policy, idempotency: idempotency, stepUp: "approving a council's or broker's invoice") { invoice, now, db in
            try InvoiceRecord.write(invoice.applying(.approve(by: policy.principal.userID), at: now), db)
            return .invoiceApproved
        }
    }

    /// Disputes an invoice (or some of its lines) awaiting approval or approved, with a reason;
    /// its approval is withdrawn until the provider answers with a credit note.
    public func dispute(
        _ id: InvoiceID, reason: String?, lineNumbers: [Int]?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Invoice {
        var v = Validator()
        let reason = v.text(reason ?? "", "reason", maxLength: 2000)
        v.check((lineNumbers ?? []).count <= 10_000, "line_numbers", "must list at most 10000 lines")
        v.check(Set(lineNumbers ?? []).count == (lineNumbers ?? []).count, "line_numbers", "names a line twice")
        try v.throwIfInvalid()
        return try await payerStep(id, by: policy, idempotency: idempotency) { invoice, now, db in
            let disputed = try invoice.applying(.dispute(by: policy.principal.userID, reason: reason), at: now)
            try Self.refuseWhileInBatch(invoice, db)
            let lines = lineNumbers ?? []
            if let unknown = lines.firstIndex(where: { !(1...invoice.lines.count).contains($0) }) {
                throw MarketError.invalid("line_numbers[\(unknown)]", "is not a line of this invoice (1 to \(invoice.lines.count))")
            }
            try InvoiceRecord.write(disputed, db)
            let disputedLines = lines.isEmpty ? Array(1...invoice.lines.count) : lines
            try InvoiceLineRecord
                .filter(InvoiceLineRecord.Columns.invoiceId == id && disputedLines.contains(InvoiceLineRecord.Columns.lineNumber))
                .updateAll(db, InvoiceLineRecord.Columns.disputed.set(to: true))
            return .invoiceDisputed
        }
    }

    /// Records that the holder paid an approved invoice addressed to them (a direct payment or a
    /// self-funder's), on `paidOn` with their own reference. Council and broker invoices are
    /// paid through payment batches (`PaymentStore`).
    public func markPaid(
        _ id: InvoiceID, paidOn: CalendarDay?, reference: String?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Invoice {
        var v = Validator()
        let reference = v.text(reference ?? "", "reference", maxLength: 60)
        v.check(paidOn != nil, "paid_on", "is required: the day you paid")
        try v.throwIfInvalid()
        guard let paidOn else { throw MarketError.invalid("paid_on", "is required") }
        return try await payerStep(id, by: policy, idempotency: idempotency) { invoice, now, db in
            let payment = InvoicePayment(paidOn: paidOn, reference: reference, recordedBy: policy.principal.userID, recordedAt: now)
            try InvoiceRecord.write(invoice.applying(.markPaid(payment), at: now), db)
            return .invoicePaid
        }
    }

    /// 409 while the invoice is in a live payment batch: its amount is what the batch pays.
    static func refuseWhileInBatch(_ invoice: Invoice, _ db: Database) throws {
        if let batch = try String.fetchOne(db, sql: """
            SELECT p.batch_id FROM payment_item i JOIN payment p ON p.id = i.payment_id
            WHERE i.invoice_id = ? AND i.live = 1 AND i.credit_note_id IS NULL
            """, arguments: [invoice.id]) {
            throw MarketError.conflict("the invoice is in payment batch \(batch): the payer cancels the batch (or the bank returns the payment) first")
        }
    }

    /// One transaction for a payer's decision: the caller must see the invoice (else 404) and be
    /// on its payer's side (else 403); `step` checks its state and writes the change.
    /// `stepUp`, when given, names an action that needs a recent second factor when a council or
    /// broker pays (a person approving their own invoice does not).
    private func payerStep(
        _ id: InvoiceID, by policy: AccessPolicy, idempotency: IdempotencyKey?, stepUp: String? = nil,
        _ step: @escaping @Sendable (Invoice, Date, Database) throws -> EventType
    ) async throws -> Invoice {
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let invoice = try Self.load(id, policy: policy, today: today, db)
            var rights: HolderRights?
            if case .holder(let holder) = invoice.payer {
                rights = try? HolderAccess.load(holder, policy: policy, today: today, db).rights
            }
            try policy.authorizeApproving(payer: invoice.payer, holderRights: rights)
            if let stepUp, invoice.payer.kind != .budgetHolder { try policy.requireRecentSecondFactor(for: stepUp) }
            let event = try step(invoice, now, db)
            let changed = try Self.load(id, policy: policy, today: today, db)
            try Self.announce(event, changed, actor: policy.principal.userID, at: now, db)
            return changed
        }
    }

    // MARK: Credit notes

    /// Issues a credit note on one of the provider's invoices, as its staff: the lines and
    /// amounts asked for (or everything still creditable), never more than was invoiced (422).
    /// The money goes back to each line's stream as a `reversal`. A disputed invoice then awaits
    /// approval again; an invoice credited in full is `credited`.
    public func credit(
        _ id: InvoiceID, _ request: CreditNoteRequest, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> CreditNote {
        let now = database.clock.now()
        let today = CalendarDay(now)
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let invoice = try Self.load(id, policy: policy, today: today, db)
            try policy.authorizeBilling(as: invoice.providerID)
            if invoice.status != .paid { try Self.refuseWhileInBatch(invoice, db) }
            let amounts = try request.amounts(on: invoice)
            guard let profile = try BillingProfileRecord.fetchOne(db, key: invoice.providerID.rawValue)?.profile else {
                throw MarketError.conflict("the provider has no billing profile to number the credit note with")
            }
            let noteID = CreditNoteID.random()
            for amount in amounts {
                try CreditNoteLineRecord(
                    creditNoteId: noteID, invoiceId: id, invoiceLineNumber: amount.invoiceLineNumber,
                    amountPence: amount.amountPence
                ).insert(db)
                let line = invoice.lines[amount.invoiceLineNumber - 1]
                guard let order = try OrderRecord.filter(OrderRecord.Columns.id == line.orderID.rawValue).fetchOne(db) else {
                    throw MarketError.notFound(resource: "order")
                }
                try Ledger.post(
                    .reversal, amount.amountPence, to: try Ledger.stream(order.streamId, db), order: line.orderID,
                    delivery: line.deliveryID,
                    acting: Acting(userID: policy.principal.userID, delegationID: nil, holderID: line.holderID), at: now, db)
            }
            let sequence = try BillingSequence.next(.creditNote, for: invoice.providerID, db)
            let note = CreditNote(
                id: noteID, number: Invoice.creditNoteNumber(prefix: profile.invoicePrefix, sequence), sequenceNumber: sequence,
                invoiceID: id, providerID: invoice.providerID, reason: request.reason,
                totalPence: amounts.reduce(0) { $0 + $1.amountPence }, issueDate: today, issuedBy: policy.principal.userID,
                issuedAt: now, lines: amounts)
            try CreditNoteRecord(note, afterPayment: invoice.status == .paid).insert(db)
            let outstanding = invoice.outstandingPence - note.totalPence
            // A paid invoice stays paid: the payer's next batch recovers the note from the provider.
            let status: InvoiceStatus = invoice.status == .paid ? .paid
                : outstanding == 0 ? .credited : invoice.status == .disputed ? .awaitingApproval : invoice.status
            if status != invoice.status {
                try db.execute(sql: "UPDATE invoice SET status = ? WHERE id = ?", arguments: [status, id])
            }
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: EventType.creditNoteIssued.rawValue,
                subjectType: "invoice", subjectID: id.rawValue,
                details: ["credit_note_id": noteID.rawValue, "number": note.number, "total_pence": String(note.totalPence),
                          "reason": note.reason])
            try OutboxEventRecord.append(db, .creditNoteIssued, at: now, payload: [
                "credit_note_id": .string(noteID.rawValue), "number": .string(note.number), "invoice_id": .string(id.rawValue),
                "provider_id": .string(invoice.providerID.rawValue), "payer_kind": .string(invoice.payer.kind.rawValue),
                "payer_id": .string(invoice.payer.id), "total_pence": .integer(note.totalPence),
                "invoice_status": .string(status.rawValue),
            ], audience: try EventAudience.organisation(invoice.providerID).adding(payer: invoice.payer, on: CalendarDay(now), db))
            return note
        }
    }

    // MARK: Invoicing runs

    public func runs(by policy: AccessPolicy, page: PageRequest) async throws -> Page<InvoicingRun> {
        var request = InvoicingRunRecord.all()
        switch policy.invoicingRunScope {
        case .all: break
        case .only(let council): request = request.filter(InvoicingRunRecord.Columns.councilId == council)
        case .none: throw MarketError.forbidden("only platform admins and council finance staff read invoicing runs")
        }
        let runs = request
        return try await database.read { db in
            try runs.fetchPage(page, by: InvoicingRunRecord.Columns.seq, .descending, key: \.seq, db)
        }.map(\.run)
    }

    public func run(_ id: InvoicingRunID, by policy: AccessPolicy) async throws -> InvoicingRun {
        let run = try await database.read { db in
            try InvoicingRunRecord.filter(InvoicingRunRecord.Columns.id == id.rawValue).fetchOne(db)?.run
        }
        guard let run else { throw MarketError.notFound(resource: "invoicing run") }
        switch policy.invoicingRunScope {
        case .all: return run
        case .only(let council) where run.councilID == council: return run
        default: throw MarketError.notFound(resource: "invoicing run")
        }
    }

    // MARK: Events

    /// The audit and outbox records of an invoice's step; `actor` is `nil` for the service's own.
    static func announce(_ event: EventType, _ invoice: Invoice, actor: UserID?, at now: Date, _ db: Database) throws {
        let summary: EventPayload = [
            "invoice_id": .string(invoice.id.rawValue), "number": .string(invoice.number),
            "provider_id": .string(invoice.providerID.rawValue), "payer_kind": .string(invoice.payer.kind.rawValue),
            "payer_id": .string(invoice.payer.id), "status": .string(invoice.status.rawValue),
            "total_pence": .integer(invoice.totalPence), "due_date": .string(invoice.dueDate.text),
        ]
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: event.rawValue, subjectType: "invoice", subjectID: invoice.id.rawValue,
            details: summary.auditText.merging(["run_id": invoice.runID.rawValue, "reason": invoice.disputeReason ?? ""]) { $1 })
        try OutboxEventRecord.append(
            db, event, at: now, payload: summary,
            audience: try EventAudience.organisation(invoice.providerID).adding(payer: invoice.payer, on: CalendarDay(now), db))
    }
}

extension DerivableRequest<InvoiceRecord> {
    /// The invoices `policy` may see: the provider's staff theirs, the council's staff its
    /// holders', a broker what it pays and what holders it acts for pay, a holder (and their
    /// delegates) what the holder pays. Council and broker invoices carry many people's lines,
    /// so a holder never sees those.
    func visible(to policy: AccessPolicy, today: CalendarDay) -> Self {
        typealias Columns = InvoiceRecord.Columns
        switch policy.invoiceScope {
        case .all:
            return self
        case .provider(let provider):
            return filter(Columns.providerId == provider)
        case .council(let council):
            return filter(Columns.councilId == council)
        case .payer(let broker, let holders):
            let paidByHolders = holders.contains(Columns.payerBudgetHolderId, today: today)
            guard let broker else { return filter(paidByHolders) }
            return filter(Columns.payerOrganisationId == broker || paidByHolders)
        case .none:
            return none()
        }
    }
}
