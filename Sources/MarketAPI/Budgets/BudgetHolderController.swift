import Hummingbird
import MarketCore
import MarketStore

/// Budget holders, their budgets (funding streams and balances) and statements:
/// `/v1/budget-holders/...`.
struct BudgetHolderController {
    let budgets: BudgetStore
    let taxonomy: CategoryTaxonomy

    func addRoutes(to router: Router<AppRequestContext>) {
        let holders = router.group("v1/budget-holders", context: AuthenticatedContext.self)
        holders.get(use: list)
        holders.post(use: register)
        holders.get(":id", use: show)
        holders.get(":id/budget", use: budget)
        holders.post(":id/streams", use: addStream)
        holders.post(":id/streams/:stream_id/top-ups", use: topUp)
        holders.get(":id/statement", use: statement)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<BudgetHolderResponse> {
        ListResponse(try await budgets.holders(by: context.policy, page: try request.pageRequest), BudgetHolderResponse.init)
    }

    /// Council staff register someone their council funds; a self-funder's account registers itself.
    @Sendable func register(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<BudgetHolderResponse> {
        let body = try await request.decodeJSON(as: RegisterBudgetHolderRequest.self, context: context)
        let new = try NewBudgetHolder(displayName: body.displayName, councilID: body.councilId, userID: body.userId)
        return EditedResponse(status: .created, response: BudgetHolderResponse(try await budgets.registerHolder(new, by: context.policy, idempotency: context.idempotencyKey)))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> BudgetHolderResponse {
        let id = try context.parameters.identifier("id", as: BudgetHolderID.self)
        return BudgetHolderResponse(try await budgets.holder(id, by: context.policy))
    }

    @Sendable func budget(_ request: Request, context: AuthenticatedContext) async throws -> BudgetResponse {
        let id = try context.parameters.identifier("id", as: BudgetHolderID.self)
        let (holder, streams) = try await budgets.budget(of: id, by: context.policy)
        return BudgetResponse(holder: holder, streams: streams)
    }

    @Sendable func addStream(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<FundingStreamResponse> {
        let id = try context.parameters.identifier("id", as: BudgetHolderID.self)
        let body = try await request.decodeJSON(as: AddFundingStreamRequest.self, context: context)
        let new = try NewFundingStream(
            source: body.source, managementOption: body.managementOption, managingOrganisationID: body.managingOrganisationId,
            fundHolder: body.fundHolder, periodFrom: body.periodFrom, periodTo: body.periodTo,
            restrictedToCategories: body.restrictedToCategories, allocationPence: body.allocationPence, taxonomy: taxonomy)
        let stream = try await budgets.addStream(new, to: id, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: FundingStreamResponse(stream))
    }

    @Sendable func topUp(_ request: Request, context: AuthenticatedContext) async throws -> FundingStreamResponse {
        let id = try context.parameters.identifier("id", as: BudgetHolderID.self)
        let stream = try context.parameters.identifier("stream_id", as: FundingStreamID.self)
        let body = try await request.decodeJSON(as: TopUpRequest.self, context: context)
        return FundingStreamResponse(try await budgets.topUp(
            stream, of: id, amountPence: body.amountPence, by: context.policy, idempotency: context.idempotencyKey))
    }

    /// Ledger entries, oldest first; `?stream_id=` narrows to one stream.
    @Sendable func statement(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<LedgerEntryResponse> {
        let id = try context.parameters.identifier("id", as: BudgetHolderID.self)
        let stream = try request.queryIdentifier("stream_id", as: FundingStreamID.self)
        let page = try await budgets.statement(of: id, stream: stream, by: context.policy, page: try request.pageRequest)
        return ListResponse(page, LedgerEntryResponse.init)
    }
}
