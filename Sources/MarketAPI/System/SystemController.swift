import Foundation
import Hummingbird
import MarketStore

/// `GET /health` (live), `GET /ready` (writable and migrated), `GET /metrics`, `GET /openapi.yaml`.
struct SystemController {
    let database: AppDatabase
    let databasePath: String
    /// `/metrics` wants this bearer token; without one configured, only loopback callers.
    let metricsToken: String?
    /// The contract, read once at start from the repository's `openapi.yaml`.
    let openAPIDocument: String
    /// `/health`'s pings, shared by callers that arrive while one is under way.
    let probe: DatabaseProbe

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health", use: health)
        router.get("ready", use: ready)
        router.get("metrics", use: metrics)
        router.get("openapi.yaml", use: openAPI)
    }

    struct HealthResponse: ResponseEncodable, Sendable {
        let status: String
        let database: String
    }

    /// 200 when the database answers; 503 otherwise.
    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<HealthResponse> {
        let healthy = await probe.ping()
        return EditedResponse(
            status: healthy ? .ok : .serviceUnavailable,
            response: HealthResponse(status: healthy ? "ok" : "unavailable", database: healthy ? "ok" : "unreachable"))
    }

    struct ReadyResponse: ResponseEncodable, Sendable {
        let status: String
        let database: String
        let migrations: String
    }

    /// 200 when the database takes writes and its schema is current; 503 otherwise, so that a
    /// proxy holds traffic while the service starts or its disk is in trouble.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<ReadyResponse> {
        let (writable, current) = await database.isReady()
        return EditedResponse(
            status: writable && current ? .ok : .serviceUnavailable,
            response: ReadyResponse(
                status: writable && current ? "ready" : "unavailable", database: writable ? "writable" : "not writable",
                migrations: current ? "current" : "pending"))
    }

    /// Prometheus text: the HTTP and webhook metrics, then the business figures read from the
    /// database. Served with the configured bearer token, or (none configured) to loopback
    /// callers only: a request that a proxy forwarded (`X-Forwarded-For`) comes from loopback but
    /// not from this machine, so it is refused.
    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let metricsToken {
            let given = Array((request.headers[.authorization] ?? "").utf8)
            let expected = Array("Bearer \(metricsToken)".utf8)
            guard given.count == expected.count, zip(given, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
                throw HTTPProblem.metricsRefused
            }
        } else if !Self.isLoopback(context.remoteAddress) || request.headers[.xForwardedFor] != nil {
            throw HTTPProblem.metricsRefused
        }
        let figures = try await database.operationalFigures(path: databasePath)
        return text(AppMetrics.registry.emitToString() + Self.exposition(figures), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// `/metrics`, with or without a trailing slash.
    static func isMetricsPath(_ path: String) -> Bool { path == "/metrics" || path == "/metrics/" }

    static func isLoopback(_ address: String?) -> Bool {
        guard let address else { return false }
        return address.hasPrefix("127.") || address == "::1"
    }

    /// The figures as Prometheus gauges.
    static func exposition(_ figures: OperationalFigures) -> String {
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ values: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for (labels, value) in values { lines.append("\(name)\(labels) \(value)") }
        }
        gauge("supportmarket_orders_placed", "Orders placed, ever.", [("", String(figures.ordersPlaced))])
        gauge("supportmarket_orders_refused", "Orders refused by a council's prohibited-spend list or regulator gating.",
              ["prohibited_spend", "regulator_registration"].map { ("{reason=\"\($0)\"}", String(figures.ordersRefused[$0] ?? 0)) })
        gauge("supportmarket_deliveries_recorded", "Deliveries recorded, ever.", [("", String(figures.deliveriesRecorded))])
        gauge("supportmarket_invoices_issued", "Invoices issued, ever.", [("", String(figures.invoicesIssued))])
        gauge("supportmarket_payment_batches_paid", "Payment batches marked paid.", [("", String(figures.paymentBatchesPaid))])
        gauge("supportmarket_webhook_deliveries", "Webhook deliveries by status.",
              ["pending", "succeeded", "failed"].map { ("{status=\"\($0)\"}", String(figures.webhookDeliveries[$0] ?? 0)) })
        gauge("supportmarket_outbox_depth", "Events not yet fanned out to webhook deliveries.", [("", String(figures.outboxDepth))])
        gauge("supportmarket_database_bytes", "The SQLite database file's size.", [("", String(figures.databaseBytes))])
        gauge("supportmarket_database_wal_bytes", "The SQLite write-ahead log's size.", [("", String(figures.walBytes))])
        return lines.joined(separator: "\n") + "\n"
    }

    @Sendable func openAPI(_ request: Request, context: AppRequestContext) async throws -> Response {
        text(openAPIDocument, contentType: "application/yaml; charset=utf-8")
    }

    private func text(_ body: String, contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
