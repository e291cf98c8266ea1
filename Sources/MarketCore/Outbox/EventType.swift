/// The events written to the transactional outbox, in the same transaction as the change they
/// announce, each with its audience. The webhook dispatcher delivers them and the event feed
/// serves them; nothing is sent from a handler.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case orderPlaced = "order.placed"
    case orderAccepted = "order.accepted"
    case orderDeclined = "order.declined"
    case orderCancelled = "order.cancelled"
    case orderCompleted = "order.completed"
    case deliveryRecorded = "delivery.recorded"
    case deliveryConfirmed = "delivery.confirmed"
    case deliveryDisputed = "delivery.disputed"
    /// The provider voided a delivery recorded by mistake; it counts for nothing.
    case deliveryVoided = "delivery.voided"
    /// A stream's available money fell under 10% of its allocation.
    case budgetLowBalance = "budget.low_balance"
    /// An invoicing run issued an invoice (`invoice_id`, `number`, `provider_id`, payer, `total_pence`).
    case invoiceIssued = "invoice.issued"
    /// The payer's side approved an invoice, or it was approved automatically.
    case invoiceApproved = "invoice.approved"
    case invoiceDisputed = "invoice.disputed"
    /// A provider credited some or all of an invoice; the money is back on the streams it came from.
    case creditNoteIssued = "credit_note.issued"
    /// A provider entered new bank details; each payer verifies them before paying to them.
    /// Carries the version, never the account itself.
    case bankAccountChanged = "bank_account.changed"
    case paymentBatchCreated = "payment_batch.created"
    /// A second finance user approved the batch (four-eyes).
    case paymentBatchApproved = "payment_batch.approved"
    case paymentBatchExported = "payment_batch.exported"
    case paymentBatchPaid = "payment_batch.paid"
    case paymentBatchCancelled = "payment_batch.cancelled"
    /// An invoice was paid: through a batch, or by the holder who pays it.
    case invoicePaid = "invoice.paid"
    /// The bank returned a payment; its invoices are approved and unpaid again.
    case paymentReturned = "payment.returned"
    /// Someone who bought rated a provider (`rating_id`, `provider_id`, `stars`; never who).
    case ratingCreated = "rating.created"
    case ratingReplied = "rating.replied"
    /// A safeguarding concern reached a council (`concern_id`, `council_id`, `urgency`; nothing
    /// of what happened or who it is about). Its only audience is that council.
    case concernRaised = "concern.raised"
    /// A provider published an offering (`offering_id`, `provider_id`, `category`, `public_price_pence`).
    case offeringPublished = "offering.published"
    case offeringUnpublished = "offering.unpublished"
    /// The service disabled a webhook endpoint (`endpoint_id`, `reason`): it answered 410 Gone, or
    /// failed for days. Told to the owner's other endpoints and in the feed.
    case webhookEndpointDisabled = "webhook_endpoint.disabled"
    /// A person was invited to an account (`user_id`, `role`, `council_id`, `organisation_id`,
    /// `actor_user_id`): told to the account and its council or organisation.
    case userInvited = "user.invited"
    case userDisabled = "user.disabled"
    case userEnabled = "user.enabled"
    case userSecondFactorReset = "user.second_factor_reset"
    /// An admin granted the account another role (`role` is the new one).
    case userRoleChanged = "user.role_changed"
}
