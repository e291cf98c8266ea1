import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// Ratings: written by people who bought (`POST /v1/ratings`, `PATCH /v1/ratings/{id}`),
/// answered by the provider, moderated by councils and platform admins, and public per store.
struct RatingController {
    let ratings: RatingStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/providers/:id/ratings", use: list)
        let group = router.group("v1/ratings", context: AuthenticatedContext.self)
        group.post(use: create)
        group.patch(":id", use: edit)
        group.post(":id/reply", use: reply)
        group.post(":id/hide", use: hide)
        group.post(":id/remove", use: remove)
    }

    /// `?sort=newest|useful`: anonymous, cursor-paged.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<PublicRatingResponse> {
        let provider = try context.parameters.identifier("id", as: OrganisationID.self)
        let order = try request.queryValue("sort", as: RatingOrder.self) ?? .newest
        return ListResponse(try await ratings.ratings(of: provider, order: order, page: try request.pageRequest), PublicRatingResponse.init)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<RatingResponse> {
        let body = try await request.decodeJSON(as: RatingRequest.self, context: context)
        guard let text = body.orderId, let order = OrderID(text) else {
            throw MarketError.invalid("order_id", "is required: the id of an order you bought (ord_...)")
        }
        let input = try RatingInput(stars: body.stars, comment: body.comment)
        let rating = try await ratings.rate(order, input, by: context.policy, idempotency: context.idempotencyKey)
        return EditedResponse(status: .created, response: RatingResponse(rating))
    }

    @Sendable func edit(_ request: Request, context: AuthenticatedContext) async throws -> RatingResponse {
        let id = try context.parameters.identifier("id", as: RatingID.self)
        let body = try await request.decodeJSON(as: RatingRequest.self, context: context)
        let input = try RatingInput(stars: body.stars, comment: body.comment)
        return RatingResponse(try await ratings.edit(id, input, by: context.policy, idempotency: context.idempotencyKey))
    }

    /// The provider sees the rating as the public does.
    @Sendable func reply(_ request: Request, context: AuthenticatedContext) async throws -> PublicRatingResponse {
        let id = try context.parameters.identifier("id", as: RatingID.self)
        let body = try await request.decodeJSON(as: RatingReplyRequest.self, context: context)
        return PublicRatingResponse(try await ratings.reply(id, text: body.text, by: context.policy))
    }

    @Sendable func hide(_ request: Request, context: AuthenticatedContext) async throws -> RatingResponse {
        let id = try context.parameters.identifier("id", as: RatingID.self)
        let body = try await request.decodeJSON(as: ModerationRequest.self, context: context)
        return RatingResponse(try await ratings.hide(id, reason: body.reason, by: context.policy))
    }

    @Sendable func remove(_ request: Request, context: AuthenticatedContext) async throws -> RatingResponse {
        let id = try context.parameters.identifier("id", as: RatingID.self)
        let body = try await request.decodeJSON(as: ModerationRequest.self, context: context)
        return RatingResponse(try await ratings.remove(id, reason: body.reason, by: context.policy))
    }
}

struct RatingRequest: Decodable {
    let orderId: String?
    let stars: Int?
    let comment: String?
}

struct RatingReplyRequest: Decodable {
    let text: String?
}

struct ModerationRequest: Decodable {
    let reason: String?
}

/// A rating as the public sees it: no name, id or anything else about who rated.
struct PublicRatingResponse: ResponseEncodable, Sendable {
    let id: RatingID
    let stars: Int
    /// `null` when there is none, or moderation hid it (`comment_hidden`).
    let comment: Nullable<String>
    let commentHidden: Bool
    let category: String
    let rater: String
    let ratedOn: CalendarDay
    let edited: Bool
    let reply: Nullable<String>
    let repliedOn: Nullable<CalendarDay>

    init(_ rating: Rating) {
        id = rating.id
        stars = rating.stars
        commentHidden = rating.hiddenReason != nil
        comment = Nullable(commentHidden ? nil : rating.comment)
        category = rating.category
        rater = rating.raterDescription
        ratedOn = CalendarDay(rating.createdAt)
        edited = rating.version > 1
        reply = Nullable(rating.reply)
        repliedOn = Nullable(rating.repliedAt.map(CalendarDay.init))
    }
}

/// A rating as its writer and moderators see it after a step. Not even this names the order:
/// a provider who knew which order was rated would know who rated it.
struct RatingResponse: ResponseEncodable, Sendable {
    let id: RatingID
    let providerId: OrganisationID
    let stars: Int
    let comment: Nullable<String>
    let category: String
    let rater: String
    let version: Int
    let createdAt: Date
    let updatedAt: Date
    let reply: Nullable<String>
    let repliedAt: Nullable<Date>
    let hiddenReason: Nullable<String>
    let removedReason: Nullable<String>

    init(_ rating: Rating) {
        id = rating.id
        providerId = rating.providerID
        stars = rating.stars
        comment = Nullable(rating.comment)
        category = rating.category
        rater = rating.raterDescription
        version = rating.version
        createdAt = rating.createdAt
        updatedAt = rating.updatedAt
        reply = Nullable(rating.reply)
        repliedAt = Nullable(rating.repliedAt)
        hiddenReason = Nullable(rating.hiddenReason)
        removedReason = Nullable(rating.removedReason)
    }
}
