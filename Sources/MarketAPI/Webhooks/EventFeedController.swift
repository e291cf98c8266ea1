import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// The event feed for systems that cannot receive webhooks: `GET /v1/events?after=SEQ`, the
/// events whose audience includes the caller (their account, organisation or council), in a
/// strictly increasing sequence that is never reused. `wait=SECONDS` (at most 30) long-polls.
struct EventFeedController {
    let webhooks: WebhookStore
    let events: OutboxSignal

    static let maximumWait = 30
    static let maximumLimit = 500

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group("v1/events", context: AuthenticatedContext.self).get(use: feed)
    }

    @Sendable func feed(_ request: Request, context: AuthenticatedContext) async throws -> EventPageResponse {
        let query = request.uri.queryParameters
        var v = Validator()
        let after = query.get("after").map { Int64($0) ?? -1 } ?? 0
        v.check(after >= 0, "after", "must be a sequence number (0 or more)")
        let limit = query.get("limit").map { Int($0) ?? 0 } ?? 100
        v.check((1...Self.maximumLimit).contains(limit), "limit", "must be between 1 and \(Self.maximumLimit)")
        let wait = query.get("wait").map { Int($0) ?? -1 } ?? 0
        v.check((0...Self.maximumWait).contains(wait), "wait", "must be 0 to \(Self.maximumWait) seconds")
        var types: [EventType] = []
        for text in (query.get("types") ?? "").split(separator: ",") {
            if let type = EventType(rawValue: String(text)) { types.append(type) } else {
                v.add("types", "'\(text)' is not an event type (GET /v1/webhook-event-types lists them)")
            }
        }
        try v.throwIfInvalid()
        let members = context.policy.eventAudienceMembers
        let deadline = ContinuousClock.now + .seconds(wait)
        while true {
            let seen = events.mark
            let found = try await webhooks.events(for: members, after: after, types: types, limit: limit)
            let remaining = deadline - ContinuousClock.now
            if !found.isEmpty || remaining <= .zero || Task.isCancelled {
                return EventPageResponse(items: found.map(EventResponse.init), nextAfter: found.last?.seq ?? after)
            }
            await events.wait(after: seen, nudgeable: false, timeout: remaining)
        }
    }
}

struct EventPageResponse: ResponseEncodable, Sendable {
    let items: [EventResponse]
    /// Pass as `after` to read on; the same `after` when nothing new came.
    let nextAfter: Int64
}

/// An event as the feed shows it; `data` is the payload a webhook carries.
struct EventResponse: Encodable, Sendable {
    let seq: Int64
    let id: OutboxEventID
    let type: String
    let timestamp: Date
    let data: EventData

    init(_ event: PublishedEvent) {
        seq = event.seq
        id = event.id
        type = event.type
        timestamp = event.occurredAt
        data = EventData(payload: event.payload)
    }
}

/// A payload as a JSON object with its keys sorted, the way webhooks carry it.
struct EventData: Encodable, Sendable {
    let payload: EventPayload

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicCodingKey.self)
        for key in payload.keys.sorted() {
            try container.encode(payload[key], forKey: DynamicCodingKey(stringValue: key))
        }
    }
}
