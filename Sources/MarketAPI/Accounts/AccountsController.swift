import Hummingbird
import MarketCore
import MarketStore

/// Councils, organisations and users: `/v1/councils`, `/v1/organisations`, `/v1/users`.
struct AccountsController {
    let accounts: AccountStore
    let secondFactors: SecondFactorStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/organisations", use: listOrganisations)
        router.get("v1/organisations/:id", use: showOrganisation)
        let authenticated = router.group("v1", context: AuthenticatedContext.self)
        authenticated.get("councils", use: listCouncils)
        authenticated.post("councils", use: createCouncil)
        authenticated.get("councils/:id", use: showCouncil)
        authenticated.patch("councils/:id", use: updateCouncil)
        authenticated.post("organisations", use: createOrganisation)
        authenticated.get("users", use: listUsers)
        authenticated.post("users", use: createUser)
        authenticated.get("users/:id", use: showUser)
        authenticated.post("users/:id/disable", use: disableUser)
        authenticated.post("users/:id/enable", use: enableUser)
        authenticated.post("users/:id/role", use: changeRole)
        authenticated.delete("users/:id/second-factor", use: resetSecondFactor)
        authenticated.get("audit/security-events", use: securityEvents)
    }

    // MARK: Councils

    @Sendable func listCouncils(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<CouncilResponse> {
        let page = try await accounts.councils(by: context.policy, page: try request.pageRequest)
        return ListResponse(page, CouncilResponse.init)
    }

    @Sendable func createCouncil(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CouncilResponse> {
        let body = try await request.decodeJSON(as: CreateCouncilRequest.self, context: context)
        let council = try await accounts.createCouncil(
            try NewCouncil(name: body.name, code: body.code), by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: CouncilResponse(council))
    }

    @Sendable func showCouncil(_ request: Request, context: AuthenticatedContext) async throws -> CouncilResponse {
        let id = try context.parameters.identifier("id", as: CouncilID.self)
        return CouncilResponse(try await accounts.council(id, by: context.policy))
    }

    /// Council settings: the community staleness window and the email domains of its staff.
    @Sendable func updateCouncil(_ request: Request, context: AuthenticatedContext) async throws -> CouncilResponse {
        let id = try context.parameters.identifier("id", as: CouncilID.self)
        let body = try await request.decodeJSON(as: UpdateCouncilRequest.self, context: context)
        let council = try await accounts.updateSettings(
            of: id, communityStaleAfterDays: body.communityStaleAfterDays,
            staffEmailDomains: try body.staffEmailDomains.map { domains throws(MarketError) in try StaffEmailDomains(domains) },
            by: context.policy)
        return CouncilResponse(council)
    }

    // MARK: Organisations

    @Sendable func listOrganisations(_ request: Request, context: AppRequestContext) async throws -> ListResponse<OrganisationResponse> {
        let kind = try request.queryValue("kind", as: OrganisationKind.self)
        let page = try await accounts.organisations(kind: kind, page: try request.pageRequest)
        return ListResponse(page, OrganisationResponse.init)
    }

    @Sendable func showOrganisation(_ request: Request, context: AppRequestContext) async throws -> OrganisationResponse {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        return OrganisationResponse(try await accounts.organisation(id))
    }

    @Sendable func createOrganisation(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<OrganisationResponse> {
        let body = try await request.decodeJSON(as: CreateOrganisationRequest.self, context: context)
        let organisation = try await accounts.createOrganisation(
            try NewOrganisation(kind: body.kind, name: body.name, providerType: body.providerType), by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: OrganisationResponse(organisation))
    }

    // MARK: Users

    @Sendable func listUsers(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<UserResponse> {
        let page = try await accounts.users(by: context.policy, page: try request.pageRequest)
        return ListResponse(page, UserResponse.init)
    }

    /// Invites a person: the account waits for them to choose a password through the link mailed
    /// to them; the creator never holds a credential.
    @Sendable func createUser(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<UserResponse> {
        let body = try await request.decodeJSON(as: CreateUserRequest.self, context: context)
        let new = try NewUser(
            email: body.email, displayName: body.displayName, password: body.password, role: body.role,
            councilID: body.councilId, organisationID: body.organisationId, invited: true)
        let invitation = try await accounts.invite(new, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: UserResponse(invitation.user))
    }

    @Sendable func showUser(_ request: Request, context: AuthenticatedContext) async throws -> UserResponse {
        let id = try context.parameters.identifier("id", as: UserID.self)
        return UserResponse(try await accounts.user(id, by: context.policy))
    }

    /// Disables an account: it cannot sign in, and every token it holds fails on its next request.
    @Sendable func disableUser(_ request: Request, context: AuthenticatedContext) async throws -> UserResponse {
        let id = try context.parameters.identifier("id", as: UserID.self)
        return UserResponse(try await accounts.setDisabled(id, true, by: context.policy))
    }

    @Sendable func enableUser(_ request: Request, context: AuthenticatedContext) async throws -> UserResponse {
        let id = try context.parameters.identifier("id", as: UserID.self)
        return UserResponse(try await accounts.setDisabled(id, false, by: context.policy))
    }

    /// Grants the account another role in its council or organisation; its sessions end.
    @Sendable func changeRole(_ request: Request, context: AuthenticatedContext) async throws -> UserResponse {
        let id = try context.parameters.identifier("id", as: UserID.self)
        let body = try await request.decodeJSON(as: ChangeRoleRequest.self, context: context)
        return UserResponse(try await accounts.changeRole(of: id, to: body.role, by: context.policy))
    }

    /// Removes a user's second factor (lost phone): their sessions end and they enrol again.
    @Sendable func resetSecondFactor(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let id = try context.parameters.identifier("id", as: UserID.self)
        try await secondFactors.reset(id, by: context.policy)
        return .noContent
    }

    /// The security audit in the caller's scope, newest first.
    @Sendable func securityEvents(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<SecurityEventResponse> {
        let page = try await accounts.securityEvents(by: context.policy, page: try request.pageRequest)
        return ListResponse(page, SecurityEventResponse.init)
    }
}
