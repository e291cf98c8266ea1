import Foundation

// The payer's steps on an invoice and on a payment batch, as pure transitions: each checks the
// state it starts from and returns the value as it is after, or throws. Who may take a step
// (`AccessPolicy`), a recent second factor, and the four-eyes history kept in the database are
// asked by the store, which then persists the result with its audit and events.

extension Invoice {
    /// What the payer's side does to an issued invoice.
    public enum Step: Sendable, Equatable {
        /// Approves it for payment, from awaiting approval.
        case approve(by: UserID)
        /// Disputes it (some or all of its lines), from awaiting approval or approved; any
        /// approval is withdrawn until the provider answers with a credit note.
        case dispute(by: UserID, reason: String)
        /// The holder records paying an approved invoice addressed to them; council and broker
        /// invoices are paid through payment batches.
        case markPaid(InvoicePayment)
    }

    /// The invoice after `step` at `now`: `conflict` from a status the step cannot start from,
    /// `invalid` for a payment day outside the issue date to today.
    public func applying(_ step: Step, at now: Date) throws(MarketError) -> Invoice {
        var invoice = self
        switch step {
        case .approve(let user):
            guard status == .awaitingApproval else {
                throw .conflict("the invoice is \(status.rawValue): only an invoice awaiting approval can be approved")
            }
            invoice.status = .approved
            invoice.approvedBy = user.rawValue
            invoice.approvedAt = now
        case .dispute(let user, let reason):
            guard status == .awaitingApproval || status == .approved else {
                throw .conflict("the invoice is \(status.rawValue): only an invoice awaiting approval or approved can be disputed")
            }
            invoice.status = .disputed
            invoice.disputedBy = user
            invoice.disputedAt = now
            invoice.disputeReason = reason
            invoice.approvedBy = nil
            invoice.approvedAt = nil
        case .markPaid(let payment):
            guard case .holder = payer else {
                throw .conflict("the invoice is paid by its \(payer.kind.rawValue) through a payment batch")
            }
            guard status == .approved else {
                throw .conflict("the invoice is \(status.rawValue): only an approved invoice can be marked paid")
            }
            guard payment.paidOn >= issueDate, payment.paidOn <= CalendarDay(now) else {
                throw .invalid("paid_on", "must be from the issue date \(issueDate.text) to today")
            }
            invoice.status = .paid
            invoice.payment = payment
        }
        return invoice
    }
}

extension PaymentBatch {
    /// What the payer's finance staff do to a batch after drafting it.
    public enum Step: Sendable, Equatable {
        /// Approves a draft: never by the person who created it, nor by one too close to them or
        /// too new in the role (`FourEyes.check`); never an empty one.
        case approve(by: FourEyes.Person, creator: FourEyes.Person, coolingOff: TimeInterval)
        /// Cancels a draft or an approved batch, before export.
        case cancel
        /// Exports an approved batch for the bank to process on that day.
        case export(processingDate: CalendarDay)
        /// Records that the bank paid an exported batch on `valueDate`, between its processing
        /// date and `today`.
        case markPaid(valueDate: CalendarDay, today: CalendarDay)
    }

    /// The batch after `step` at `now`: `conflict` from a status the step cannot start from,
    /// `forbidden` for its creator approving it, `invalid` for a value date out of range.
    public func applying(_ step: Step, at now: Date) throws(MarketError) -> PaymentBatch {
        var batch = self
        switch step {
        case .approve(let approver, let creator, let coolingOff):
            guard status == .draft else { throw .conflict("the batch is \(status.rawValue): only a draft can be approved") }
            guard createdBy != approver.id else {
                throw .forbidden("four eyes: the person who created a batch cannot approve it; another of the payer's finance staff must")
            }
            try FourEyes.check(approver, confirming: creator, "created this batch", at: now, coolingOff: coolingOff)
            guard !payments.isEmpty else { throw .conflict("the batch pays nobody: cancel it") }
            batch.status = .approved
            batch.approvedBy = approver.id
            batch.approvedAt = now
        case .cancel:
            guard status == .draft || status == .approved else {
                throw .conflict("the batch is \(status.rawValue): only a draft or approved batch can be cancelled")
            }
            batch.status = .cancelled
            batch.cancelledAt = now
        case .export(let day):
            guard status == .approved else {
                throw .conflict(status == .exported || status == .paid
                    ? "the batch is already exported: download its files" : "the batch is \(status.rawValue): only an approved batch can be exported")
            }
            batch.status = .exported
            batch.exportedAt = now
            batch.processingDate = day
        case .markPaid(let valueDate, let today):
            guard status == .exported else {
                throw .conflict("the batch is \(status.rawValue): only an exported batch can be marked paid")
            }
            if let processing = processingDate, valueDate < processing || valueDate > today {
                throw .invalid("value_date", "must be from the processing date \(processing.text) to today \(today.text)")
            }
            batch.status = .paid
            batch.valueDate = valueDate
        }
        return batch
    }
}
