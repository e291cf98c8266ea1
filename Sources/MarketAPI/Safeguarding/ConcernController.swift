import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// Safeguarding concerns: `POST /v1/concerns` for anyone signed in; the council's admins read
/// and handle them; the person who raised one sees its status only.
struct ConcernController {
    let concerns: ConcernStore

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("v1/concerns", context: AuthenticatedContext.self)
        group.post(use: raise)
        group.get(use: list)
        group.get(":id", use: show)
        group.post(":id/acknowledge", use: acknowledge)
        group.post(":id/close", use: close)
    }

    @Sendable func raise(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<ConcernResponse> {
        let body = try await request.decodeJSON(as: RaiseConcernRequest.self, context: context)
        let new = try NewConcern(
            councilID: body.councilId, aboutProviderID: body.aboutProviderId, aboutBudgetHolderID: body.aboutBudgetHolderId,
            about: body.about, description: body.description, urgency: body.urgency)
        let concern = try await concerns.raise(new, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: ConcernResponse(concern, for: context.policy))
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ListResponse<ConcernResponse> {
        let status = try request.queryValue("status", as: ConcernStatus.self)
        let page = try await concerns.concerns(by: context.policy, status: status, page: try request.pageRequest)
        return ListResponse(page) { ConcernResponse($0, for: context.policy) }
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> ConcernResponse {
        let id = try context.parameters.identifier("id", as: ConcernID.self)
        return ConcernResponse(try await concerns.concern(id, by: context.policy), for: context.policy)
    }

    @Sendable func acknowledge(_ request: Request, context: AuthenticatedContext) async throws -> ConcernResponse {
        let id = try context.parameters.identifier("id", as: ConcernID.self)
        return ConcernResponse(try await concerns.acknowledge(id, by: context.policy), for: context.policy)
    }

    @Sendable func close(_ request: Request, context: AuthenticatedContext) async throws -> ConcernResponse {
        let id = try context.parameters.identifier("id", as: ConcernID.self)
        let body = try await request.decodeJSON(as: CloseConcernRequest.self, context: context)
        return ConcernResponse(try await concerns.close(id, outcome: body.outcome, by: context.policy), for: context.policy)
    }
}

struct RaiseConcernRequest: Decodable {
    let councilId: String?
    let aboutProviderId: String?
    let aboutBudgetHolderId: String?
    let about: String?
    let description: String?
    let urgency: String?
}

struct CloseConcernRequest: Decodable {
    let outcome: String?
}

/// A concern as its reader may see it: whole for the council's admins who handle it; for the
/// person who raised it, only its status (`details` is `null`).
struct ConcernResponse: ResponseEncodable, Sendable {
    struct Details: Encodable, Sendable {
        let aboutProviderId: Nullable<OrganisationID>
        let aboutBudgetHolderId: Nullable<BudgetHolderID>
        let about: Nullable<String>
        let description: String
        let outcome: Nullable<String>
        let raisedBy: UserID
    }

    let id: ConcernID
    let councilId: CouncilID
    let urgency: ConcernUrgency
    let status: ConcernStatus
    let raisedAt: Date
    let acknowledgedAt: Nullable<Date>
    let closedAt: Nullable<Date>
    let details: Nullable<Details>
    let emergency: String

    init(_ concern: Concern, for policy: AccessPolicy) {
        id = concern.id
        councilId = concern.councilID
        urgency = concern.urgency
        status = concern.status
        raisedAt = concern.raisedAt
        acknowledgedAt = Nullable(concern.acknowledgedAt)
        closedAt = Nullable(concern.closedAt)
        emergency = Concern.emergencyAdvice
        guard policy.maySeeConcernDetails(of: concern.councilID) else {
            details = Nullable(nil)
            return
        }
        var provider: OrganisationID?, holder: BudgetHolderID?, about: String?
        switch concern.subject {
        case .provider(let id): provider = id
        case .budgetHolder(let id): holder = id
        case .described(let text): about = text
        }
        details = Nullable(Details(
            aboutProviderId: Nullable(provider), aboutBudgetHolderId: Nullable(holder), about: Nullable(about),
            description: concern.description, outcome: Nullable(concern.outcome), raisedBy: concern.raisedBy))
    }
}
