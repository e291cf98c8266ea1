import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// A provider's registration with its care regulator: `/v1/providers/{id}/regulator-registration`,
/// read by anyone, set by platform admins (it is otherwise imported from the regulator's data).
struct RegulatorController {
    let regulation: RegulatorStore
    let database: AppDatabase

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/providers/:id/regulator-registration", use: show)
        router.group("v1/providers", context: AuthenticatedContext.self).put(":id/regulator-registration", use: set)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> RegulatorRegistrationResponse {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        return RegulatorRegistrationResponse(try await regulation.registration(of: id))
    }

    @Sendable func set(_ request: Request, context: AuthenticatedContext) async throws -> RegulatorRegistrationResponse {
        let id = try context.parameters.identifier("id", as: OrganisationID.self)
        let body = try await request.decodeJSON(as: SetRegulatorRegistrationRequest.self, context: context)
        let new = try NewRegulatorRegistration(
            regulator: body.regulator, locationID: body.locationId, status: body.status, overallRating: body.overallRating,
            lastInspectedOn: body.lastInspectionDate, today: database.today)
        return RegulatorRegistrationResponse(try await regulation.set(new, for: id, by: context.policy))
    }
}

struct SetRegulatorRegistrationRequest: Decodable, Sendable {
    let regulator: String?
    let locationId: String?
    let status: String?
    let overallRating: String?
    let lastInspectionDate: CalendarDay?
}

/// What the regulator says of a provider. Shown beside people's ratings, never mixed into them.
struct RegulatorRegistrationResponse: ResponseEncodable, Sendable {
    let providerId: OrganisationID
    let regulator: Regulator
    let locationId: Nullable<String>
    let status: RegistrationStatus
    let overallRating: Nullable<RegulatorRating>
    let lastInspectionDate: Nullable<CalendarDay>
    let syncedAt: Date

    init(_ registration: RegulatorRegistration) {
        providerId = registration.providerID
        regulator = registration.regulator
        locationId = Nullable(registration.locationID)
        status = registration.status
        overallRating = Nullable(registration.overallRating)
        lastInspectionDate = Nullable(registration.lastInspectedOn)
        syncedAt = registration.syncedAt
    }
}
