import Hummingbird
import MarketCore
import MarketStore

/// Delegations: who may view, order and approve invoices for a budget holder. `/v1/delegations`.
struct DelegationController {
    let budgets: BudgetStore

    func addRoutes(to router: Router<AppRequestContext>) {
        let delegations = router.group("v1/delegations", context: AuthenticatedContext.self)
        delegations.get(use: list)
        delegations.post(use: grant)
        delegations.delete(":id", use: revoke)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<DelegationResponse> {
        ListResponse(try await budgets.delegations(by: context.policy, page: try request.pageRequest), DelegationResponse.init)
    }

    @Sendable func grant(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<DelegationResponse> {
        let body = try await request.decodeJSON(as: GrantDelegationRequest.self, context: context)
        let new = try NewDelegation(
            holderID: body.budgetHolderId, granteeOrganisationID: body.granteeOrganisationId, granteeUserID: body.granteeUserId,
            rights: body.rights, expiresOn: body.expiresOn, today: budgets.today)
        return EditedResponse(status: .created, response: DelegationResponse(try await budgets.grant(new, by: context.policy, idempotency: context.idempotencyKey)))
    }

    /// Revokes at once; the answer is the revoked delegation.
    @Sendable func revoke(_ request: Request, context: AuthenticatedContext) async throws -> DelegationResponse {
        let id = try context.parameters.identifier("id", as: DelegationID.self)
        return DelegationResponse(try await budgets.revoke(id, by: context.policy))
    }
}
