import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// The community catalogue: `/v1/community/...`. Reading is anonymous; publishing is for community
/// publishers and council staff; views and click-throughs are counted without personal data.
struct CommunityController {
    let community: CommunityStore
    let usage: CommunityUsageRecorder
    let taxonomy: CategoryTaxonomy

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/community/resources", use: search)
        router.get("v1/community/resources/:id", use: show)
        router.post("v1/community/resources/:id/click-throughs", use: clickThrough)
        let authenticated = router.group("v1/community", context: AuthenticatedContext.self)
        authenticated.post("resources", use: create)
        authenticated.patch("resources/:id", use: update)
        authenticated.post("resources/:id/verify", use: verify)
        authenticated.get("stale-resources", use: stale)
    }

    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> ListResponse<CommunityResourceResponse> {
        let query = request.uri.queryParameters
        let search = try CommunitySearch(
            text: query.get("q"), category: query.get("category"), area: query.get("area"), kind: query.get("kind"),
            eventsFrom: try request.queryTimestamp("from", endOfDay: false),
            eventsTo: try request.queryTimestamp("to", endOfDay: true),
            includePast: try request.queryFlag("include_past"), taxonomy: taxonomy)
        let page = try await community.search(search, page: try request.pageRequest)
        return ListResponse(page, CommunityResourceResponse.init)
    }

    /// Shows one resource and counts a view.
    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> CommunityResourceResponse {
        let id = try context.parameters.identifier("id", as: CommunityResourceID.self)
        let listed = try await community.resource(id)
        usage.recordView(of: id)
        return CommunityResourceResponse(listed)
    }

    /// Counts that someone followed the resource's contact or web link. Anonymous; no body.
    @Sendable func clickThrough(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let id = try context.parameters.identifier("id", as: CommunityResourceID.self)
        _ = try await community.resource(id)
        usage.recordClickThrough(of: id)
        return .accepted
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CommunityResourceResponse> {
        let input = try await request.decodeJSON(as: CommunityResourceInput.self, context: context)
        let listed = try await community.create(input, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: CommunityResourceResponse(listed))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> CommunityResourceResponse {
        let id = try context.parameters.identifier("id", as: CommunityResourceID.self)
        let patch = try await request.decodeJSON(as: CommunityResourceInput.self, context: context)
        return CommunityResourceResponse(try await community.update(id, patch: patch, by: context.policy))
    }

    @Sendable func verify(_ request: Request, context: AuthenticatedContext) async throws -> CommunityResourceResponse {
        let id = try context.parameters.identifier("id", as: CommunityResourceID.self)
        return CommunityResourceResponse(try await community.verify(id, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func stale(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<CommunityResourceResponse> {
        let page = try await community.staleResources(by: context.policy, page: try request.pageRequest)
        return ListResponse(page, CommunityResourceResponse.init)
    }
}
