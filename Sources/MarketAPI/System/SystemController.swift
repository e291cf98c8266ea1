import Foundation
import Hummingbird
import MarketStore

/// `GET /health`, `GET /metrics`, `GET /openapi.yaml`.
struct SystemController {
    let database: AppDatabase
    /// The contract, read once at start from the repository's `openapi.yaml`.
    let openAPIDocument: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health", use: health)
        router.get("metrics", use: metrics)
        router.get("openapi.yaml", use: openAPI)
    }

    struct HealthResponse: ResponseEncodable, Sendable {
        let status: String
        let database: String
    }

    /// 200 when the database answers; 503 otherwise.
    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<HealthResponse> {
        let healthy = await database.ping()
        return EditedResponse(
            status: healthy ? .ok : .serviceUnavailable,
            response: HealthResponse(status: healthy ? "ok" : "unavailable", database: healthy ? "ok" : "unreachable"))
    }

    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        text(AppMetrics.registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
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
