import Foundation
import GRDB
import MarketCore

struct WebhookEndpointRecord: MarketRecord {
    static let databaseTableName = "webhook_endpoint"
    var seq: Int64?
    var id: WebhookEndpointID
    var ownerId: String
    var url: String
    var description: String?
    var eventTypes: String
    var enabled: Bool
    var disabledReason: String?
    var secret: String
    var previousSecret: String?
    var previousSecretUntil: Date?
    var failingSince: Date?
    var createdBy: UserID
    var createdAt: Date
    var updatedAt: Date
    var deletedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, url, description, enabled, secret
        case ownerId = "owner_id"
        case eventTypes = "event_types"
        case disabledReason = "disabled_reason"
        case previousSecret = "previous_secret"
        case previousSecretUntil = "previous_secret_until"
        case failingSince = "failing_since"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
    }

    typealias Columns = CodingKeys

    var endpoint: WebhookEndpoint {
        let types = (try? JSONDecoder().decode([String].self, from: Data(eventTypes.utf8))) ?? []
        return WebhookEndpoint(
            id: id, ownerID: ownerId, url: url, description: description, eventTypes: types.compactMap(EventType.init),
            enabled: enabled, disabledReason: disabledReason, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// One event's delivery to one endpoint. Read as rows with their event (`withEvent`), since a
/// delivery is shown with its event's id and type.
struct WebhookDeliveryRecord: MarketRecord {
    static let databaseTableName = "webhook_delivery"
    var seq: Int64?
    var id: WebhookDeliveryID
    var endpointId: WebhookEndpointID
    var eventSeq: Int64
    var status: String
    var attempts: Int
    var nextAttemptAt: Date?
    var lastAttemptAt: Date?
    var lastStatusCode: Int?
    var createdAt: Date
    var succeededAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, status, attempts
        case endpointId = "endpoint_id"
        case eventSeq = "event_seq"
        case nextAttemptAt = "next_attempt_at"
        case lastAttemptAt = "last_attempt_at"
        case lastStatusCode = "last_status_code"
        case createdAt = "created_at"
        case succeededAt = "succeeded_at"
    }

    typealias Columns = CodingKeys

    /// What sending a delivery again writes: pending from `now`, with a fresh schedule of retries
    /// (its attempts so far are kept in `webhook_attempt`).
    static func sendAgain(at now: Date) -> [ColumnAssignment] {
        [Columns.status.set(to: WebhookDelivery.Status.pending.rawValue), Columns.attempts.set(to: 0),
         Columns.nextAttemptAt.set(to: now), Columns.succeededAt.set(to: nil)]
    }

    static let event = belongsTo(OutboxEventRecord.self, using: ForeignKey([Columns.eventSeq], to: [OutboxEventRecord.Columns.seq]))
}

extension QueryInterfaceRequest<WebhookDeliveryRecord> {
    /// Each delivery as a row, with its event's id and type (`event_id`, `event_type`).
    func withEvent() -> QueryInterfaceRequest<Row> {
        annotated(withRequired: WebhookDeliveryRecord.event.select(
            OutboxEventRecord.Columns.id.forKey("event_id"), OutboxEventRecord.Columns.type.forKey("event_type")))
            .asRequest(of: Row.self)
    }
}

extension DerivableRequest<WebhookEndpointRecord> {
    /// The endpoints of `owner` that are not deleted.
    func owned(by owner: WebhookOwner) -> Self {
        filter(WebhookEndpointRecord.Columns.ownerId == owner.id && WebhookEndpointRecord.Columns.deletedAt == nil)
    }
}

/// A delivery of one event to one endpoint, with its latest attempts.
public struct WebhookDelivery: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending
        case succeeded
        case failed
    }

    public struct Attempt: Sendable, Equatable, Codable {
        public let attemptedAt: Date
        public let statusCode: Int?
        public let durationMilliseconds: Int
        public let error: String?
        public let responseExcerpt: String?
    }

    public let id: WebhookDeliveryID
    public let endpointID: WebhookEndpointID
    /// The event's id: the `webhook-id` header, the same on every attempt.
    public let eventID: OutboxEventID
    public let eventType: String
    public let eventSeq: Int64
    public let status: Status
    public let attempts: Int
    public let nextAttemptAt: Date?
    public let lastStatusCode: Int?
    public let createdAt: Date
    public let succeededAt: Date?
    /// The most recent first, at most `WebhookStore.attemptsShown`.
    public let recentAttempts: [Attempt]
}

extension WebhookDelivery.Status: DatabaseValueConvertible {}

/// One event as the feed and webhooks show it: its sequence (the feed's cursor), id, type, time
/// and typed payload (JSON text as written).
public struct PublishedEvent: Sendable, Equatable {
    public let seq: Int64
    public let id: OutboxEventID
    public let type: String
    public let occurredAt: Date
    public let payloadJSON: String

    /// The payload as written (typed); empty if it cannot be read.
    public var payload: EventPayload {
        (try? JSONDecoder().decode(EventPayload.self, from: Data(payloadJSON.utf8))) ?? [:]
    }

    /// The webhook body: `{"type", "timestamp", "data"}`.
    public var webhookBody: String {
        "{\"type\":\(FlatJSON.string(type)),\"timestamp\":\(FlatJSON.string(occurredAt.formatted(Date.ISO8601FormatStyle()))),\"data\":\(payloadJSON)}"
    }
}

/// A delivery the dispatcher is to send now: where, with which secrets, and what.
public struct DueDelivery: Sendable, Equatable {
    public let seq: Int64
    public let endpointID: WebhookEndpointID
    public let url: String
    /// The current secret, then the previous one while a rotation's 24 hours last.
    public let secrets: [String]
    public let attemptsMade: Int
    public let event: PublishedEvent
}

/// What one attempt came to, as the transport saw it.
public struct AttemptResult: Sendable, Equatable {
    public let statusCode: Int?
    public let durationMilliseconds: Int
    public let error: String?
    public let responseExcerpt: String?
    public let retryAfter: TimeInterval?

    public init(statusCode: Int?, durationMilliseconds: Int, error: String?, responseExcerpt: String?, retryAfter: TimeInterval?) {
        self.statusCode = statusCode
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.responseExcerpt = responseExcerpt
        self.retryAfter = retryAfter
    }
}
