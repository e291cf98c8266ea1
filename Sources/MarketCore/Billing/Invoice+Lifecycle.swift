import Foundation

// The payer's steps on an invoice, as a pure transition: each checks the state it starts from and
// returns the invoice as it is after, or throws. Who may take a step (`AccessPolicy`) and a recent
// second factor are asked by the store, which persists the result with its audit and events.

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
