import Foundation
import Logging
import MarketCore
import MarketStore
import Metrics
import ServiceLifecycle
import Webhooks

/// Delivers every committed event to the webhook endpoints whose owners are in its audience:
/// fans events out to deliveries (`WebhookStore.fanOut`), sends the due ones over libcurl's
/// multi interface (`CurlTransport`, on its own thread), at most `maximumInFlight` at once and
/// `perEndpoint` per endpoint so that one slow receiver cannot hold up the rest, and records
/// each attempt. It wakes when an event commits (`OutboxSignal`) and at least every second.
///
/// On graceful shutdown the transport stops; what was in flight stays pending and is sent again,
/// with the same `webhook-id`, when the service starts next.
struct WebhookDispatcher: Service {
    let store: WebhookStore
    /// Each request's total timeout.
    let timeout: TimeInterval
    let signal: OutboxSignal
    let logger: Logger
    var maximumInFlight = 64
    var perEndpoint = 4
    var pollInterval: Duration = .seconds(1)

    func run() async throws {
        let transport = try CurlTransport(userAgent: "Supportmarket-Webhooks/1.0 (\(Curl.version))", timeout: timeout)
        let inFlight = InFlight(perEndpoint: perEndpoint)
        var depthMeasured = ContinuousClock.now - .seconds(60)
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    let seen = signal.mark
                    do {
                        while try await store.fanOut() > 0 {}
                        let busy = await inFlight.busy
                        let room = maximumInFlight - busy.count
                        if room > 0 {
                            for delivery in try await store.due(limit: maximumInFlight * 4, excluding: busy).prefix(room * 4) {
                                guard await inFlight.reserve(delivery, limit: maximumInFlight) else { continue }
                                group.addTask {
                                    await deliver(delivery, over: transport)
                                    await inFlight.release(delivery)
                                    signal.nudge()
                                }
                            }
                        }
                        if ContinuousClock.now - depthMeasured > .seconds(5) {
                            depthMeasured = ContinuousClock.now
                            let depth = try await store.queueDepth()
                            Gauge(label: "supportmarket_webhook_pending_deliveries").record(depth.pendingDeliveries)
                            Gauge(label: "supportmarket_outbox_undispatched_events").record(depth.undispatchedEvents)
                        }
                    } catch {
                        logger.error("webhook dispatch failed; trying again", metadata: ["error": "\(error)"])
                    }
                    await cancelWhenGracefulShutdown { await signal.wait(after: seen, nudgeable: true, timeout: pollInterval) }
                }
                transport.shutdown()
            }
        } onCancel: {
            transport.shutdown()
        }
    }

    /// Signs and sends one delivery, then records the attempt (unless the transport stopped first).
    private func deliver(_ delivery: DueDelivery, over transport: CurlTransport) async {
        let body = Data(delivery.event.webhookBody.utf8)
        // Receivers compare the timestamp with their own clock, so it is the real time.
        let timestamp = Int64(Date().timeIntervalSince1970)
        let signers = delivery.secrets.compactMap(WebhookSigner.init(secret:))
        let host = URLComponents(string: delivery.url)?.host ?? ""
        let response = await transport.send(WebhookRequest(
            url: delivery.url,
            headers: WebhookSigner.headers(signers: signers, messageID: delivery.event.id.rawValue, timestamp: timestamp, body: body),
            body: body, allowPrivateAddresses: store.urlPolicy.allowsPrivateAddresses(of: host)))
        guard !response.cancelled else { return }
        let outcome = WebhookRetry.outcome(ofStatus: response.statusCode)
        Counter(label: "supportmarket_webhook_deliveries_total", dimensions: [("outcome", outcome.rawValue)]).increment()
        Metrics.Timer(label: "supportmarket_webhook_attempt_duration_seconds")
            .recordMilliseconds(response.durationMilliseconds)
        if outcome == .succeeded {
            // From the event's commit to its receipt, whatever the retries in between.
            Metrics.Timer(label: "supportmarket_webhook_delivery_latency_seconds")
                .recordNanoseconds(Int64(max(0, Date().timeIntervalSince(delivery.event.occurredAt)) * 1_000_000_000))
        }
        logger.info("webhook attempt", metadata: [
            "webhook.endpoint_id": "\(delivery.endpointID)", "webhook.event_id": "\(delivery.event.id)",
            "webhook.event_type": "\(delivery.event.type)", "webhook.attempt": "\(delivery.attemptsMade + 1)",
            "webhook.status": "\(response.statusCode.map(String.init) ?? "none")", "webhook.outcome": "\(outcome.rawValue)",
            "webhook.duration_ms": "\(response.durationMilliseconds)", "webhook.error": "\(response.error ?? "")",
        ])
        do {
            try await store.record(
                AttemptResult(
                    statusCode: response.statusCode, durationMilliseconds: response.durationMilliseconds, error: response.error,
                    responseExcerpt: response.bodyExcerpt.isEmpty ? nil : response.bodyExcerpt, retryAfter: response.retryAfter),
                of: delivery, jitter: Double.random(in: -1...1))
        } catch {
            // Not recorded: the delivery stays pending and is sent again (receivers deduplicate by webhook-id).
            logger.error("webhook attempt not recorded", metadata: ["webhook.event_id": "\(delivery.event.id)", "error": "\(error)"])
        }
    }
}

/// Which deliveries are in flight, by endpoint.
private actor InFlight {
    let perEndpoint: Int
    private(set) var busy: Set<Int64> = []
    private var perEndpointCount: [WebhookEndpointID: Int] = [:]

    init(perEndpoint: Int) {
        self.perEndpoint = perEndpoint
    }

    /// Takes a slot for `delivery` unless it is in flight already, its endpoint has
    /// `perEndpoint` in flight, or `limit` are in flight in all.
    func reserve(_ delivery: DueDelivery, limit: Int) -> Bool {
        let count = perEndpointCount[delivery.endpointID, default: 0]
        guard !busy.contains(delivery.seq), count < perEndpoint, busy.count < limit else { return false }
        busy.insert(delivery.seq)
        perEndpointCount[delivery.endpointID] = count + 1
        return true
    }

    func release(_ delivery: DueDelivery) {
        busy.remove(delivery.seq)
        perEndpointCount[delivery.endpointID, default: 1] -= 1
    }
}
