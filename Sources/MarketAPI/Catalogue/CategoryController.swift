import Hummingbird
import MarketCore

/// `GET /v1/categories`: the taxonomy tree and chargeable units, loaded from `catalogue/` at start.
struct CategoryController {
    let taxonomy: CategoryTaxonomy

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/categories", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> TaxonomyResponse {
        TaxonomyResponse(categories: taxonomy.roots, units: taxonomy.units)
    }
}

struct TaxonomyResponse: ResponseEncodable, Sendable {
    let categories: [Category]
    let units: [ChargeableUnit]
}
