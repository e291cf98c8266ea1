import Foundation
import GRDB
import MarketCore

/// Paying invoices: providers' bank details and their verification by each payer, payers'
/// originating accounts, payment batches from creation to paid, their bank files and the
/// remittance advices.
///
/// Where a batch is made and its payments netted: `createBatch`. Where invoices become paid:
/// `markPaid` (a batch) and `BillingStore.markPaid` (a holder's own). Every step is one
/// transaction with its audit and outbox records; the schema backs each rule
/// (`AppDatabase+Migrations+Payments.swift`).
public struct PaymentStore: Sendable {
    let database: AppDatabase
    /// Days a provider's bank details must have been verified by a payer before its batches pay
    /// to them: a change slipped in just before a payment run is held out, with the reason, for
    /// someone to notice. 0 pays at once.
    let newDetailsHoldDays: Int
    /// Days after its role was granted before an account confirms anything (`FourEyes`).
    let coolingOffDays: Int
    var coolingOff: TimeInterval { TimeInterval(coolingOffDays) * 86_400 }

    public init(database: AppDatabase, newDetailsHoldDays: Int = 0, coolingOffDays: Int = 0) {
        self.coolingOffDays = coolingOffDays
        self.database = database
        self.newDetailsHoldDays = newDetailsHoldDays
    }

    // MARK: Batches

    /// A draft batch for the caller's payer: every approved, unpaid invoice addressed to it and
    /// due by `cutOff`, less the credit notes to recover, as one payment per provider. A
    /// provider whose net is not positive, or whose current bank details this payer has not
    /// verified (or verified fewer than `newDetailsHoldDays` ago), is held out with the reason;
    /// its invoices stay free for a later batch.
    public func createBatch(cutOff: CalendarDay?, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> PaymentBatch {
        let payer = try policy.authorizePaying()
        guard let cutOff else { throw MarketError.invalid("cut_off_date", "is required: pay invoices due on or before this day") }
        let now = database.clock.now()
        let user = policy.principal.userID
        let holdDays = newDetailsHoldDays
        return try await database.write(as: user, idempotency: idempotency) { db in
            guard let originator = try PayerAccountRecord.fetchOne(db, key: payer.id)?.account else {
                throw MarketError.conflict("the payer has no account to pay from: record it first (PUT /v1/payer-accounts/\(payer.id))")
            }
            let column = payer.kind == .council ? "payer_council_id" : "payer_organisation_id"
            let invoices = try Row.fetchAll(db, sql: """
                SELECT id, number, provider_id, total_pence - credited_pence AS outstanding FROM invoice i
                WHERE \(column) = ? AND status = 'approved' AND due_date <= ? AND total_pence > credited_pence
                  AND NOT EXISTS (SELECT 1 FROM payment_item WHERE invoice_id = i.id AND live = 1 AND credit_note_id IS NULL)
                ORDER BY seq
                """, arguments: [payer.id, cutOff])
            let recoveries = try Row.fetchAll(db, sql: """
                SELECT n.id, n.number, n.invoice_id, i.number AS invoice_number, n.provider_id, n.total_pence FROM credit_note n
                JOIN invoice i ON i.id = n.invoice_id
                WHERE i.\(column) = ? AND i.status = 'paid' AND n.after_payment = 1
                  AND NOT EXISTS (SELECT 1 FROM payment_item WHERE credit_note_id = n.id AND live = 1)
                ORDER BY n.seq
                """, arguments: [payer.id])
            var itemsByProvider: [OrganisationID: [PaymentItem]] = [:]
            for row in invoices {
                itemsByProvider[row["provider_id"], default: []].append(PaymentItem(
                    invoiceID: row["id"], invoiceNumber: row["number"], creditNoteID: nil, creditNoteNumber: nil, amountPence: row["outstanding"]))
            }
            for row in recoveries {
                itemsByProvider[row["provider_id"], default: []].append(PaymentItem(
                    invoiceID: row["invoice_id"], invoiceNumber: row["invoice_number"], creditNoteID: row["id"],
                    creditNoteNumber: row["number"], amountPence: -(row["total_pence"] as Int64)))
            }

            let seq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) + 1 FROM payment_batch") ?? 1
            let batchID = PaymentBatchID.random()
            var payments: [(record: PaymentRecord, items: [PaymentItem])] = []
            var held: [HeldPayment] = []
            for provider in itemsByProvider.keys.sorted() {
                let items = itemsByProvider[provider] ?? []
                let net = items.reduce(Int64(0)) { $0 + $1.amountPence }
                let invoiceIDs = items.filter { $0.creditNoteID == nil }.map(\.invoiceID)
                let account = try BankAccountRecord.current(of: provider, db)
                let verification = try account.flatMap { account in
                    try BankAccountVerificationRecord.fetchOne(db, key: ["bank_account_id": account.id.rawValue, "payer_id": payer.id])
                }
                let verified = verification != nil
                let payableFrom = verification.map { CalendarDay($0.verifiedAt).adding(days: holdDays) }
                let reason: String? = if net <= 0 {
                    "credit notes to recover (\(Money.describe(net - items.filter { $0.amountPence > 0 }.reduce(0) { $0 + $1.amountPence }))) are at least what is owed"
                } else if let account, !verified {
                    "bank details version \(account.version), changed on \(CalendarDay(account.enteredAt).text), are not yet verified by this payer"
                } else if account == nil {
                    "the provider has no bank details on record"
                } else if let account, let payableFrom, payableFrom > CalendarDay(now) {
                    "bank details version \(account.version) were verified by this payer fewer than \(holdDays) days ago; they are paid from \(payableFrom.text)"
                } else {
                    nil
                }
                if let reason {
                    held.append(HeldPayment(providerID: provider, reason: reason, netPence: net, invoiceIDs: invoiceIDs))
                } else if let account {
                    let reference = Payment.reference(batchSequence: seq, index: payments.count + 1)
                    payments.append((PaymentRecord(
                        id: .random(), batchId: batchID, providerId: provider, bankAccountId: account.id, amountPence: net,
                        reference: reference, status: .pending), items))
                }
            }
            let total = payments.reduce(Int64(0)) { $0 + $1.record.amountPence }
            try PaymentBatchRecord(
                seq: seq, id: batchID, payerKind: payer.kind, payerId: payer.id, cutOffDate: cutOff, status: .draft,
                originator: String(decoding: try JSONEncoder().encode(originator), as: UTF8.self), totalPence: total,
                paymentCount: payments.count, held: String(decoding: try JSONEncoder().encode(held), as: UTF8.self),
                createdBy: user, createdAt: now
            ).insert(db)
            for (record, items) in payments {
                for item in items {
                    try PaymentItemRecord(
                        paymentId: record.id, invoiceId: item.invoiceID, creditNoteId: item.creditNoteID, amountPence: item.amountPence,
                        live: true
                    ).insert(db)
                }
                try record.insert(db)
            }
            let batch = try Self.load(batchID, policy: policy, db)
            try Self.announce(.paymentBatchCreated, batch, actor: user, at: now, db)
            return batch
        }
    }

    public func batches(by policy: AccessPolicy, page: PageRequest) async throws -> Page<PaymentBatch> {
        var request = PaymentBatchRecord.all()
        switch policy.paymentBatchScope {
        case .all: break
        case .payer(let payer): request = request.filter(PaymentBatchRecord.Columns.payerId == payer.id)
        case .none: throw MarketError.forbidden("only payers' finance staff, broker staff and platform admins read payment batches")
        }
        let batches = request
        return try await database.read { db in
            try batches.fetchPage(page, by: PaymentBatchRecord.Columns.seq, .descending, key: \.seq, db)
                .map { record in try Self.batch(record, payments: try Self.payments(of: record.id, db), db) }
        }
    }

    public func batch(_ id: PaymentBatchID, by policy: AccessPolicy) async throws -> PaymentBatch {
        try await database.read { db in try Self.load(id, policy: policy, db) }
    }

    /// Approves a draft, as the payer's finance staff other than its creator (four-eyes; also a CHECK).
    public func approve(_ id: PaymentBatchID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> PaymentBatch {
        try await step(
            id, .paymentBatchApproved, by: policy, idempotency: idempotency, confirming: true, stepUp: "approving a payment batch"
        ) { batch, user, now, db in
            let step = PaymentBatch.Step.approve(by: try .fetch(user, db), creator: try .fetch(batch.createdBy, db), coolingOff: self.coolingOff)
            try PaymentBatchRecord.write(batch.applying(step, at: now), by: user, at: now, db)
        }
    }

    /// Cancels a batch before export: its payments are cancelled and its invoices free again.
    public func cancel(_ id: PaymentBatchID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> PaymentBatch {
        try await step(id, .paymentBatchCancelled, by: policy, idempotency: idempotency) { batch, user, now, db in
            try PaymentBatchRecord.write(batch.applying(.cancel, at: now), by: user, at: now, db)
            try db.execute(literal: """
                UPDATE payment_item SET live = 0 WHERE payment_id IN (SELECT id FROM payment WHERE batch_id = \(id));
                UPDATE payment SET status = \(PaymentStatus.cancelled.rawValue) WHERE batch_id = \(id);
                """)
        }
    }

    /// Writes the batch's files, once, for the bank to process on `processingDate` (default
    /// the next working day): CSV, BACS Standard 18 and `pain.001`, each stored with its SHA-256.
    public func export(
        _ id: PaymentBatchID, processingDate: CalendarDay?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> PaymentBatch {
        let today = database.today
        let day = processingDate ?? Self.nextWorkingDay(after: today)
        var v = Validator()
        v.check(day.isWeekday, "processing_date", "must be a Bacs working day (Monday to Friday)")
        v.check(day > today && day <= today.adding(days: 31), "processing_date",
                "must be after today and at most 31 days ahead (\(today.adding(days: 1).text) to \(today.adding(days: 31).text))")
        try v.throwIfInvalid()
        return try await step(id, .paymentBatchExported, by: policy, idempotency: idempotency, stepUp: "exporting a payment batch") { batch, user, now, db in
            let exported = try batch.applying(.export(processingDate: day), at: now)
            try PaymentBatchRecord.write(exported, by: user, at: now, db)
            let unsafe = BankFiles.unsafeTexts(exported)
            guard unsafe.isEmpty else {
                throw MarketError.conflict(
                    "a bank file cannot carry control or bidirectional characters, found in \(unsafe.joined(separator: ", ")): correct them first")
            }
            for format in BankFileFormat.allCases {
                let content = Data(BankFiles.render(format, exported, exportedAt: now).utf8)
                try db.execute(
                    sql: "INSERT INTO payment_batch_file (batch_id, format, content, sha256) VALUES (?, ?, ?, ?)",
                    arguments: [id, format, content, Digest.sha256Hex(content)])
            }
        }
    }

    /// Records that the bank paid the batch on `valueDate`: its pending payments and their
    /// invoices become paid.
    public func markPaid(
        _ id: PaymentBatchID, valueDate: CalendarDay?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> PaymentBatch {
        guard let valueDate else { throw MarketError.invalid("value_date", "is required: the day the bank paid the batch") }
        let today = database.today
        return try await step(id, .paymentBatchPaid, by: policy, idempotency: idempotency, stepUp: "marking a payment batch paid") { batch, user, now, db in
            try PaymentBatchRecord.write(batch.applying(.markPaid(valueDate: valueDate, today: today), at: now), by: user, at: now, db)
            let (paid, pending) = (PaymentStatus.paid.rawValue, PaymentStatus.pending.rawValue)
            try db.execute(literal: """
                UPDATE invoice SET status = \(InvoiceStatus.paid.rawValue), paid_on = \(valueDate), paid_by = \(user), paid_at = \(now),
                    payment_reference = (SELECT p.reference FROM payment_item i JOIN payment p ON p.id = i.payment_id
                        WHERE i.invoice_id = invoice.id AND i.live = 1 AND i.credit_note_id IS NULL)
                WHERE id IN (SELECT i.invoice_id FROM payment_item i JOIN payment p ON p.id = i.payment_id
                        WHERE p.batch_id = \(id) AND p.status = \(pending) AND i.live = 1 AND i.credit_note_id IS NULL);
                UPDATE payment SET status = \(paid) WHERE batch_id = \(id) AND status = \(pending);
                """)
            for payment in batch.payments where payment.status == .pending {
                for item in payment.items where item.creditNoteID == nil {
                    try OutboxEventRecord.append(db, .invoicePaid, at: now, payload: [
                        "invoice_id": .string(item.invoiceID.rawValue), "number": .string(item.invoiceNumber),
                        "provider_id": .string(payment.providerID.rawValue), "payer_kind": .string(batch.payer.kind.rawValue),
                        "payer_id": .string(batch.payer.id), "paid_on": .string(valueDate.text),
                        "payment_id": .string(payment.id.rawValue), "amount_pence": .integer(item.amountPence),
                    ], audience: try EventAudience.organisation(payment.providerID).adding(payer: batch.payer.payer, on: CalendarDay(now), db))
                }
            }
        }
    }

    /// Records that the bank returned one payment (wrong or closed account): what it settled is
    /// approved and unpaid again, free for a later batch, with the reason.
    public func returnPayment(
        _ paymentID: PaymentID, of batchID: PaymentBatchID, reason: String?, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> PaymentBatch {
        var v = Validator()
        let reason = v.text(reason ?? "", "reason", maxLength: 500)
        try v.throwIfInvalid()
        return try await step(batchID, nil, by: policy, idempotency: idempotency, stepUp: "recording a returned payment") { batch, user, now, db in
            guard batch.status == .exported || batch.status == .paid else {
                throw MarketError.conflict("the batch is \(batch.status.rawValue): only a payment of an exported or paid batch can be returned")
            }
            guard let payment = batch.payments.first(where: { $0.id == paymentID }) else { throw MarketError.notFound(resource: "payment") }
            guard payment.status == .pending || payment.status == .paid else {
                throw MarketError.conflict("the payment is already \(payment.status.rawValue)")
            }
            try db.execute(sql: """
                UPDATE invoice SET status = CASE WHEN credited_pence = total_pence THEN 'credited' ELSE 'approved' END,
                    paid_on = NULL, paid_by = NULL, paid_at = NULL, payment_reference = NULL
                WHERE status = 'paid' AND id IN (SELECT invoice_id FROM payment_item WHERE payment_id = ? AND live = 1 AND credit_note_id IS NULL);
                UPDATE payment_item SET live = 0 WHERE payment_id = ?;
                UPDATE payment SET status = 'returned', returned_reason = ?, returned_by = ?, returned_at = ? WHERE id = ?;
                """, arguments: [paymentID, paymentID, reason, user, now, paymentID])
            let details: EventPayload = [
                "payment_id": .string(paymentID.rawValue), "batch_id": .string(batchID.rawValue),
                "provider_id": .string(payment.providerID.rawValue), "amount_pence": .integer(payment.amountPence),
                "reason": .string(reason),
            ]
            try AuditEventRecord.append(
                db, at: now, actor: user, action: EventType.paymentReturned.rawValue, subjectType: "payment_batch",
                subjectID: batchID.rawValue, details: details.auditText)
            try OutboxEventRecord.append(
                db, .paymentReturned, at: now, payload: details,
                audience: try EventAudience.organisation(payment.providerID).adding(payer: batch.payer.payer, on: CalendarDay(now), db))
        }
    }

    /// One step of a batch's life in one transaction: the caller must see the batch (else 404)
    /// and pay for its payer (else 403); `change` checks its state and writes. `event`, when
    /// given, is announced with the batch as it is after. `stepUp`, when given, names an action
    /// that needs a recent second factor.
    private func step(
        _ id: PaymentBatchID, _ event: EventType?, by policy: AccessPolicy, idempotency: IdempotencyKey?, confirming: Bool = false,
        stepUp: String? = nil,
        _ change: @escaping @Sendable (PaymentBatch, UserID, Date, Database) throws -> Void
    ) async throws -> PaymentBatch {
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            let batch = try Self.load(id, policy: policy, db)
            guard policy.batchPayer == batch.payer else {
                throw MarketError.forbidden("only the payer's finance staff (a broker's staff) act on its payment batches")
            }
            if confirming { _ = try policy.authorizeConfirmingPayments() }
            if let stepUp { try policy.requireRecentSecondFactor(for: stepUp) }
            try change(batch, user, now, db)
            let changed = try Self.load(id, policy: policy, db)
            if let event { try Self.announce(event, changed, actor: user, at: now, db) }
            return changed
        }
    }

    // MARK: Loading

    static func load(_ id: PaymentBatchID, policy: AccessPolicy, _ db: Database) throws -> PaymentBatch {
        guard let record = try PaymentBatchRecord.filter(PaymentBatchRecord.Columns.id == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: "payment batch")
        }
        switch policy.paymentBatchScope {
        case .all: break
        case .payer(let payer) where payer.id == record.payerId: break
        default: throw MarketError.notFound(resource: "payment batch")
        }
        return try batch(record, payments: try payments(of: id, db), db)
    }

    static func batch(_ record: PaymentBatchRecord, payments: [Payment], _ db: Database) throws -> PaymentBatch {
        let table = record.payerKind == .council ? "council" : "organisation"
        let payerName = try String.fetchOne(db, sql: "SELECT name FROM \(table) WHERE id = ?", arguments: [record.payerId]) ?? record.payerId
        let files = try Row.fetchAll(
            db, sql: "SELECT format, sha256, length(content) AS bytes FROM payment_batch_file WHERE batch_id = ? ORDER BY format",
            arguments: [record.id]
        ).map { ExportedFile(format: $0["format"], sha256: $0["sha256"], bytes: $0["bytes"]) }
        return PaymentBatch(
            id: record.id, sequenceNumber: record.seq ?? 0, payer: try record.payer, payerName: payerName, cutOffDate: record.cutOffDate,
            status: record.status, originator: try JSONDecoder().decode(PayerAccount.self, from: Data(record.originator.utf8)),
            totalPence: record.totalPence, held: try JSONDecoder().decode([HeldPayment].self, from: Data(record.held.utf8)),
            createdBy: record.createdBy, createdAt: record.createdAt, approvedBy: record.approvedBy, approvedAt: record.approvedAt,
            exportedAt: record.exportedAt, processingDate: record.processingDate, valueDate: record.valueDate,
            cancelledAt: record.cancelledAt, payments: payments, files: files)
    }

    static func payments(of batch: PaymentBatchID, _ db: Database) throws -> [Payment] {
        let items = Dictionary(grouping: try Row.fetchAll(db, sql: """
            SELECT i.payment_id, i.invoice_id, v.number AS invoice_number, i.credit_note_id, n.number AS credit_note_number, i.amount_pence
            FROM payment_item i JOIN payment p ON p.id = i.payment_id JOIN invoice v ON v.id = i.invoice_id
            LEFT JOIN credit_note n ON n.id = i.credit_note_id
            WHERE p.batch_id = ? ORDER BY v.seq, n.seq
            """, arguments: [batch]), by: { $0["payment_id"] as PaymentID })
        return try Row.fetchAll(db, sql: """
            SELECT p.*, o.name AS provider_name, b.account_name, b.sort_code, b.account_number, b.roll_number, b.iban, b.bic
            FROM payment p JOIN organisation o ON o.id = p.provider_id JOIN bank_account b ON b.id = p.bank_account_id
            WHERE p.batch_id = ? ORDER BY p.seq
            """, arguments: [batch]).map { row in
            let id: PaymentID = row["id"]
            return Payment(
                id: id, batchID: row["batch_id"], providerID: row["provider_id"], providerName: row["provider_name"],
                bankAccountID: row["bank_account_id"],
                payee: BankDetails(
                    accountName: row["account_name"], sortCode: row["sort_code"], accountNumber: row["account_number"],
                    rollNumber: row["roll_number"], iban: row["iban"], bic: row["bic"]),
                amountPence: row["amount_pence"], reference: row["reference"], status: row["status"],
                returnedReason: row["returned_reason"], returnedAt: row["returned_at"],
                items: (items[id] ?? []).map { item in
                    PaymentItem(
                        invoiceID: item["invoice_id"], invoiceNumber: item["invoice_number"], creditNoteID: item["credit_note_id"],
                        creditNoteNumber: item["credit_note_number"], amountPence: item["amount_pence"])
                })
        }
    }

    static func announce(_ event: EventType, _ batch: PaymentBatch, actor: UserID, at now: Date, _ db: Database) throws {
        let summary: EventPayload = [
            "batch_id": .string(batch.id.rawValue), "payer_kind": .string(batch.payer.kind.rawValue),
            "payer_id": .string(batch.payer.id), "status": .string(batch.status.rawValue),
            "cut_off_date": .string(batch.cutOffDate.text), "total_pence": .integer(batch.totalPence),
            "payment_count": .integer(Int64(batch.payments.count)), "held_count": .integer(Int64(batch.held.count)),
        ]
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: event.rawValue, subjectType: "payment_batch", subjectID: batch.id.rawValue,
            details: summary.auditText)
        // A batch is the payer's own business; each provider hears of its payment as invoices paid.
        try OutboxEventRecord.append(
            db, event, at: now, payload: summary, audience: try EventAudience().adding(payer: batch.payer.payer, on: CalendarDay(now), db))
    }

    /// The next Monday-to-Friday day after `day` (bank holidays are not known to the service).
    static func nextWorkingDay(after day: CalendarDay) -> CalendarDay {
        var next = day.adding(days: 1)
        while !next.isWeekday { next = next.adding(days: 1) }
        return next
    }
}
