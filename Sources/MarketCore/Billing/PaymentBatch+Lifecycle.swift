import Foundation

// The payer's finance staff's steps on a payment batch, as a pure transition: each checks the
// state it starts from and returns the batch as it is after, or throws. Who may act
// (`AccessPolicy.authorizeConfirmingPayments`) and a recent second factor are asked by the store,
// which fetches the two people four-eyes compares, and persists the result with its audit and events.

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
