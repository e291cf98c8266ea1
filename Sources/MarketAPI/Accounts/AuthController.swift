import Hummingbird
import MarketCore
import MarketStore

/// Signing in and the caller's own session and credentials: `/v1/auth/…` and `GET /v1/me`.
struct AuthController {
    let tokens: TokenStore
    let secondFactors: SecondFactorStore
    let accounts: AccountStore
    let budgets: BudgetStore
    let trustedProxies: Set<String>

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("v1/auth/tokens", use: login)
        router.post("v1/invitations/:secret/accept", use: acceptInvitation)
        router.post("v1/password-resets", use: requestPasswordReset)
        router.post("v1/password-resets/:secret/accept", use: resetPassword)
        let authenticated = router.group("v1", context: AuthenticatedContext.self)
        authenticated.delete("auth/tokens/current", use: revokeCurrent)
        authenticated.get("me", use: me)
        authenticated.post("auth/step-up", use: stepUp)
        authenticated.post("auth/second-factor", use: beginEnrolment)
        authenticated.post("auth/second-factor/confirm", use: confirmEnrolment)
        authenticated.post("auth/password", use: changePassword)
        authenticated.get("auth/sessions", use: sessions)
        authenticated.delete("auth/sessions/:id", use: endSession)
        authenticated.post("auth/sessions/end-others", use: endOtherSessions)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<TokenResponse> {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        var validator = Validator()
        validator.check((body.deviceToken?.count ?? 0) <= 128, "device_token", "must be at most 128 characters")
        try validator.throwIfInvalid()
        let issued = try await tokens.login(
            email: body.email, password: body.password, deviceToken: body.deviceToken, client: client(of: request, context))
        let holder = try await budgets.holderID(linkedTo: issued.user.id)
        return EditedResponse(status: .created, response: TokenResponse(issued, budgetHolderID: holder))
    }

    /// Sets the invited person's password and starts their first session (which enrols a second
    /// factor next, where the role needs one).
    @Sendable func acceptInvitation(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<TokenResponse> {
        let secret = try context.parameters.require("secret")
        let body = try await request.decodeJSON(as: PasswordRequest.self, context: context)
        let user = try await accounts.acceptInvitation(secret: secret, password: body.password)
        let issued = try await tokens.issueAfterInvitation(for: user, client: client(of: request, context))
        let holder = try await budgets.holderID(linkedTo: user.id)
        return EditedResponse(status: .created, response: TokenResponse(issued, budgetHolderID: holder))
    }

    /// Always 202: whether a link was mailed says nothing of which emails have accounts.
    @Sendable func requestPasswordReset(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: PasswordResetRequest.self, context: context)
        try await accounts.requestPasswordReset(email: body.email)
        return .accepted
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let secret = try context.parameters.require("secret")
        let body = try await request.decodeJSON(as: PasswordRequest.self, context: context)
        try await accounts.resetPassword(secret: secret, password: body.password)
        return .noContent
    }

    private func client(of request: Request, _ context: AppRequestContext) -> SessionClient {
        SessionClient(
            address: ClientAddress.of(request, peer: context.remoteAddress, trustedProxies: trustedProxies),
            userAgent: request.headers[.userAgent])
    }

    @Sendable func revokeCurrent(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await tokens.revoke(context.authentication.tokenID)
        return .noContent
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> PrincipalResponse {
        let user = try await accounts.user(context.principal.userID, by: context.policy)
        return PrincipalResponse(user, budgetHolderID: try await budgets.holderID(linkedTo: user.id))
    }

    // MARK: Second factor

    /// Passes this session's second factor now, with a TOTP code or a recovery code.
    @Sendable func stepUp(_ request: Request, context: AuthenticatedContext) async throws -> StepUpResponse {
        let body = try await request.decodeJSON(as: CodeRequest.self, context: context)
        let passed = try await secondFactors.stepUp(context.principal, session: context.authentication.tokenID, code: body.code)
        return StepUpResponse(secondFactorAt: passed.passedAt, expiresAt: context.authentication.expiresAt, deviceToken: passed.deviceToken)
    }

    @Sendable func beginEnrolment(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<EnrolmentResponse> {
        let enrolment = try await secondFactors.beginEnrolment(for: context.principal)
        return EditedResponse(
            status: .created, response: EnrolmentResponse(secret: enrolment.secret, otpauthUri: enrolment.provisioningURI))
    }

    @Sendable func confirmEnrolment(_ request: Request, context: AuthenticatedContext) async throws -> RecoveryCodesResponse {
        let body = try await request.decodeJSON(as: CodeRequest.self, context: context)
        let codes = try await secondFactors.confirmEnrolment(
            for: context.principal, session: context.authentication.tokenID, code: body.code)
        return RecoveryCodesResponse(recoveryCodes: codes)
    }

    // MARK: Password and sessions

    /// Changes the caller's password; every other session ends.
    @Sendable func changePassword(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: ChangePasswordRequest.self, context: context)
        try await tokens.changePassword(
            of: context.principal, session: context.authentication.tokenID, current: body.currentPassword, new: body.newPassword)
        return .noContent
    }

    @Sendable func sessions(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<SessionResponse> {
        let sessions = try await tokens.sessions(of: context.principal.userID)
        let current = context.authentication.tokenID
        return ListResponse(items: sessions.map { SessionResponse($0, current: current) }, nextCursor: nil)
    }

    @Sendable func endSession(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let id = try context.parameters.identifier("id", as: AccessTokenID.self)
        try await tokens.endSessions(of: context.principal.userID, only: id)
        return .noContent
    }

    @Sendable func endOtherSessions(_ request: Request, context: AuthenticatedContext) async throws -> SessionsEndedResponse {
        let ended = try await tokens.endSessions(of: context.principal.userID, keeping: context.authentication.tokenID)
        return SessionsEndedResponse(ended: ended)
    }
}
