import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// Webhook endpoints (`/v1/webhook-endpoints`), managed by the staff of the organisation or
/// council that owns them; their deliveries, replays and recovery; and the event types.
struct WebhookController {
    let webhooks: WebhookStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/webhook-event-types", use: eventTypes)
        let endpoints = router.group("v1/webhook-endpoints", context: AuthenticatedContext.self)
        endpoints.get(use: list)
        endpoints.post(use: create)
        endpoints.get(":id", use: show)
        endpoints.patch(":id", use: update)
        endpoints.delete(":id", use: delete)
        endpoints.post(":id/rotate-secret", use: rotateSecret)
        endpoints.get(":id/deliveries", use: deliveries)
        endpoints.post(":id/recover", use: recover)
        router.group("v1/webhook-deliveries", context: AuthenticatedContext.self).post(":id/replay", use: replay)
    }

    @Sendable func eventTypes(_ request: Request, context: AppRequestContext) async throws -> ListResponse<EventTypeResponse> {
        ListResponse(Page(items: EventType.allCases, nextCursor: nil), EventTypeResponse.init)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<WebhookEndpointResponse> {
        ListResponse(try await webhooks.endpoints(by: context.policy, page: try request.pageRequest)) { WebhookEndpointResponse($0) }
    }

    /// The answer carries the secret, shown this once.
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<WebhookEndpointResponse> {
        let body = try await request.decodeJSON(as: WebhookEndpointRequest.self, context: context)
        let input = try body.input(creating: true, policy: webhooks.urlPolicy)
        let (endpoint, secret) = try await webhooks.create(input, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: WebhookEndpointResponse(endpoint, secret: secret))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> WebhookEndpointResponse {
        WebhookEndpointResponse(try await webhooks.endpoint(try context.parameters.identifier("id", as: WebhookEndpointID.self), by: context.policy))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> WebhookEndpointResponse {
        let id = try context.parameters.identifier("id", as: WebhookEndpointID.self)
        let body = try await request.decodeJSON(as: WebhookEndpointRequest.self, context: context)
        return WebhookEndpointResponse(try await webhooks.update(id, try body.input(creating: false, policy: webhooks.urlPolicy), by: context.policy))
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await webhooks.delete(try context.parameters.identifier("id", as: WebhookEndpointID.self), by: context.policy)
        return .noContent
    }

    /// A new secret, shown this once; the old one goes on signing beside it for 24 hours.
    @Sendable func rotateSecret(_ request: Request, context: AuthenticatedContext) async throws -> WebhookEndpointResponse {
        let id = try context.parameters.identifier("id", as: WebhookEndpointID.self)
        let (endpoint, secret) = try await webhooks.rotateSecret(id, by: context.policy, idempotency: context.idempotencyKey)
        return WebhookEndpointResponse(endpoint, secret: secret)
    }

    @Sendable func deliveries(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<WebhookDeliveryResponse> {
        let id = try context.parameters.identifier("id", as: WebhookEndpointID.self)
        let status = try request.queryValue("status", as: WebhookDelivery.Status.self)
        let page = try await webhooks.deliveries(of: id, status: status, by: context.policy, page: try request.pageRequest)
        return ListResponse(page, WebhookDeliveryResponse.init)
    }

    @Sendable func replay(_ request: Request, context: AuthenticatedContext) async throws -> WebhookDeliveryResponse {
        WebhookDeliveryResponse(try await webhooks.replay(
            try context.parameters.identifier("id", as: WebhookDeliveryID.self), by: context.policy, idempotency: context.idempotencyKey))
    }

    /// Sends again whatever failed since `since` (a date or timestamp, required).
    @Sendable func recover(_ request: Request, context: AuthenticatedContext) async throws -> RecoverResponse {
        let id = try context.parameters.identifier("id", as: WebhookEndpointID.self)
        guard let since = try request.queryTimestamp("since", endOfDay: false) else { throw MarketError.invalid("since", "is required") }
        return RecoverResponse(
            deliveriesQueued: try await webhooks.recover(id, since: since, by: context.policy, idempotency: context.idempotencyKey))
    }
}

struct WebhookEndpointRequest: Decodable, Sendable {
    let url: String?
    let description: String?
    let eventTypes: [String]?
    let enabled: Bool?

    /// An empty `description` clears it.
    func input(creating: Bool, policy: WebhookURLPolicy) throws -> WebhookEndpointInput {
        try WebhookEndpointInput(
            url: url, description: description.map { $0.isEmpty ? nil : $0 }, eventTypes: eventTypes, enabled: enabled,
            creating: creating, policy: policy)
    }
}

struct WebhookEndpointResponse: ResponseEncodable, Sendable {
    let id: WebhookEndpointID
    let ownerId: String
    let url: String
    let description: Nullable<String>
    /// Empty: every event type.
    let eventTypes: [EventType]
    let enabled: Bool
    let disabledReason: Nullable<String>
    /// Only when created or rotated; never shown again.
    let secret: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ endpoint: WebhookEndpoint, secret: String? = nil) {
        id = endpoint.id
        ownerId = endpoint.ownerID
        url = endpoint.url
        description = Nullable(endpoint.description)
        eventTypes = endpoint.eventTypes
        enabled = endpoint.enabled
        disabledReason = Nullable(endpoint.disabledReason)
        self.secret = secret
        createdAt = endpoint.createdAt
        updatedAt = endpoint.updatedAt
    }
}

struct WebhookDeliveryResponse: ResponseEncodable, Sendable {
    struct Attempt: Encodable, Sendable {
        let attemptedAt: Date
        let statusCode: Nullable<Int>
        let durationMs: Int
        let error: Nullable<String>
        let responseExcerpt: Nullable<String>
    }

    let id: WebhookDeliveryID
    let endpointId: WebhookEndpointID
    /// The `webhook-id` header: the event's id, the same on every attempt.
    let eventId: OutboxEventID
    let eventType: String
    let eventSeq: Int64
    let status: WebhookDelivery.Status
    let attempts: Int
    let nextAttemptAt: Nullable<Date>
    let lastStatusCode: Nullable<Int>
    let createdAt: Date
    let succeededAt: Nullable<Date>
    let recentAttempts: [Attempt]

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        endpointId = delivery.endpointID
        eventId = delivery.eventID
        eventType = delivery.eventType
        eventSeq = delivery.eventSeq
        status = delivery.status
        attempts = delivery.attempts
        nextAttemptAt = Nullable(delivery.nextAttemptAt)
        lastStatusCode = Nullable(delivery.lastStatusCode)
        createdAt = delivery.createdAt
        succeededAt = Nullable(delivery.succeededAt)
        recentAttempts = delivery.recentAttempts.map { attempt in
            Attempt(
                attemptedAt: attempt.attemptedAt, statusCode: Nullable(attempt.statusCode), durationMs: attempt.durationMilliseconds,
                error: Nullable(attempt.error), responseExcerpt: Nullable(attempt.responseExcerpt))
        }
    }
}

struct RecoverResponse: ResponseEncodable, Sendable {
    let deliveriesQueued: Int
}

struct EventTypeResponse: Encodable, Sendable {
    let name: String

    init(_ type: EventType) { name = type.rawValue }
}
