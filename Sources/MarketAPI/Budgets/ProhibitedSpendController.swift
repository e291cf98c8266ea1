import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// A council's list of what its funds may not buy: `/v1/councils/{id}/prohibited-spend`, read by
/// anyone (councils publish it), kept by the council's admins and commissioners.
struct ProhibitedSpendController {
    let prohibitedSpend: ProhibitedSpendStore
    let taxonomy: CategoryTaxonomy

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/councils/:id/prohibited-spend", use: list)
        let authenticated = router.group("v1/councils", context: AuthenticatedContext.self)
        authenticated.post(":id/prohibited-spend", use: add)
        authenticated.delete(":id/prohibited-spend/:entry_id", use: withdraw)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<ProhibitedSpendResponse> {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        return ListResponse(try await prohibitedSpend.list(of: council, page: try request.pageRequest), ProhibitedSpendResponse.init)
    }

    @Sendable func add(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<ProhibitedSpendResponse> {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        let body = try await request.decodeJSON(as: AddProhibitedSpendRequest.self, context: context)
        let new = try NewProhibitedSpend(category: body.category, offeringID: body.offeringId, reason: body.reason, taxonomy: taxonomy)
        let entry = try await prohibitedSpend.add(new, to: council, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: ProhibitedSpendResponse(entry))
    }

    /// Withdraws the entry; orders it refused may be placed again.
    @Sendable func withdraw(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let council = try context.parameters.identifier("id", as: CouncilID.self)
        let id = try context.parameters.identifier("entry_id", as: ProhibitedSpendID.self)
        try await prohibitedSpend.withdraw(id, of: council, by: context.policy)
        return .noContent
    }
}

struct AddProhibitedSpendRequest: Decodable, Sendable {
    let category: String?
    let offeringId: OfferingID?
    let reason: String?
}

struct ProhibitedSpendResponse: ResponseEncodable, Sendable {
    let id: ProhibitedSpendID
    let councilId: CouncilID
    let category: Nullable<String>
    let offeringId: Nullable<OfferingID>
    let reason: String
    let addedAt: Date

    init(_ entry: ProhibitedSpend) {
        id = entry.id
        councilId = entry.councilID
        category = Nullable(entry.category)
        offeringId = Nullable(entry.offeringID)
        reason = entry.reason
        addedAt = entry.addedAt
    }
}
