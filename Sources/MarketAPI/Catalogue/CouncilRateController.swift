import Hummingbird
import MarketCore
import MarketStore

/// A council's private catalogue: `/v1/councils/{id}/rates`, agreed and read by its staff.
struct CouncilRateController {
    let catalogue: CatalogueStore

    func addRoutes(to router: Router<AppRequestContext>) {
        let authenticated = router.group("v1/councils", context: AuthenticatedContext.self)
        authenticated.get(":id/rates", use: list)
        authenticated.post(":id/rates", use: agree)
        authenticated.patch(":id/rates/:rate_id", use: changeEnd)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<CouncilRateResponse> {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        let page = try await catalogue.rates(of: council, by: context.policy, page: try request.pageRequest)
        return ListResponse(page, CouncilRateResponse.init)
    }

    @Sendable func agree(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CouncilRateResponse> {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        let body = try await request.decodeJSON(as: AgreeCouncilRateRequest.self, context: context)
        let new = try NewCouncilRate(
            offeringID: body.offeringId, ratePence: body.ratePence, validFrom: body.validFrom, validTo: body.validTo)
        let rate = try await catalogue.agreeRate(new, council: council, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: CouncilRateResponse(rate))
    }

    /// Ends a rate early, or extends it: `{"valid_to": "YYYY-MM-DD" | null}`.
    @Sendable func changeEnd(_ request: Request, context: AuthenticatedContext) async throws -> CouncilRateResponse {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        let id = try context.parameters.identifier("rate_id", as: CouncilRateID.self)
        let body = try await request.decodeJSON(as: ChangeCouncilRateEndRequest.self, context: context)
        return CouncilRateResponse(try await catalogue.changeRateEnd(id, council: council, validTo: body.validTo, by: context.policy))
    }
}
