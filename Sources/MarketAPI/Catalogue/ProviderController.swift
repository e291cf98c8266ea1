import Hummingbird
import MarketCore
import MarketStore

/// Provider stores: `/v1/providers/{id}` (public profile, edited by its staff) and the store's
/// own list of offerings.
struct ProviderController {
    let catalogue: CatalogueStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/providers/:id", use: show)
        router.get("v1/providers/:id/offerings", use: offerings)
        router.group("v1/providers", context: AuthenticatedContext.self).patch(":id", use: update)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> StorefrontResponse {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        return StorefrontResponse(try await catalogue.storefront(id))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> StorefrontResponse {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        let patch = try await request.decodeJSON(as: StorefrontPatch.self, context: context)
        return StorefrontResponse(try await catalogue.updateStorefront(id, patch: patch, by: context.policy))
    }

    /// Published offerings for everyone; the provider's staff also see drafts and unpublished ones.
    @Sendable func offerings(_ request: Request, context: AppRequestContext) async throws -> ListResponse<OfferingResponse> {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        let status = try request.queryValue("status", as: OfferingStatus.self)
        let page = try await catalogue.offerings(of: id, status: status, viewer: context.policy, page: try request.pageRequest)
        return ListResponse(page, OfferingResponse.init)
    }
}
