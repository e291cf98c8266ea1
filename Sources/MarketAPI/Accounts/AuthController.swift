import Hummingbird
import MarketCore
import MarketStore

/// `POST /v1/auth/tokens`, `DELETE /v1/auth/tokens/current`, `GET /v1/me`.
struct AuthController {
    let tokens: TokenStore
    let accounts: AccountStore
    let budgets: BudgetStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("v1/auth/tokens", use: login)
        let authenticated = router.group("v1", context: AuthenticatedContext.self)
        authenticated.delete("auth/tokens/current", use: revokeCurrent)
        authenticated.get("me", use: me)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<TokenResponse> {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let issued = try await tokens.login(email: body.email, password: body.password)
        let holder = try await budgets.holderID(linkedTo: issued.user.id)
        return EditedResponse(status: .created, response: TokenResponse(issued, budgetHolderID: holder))
    }

    @Sendable func revokeCurrent(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await tokens.revoke(context.authentication.tokenID)
        return .noContent
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> PrincipalResponse {
        let user = try await accounts.user(context.principal.userID, by: context.policy)
        return PrincipalResponse(user, budgetHolderID: try await budgets.holderID(linkedTo: user.id))
    }
}
