import Hummingbird
import MarketCore
import MarketStore

/// The public catalogue: `/v1/offerings`. Anyone searches and reads published offerings at their
/// own effective prices; provider staff create, change, publish and unpublish their own.
struct OfferingController {
    let catalogue: CatalogueStore
    let taxonomy: CategoryTaxonomy
    /// Search results' JSON, reused while unchanged.
    let encoded = OfferingJSONCache()

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/offerings", use: search)
        router.get("v1/offerings/:id", use: show)
        router.get("v1/offerings/:id/price-history", use: priceHistory)
        let authenticated = router.group("v1/offerings", context: AuthenticatedContext.self)
        authenticated.post("", use: create)
        authenticated.patch(":id", use: update)
        authenticated.post(":id/publish", use: publish)
        authenticated.post(":id/unpublish", use: unpublish)
        authenticated.get(":id/rates", use: rates)
    }

    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> ListResponse<EncodedOffering> {
        let query = request.uri.queryParameters
        let search = try OfferingSearch(
            text: query.get("q"), category: query.get("category"), area: query.get("area"),
            providerType: query.get("provider_type"), minPricePence: query.get("min_price_pence"),
            maxPricePence: query.get("max_price_pence"), minRating: query.get("min_rating"),
            minRegulatorRating: query.get("min_regulator_rating"),
            attributes: query.getAll("attribute"), sort: query.get("sort"), taxonomy: taxonomy)
        let caller = context.authentication.map { SearchCaller.user($0.principal.userID) }
            ?? .anonymous(address: context.remoteAddress)
        let page = try await catalogue.search(search, viewer: context.policy, caller: caller, page: try request.pageRequest)
        return ListResponse(items: try page.items.map(encoded.json), nextCursor: page.nextCursor)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> OfferingResponse {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        return OfferingResponse(try await catalogue.offering(id, viewer: context.policy))
    }

    @Sendable func priceHistory(_ request: Request, context: AppRequestContext) async throws -> ListResponse<PricePointResponse> {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        let page = try await catalogue.priceHistory(id, viewer: context.policy, page: try request.pageRequest)
        return ListResponse(page, PricePointResponse.init)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<OfferingResponse> {
        let input = try await request.decodeJSON(as: OfferingInput.self, context: context)
        let listed = try await catalogue.createOffering(input, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: OfferingResponse(listed))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> OfferingResponse {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        let patch = try await request.decodeJSON(as: OfferingInput.self, context: context)
        return OfferingResponse(try await catalogue.updateOffering(id, patch: patch, by: context.policy))
    }

    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> OfferingResponse {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        return OfferingResponse(try await catalogue.publish(id, by: context.policy, idempotency: context.idempotencyKey))
    }

    @Sendable func unpublish(_ request: Request, context: AuthenticatedContext) async throws -> OfferingResponse {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        return OfferingResponse(try await catalogue.unpublish(id, by: context.policy, idempotency: context.idempotencyKey))
    }

    /// The council rates for this offering that the caller may see (often none).
    @Sendable func rates(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<CouncilRateResponse> {
        let id = try context.parameters.identifier("id", as: OfferingID.self)
        let page = try await catalogue.rates(for: id, viewer: context.policy, page: try request.pageRequest)
        return ListResponse(page, CouncilRateResponse.init)
    }
}
