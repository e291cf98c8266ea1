import Foundation
import GRDB
import MarketCore

struct RatingRecord: MarketRecord {
    static let databaseTableName = "rating"
    var seq: Int64?
    var id: RatingID
    var orderId: OrderID
    var providerId: OrganisationID
    var budgetHolderId: BudgetHolderID
    var raterCouncilId: CouncilID?
    var category: String
    var stars: Int
    var comment: String?
    var version: Int
    var createdBy: UserID
    var createdAt: Date
    var updatedAt: Date
    var reply: String?
    var repliedBy: UserID?
    var repliedAt: Date?
    var hiddenReason: String?
    var hiddenBy: UserID?
    var hiddenAt: Date?
    var removedReason: String?
    var removedBy: UserID?
    var removedAt: Date?

    /// The table's column names, written once: `Columns` are these keys.
    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, id, category, stars, comment, version, reply
        case orderId = "order_id"
        case providerId = "provider_id"
        case budgetHolderId = "budget_holder_id"
        case raterCouncilId = "rater_council_id"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case repliedBy = "replied_by"
        case repliedAt = "replied_at"
        case hiddenReason = "hidden_reason"
        case hiddenBy = "hidden_by"
        case hiddenAt = "hidden_at"
        case removedReason = "removed_reason"
        case removedBy = "removed_by"
        case removedAt = "removed_at"
    }

    typealias Columns = CodingKeys

    static let raterCouncil = belongsTo(CouncilRecord.self, using: ForeignKey([Columns.raterCouncilId]))
}

extension QueryInterfaceRequest<RatingRecord> {
    /// Each rating as a row, with the name of its rater's council (`council_name`), if any.
    func withCouncilName() -> QueryInterfaceRequest<Row> {
        annotated(withOptional: RatingRecord.raterCouncil.select(CouncilRecord.Columns.name.forKey("council_name")))
            .asRequest(of: Row.self)
    }
}

/// Ratings from people who bought: written by the holder's side once per order with a
/// confirmed delivery, answered by the provider, moderated by councils and platform admins.
/// The store's count and sum change by trigger in each rating's own transaction
/// (`AppDatabase+Migrations+Ratings.swift`), so search's `min_rating` and `sort=rating` follow.
public struct RatingStore: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Rates the provider of `order` as its holder or a delegate: 404 unless the caller can see
    /// the order's holder, 422 before a delivery is confirmed, 409 when the order is rated already.
    public func rate(_ order: OrderID, _ input: RatingInput, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Rating {
        let now = database.clock.now()
        let today = CalendarDay(now)
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            guard let record = try OrderRecord.filter(OrderRecord.Columns.id == order.rawValue).fetchOne(db) else {
                throw MarketError.notFound(resource: "order")
            }
            let access = try HolderAccess.load(record.budgetHolderId, policy: policy, today: today, db)
            try policy.authorizeRating(for: access.holder, delegations: access.delegations)
            if let existing = try RatingID.fetchOne(db, sql: "SELECT id FROM rating WHERE order_id = ?", arguments: [order]) {
                throw MarketError.conflict("this order is rated already: change that rating (PATCH /v1/ratings/\(existing))")
            }
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM delivery WHERE order_id = ? AND status = 'confirmed' LIMIT 1", arguments: [order]) == true
            else {
                throw MarketError.invalid("order_id", "has no confirmed delivery yet: an order is rated once support it paid for was delivered")
            }
            let category = try String.fetchOne(
                db, sql: "SELECT category FROM order_line WHERE order_id = ? ORDER BY line_number LIMIT 1", arguments: [order]) ?? ""
            let rating = RatingRecord(
                id: .random(), orderId: order, providerId: record.providerId, budgetHolderId: record.budgetHolderId,
                raterCouncilId: access.holder.councilID, category: category, stars: input.stars, comment: input.comment, version: 1,
                createdBy: user, createdAt: now, updatedAt: now)
            try rating.insert(db)
            try Self.announce(.ratingCreated, rating, actor: user, at: now, db)
            return try Self.load(rating.id, db)
        }
    }

    /// Changes a rating, as its holder's side, within `Rating.editableDays` of writing it; the
    /// version before is kept.
    public func edit(_ id: RatingID, _ input: RatingInput, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> Rating {
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write(as: user, idempotency: idempotency) { db in
            let record = try Self.record(id, db)
            let access = try HolderAccess.load(record.budgetHolderId, policy: policy, today: CalendarDay(now), db)
            try policy.authorizeRating(for: access.holder, delegations: access.delegations)
            guard record.removedAt == nil else { throw MarketError.conflict("the rating was removed by moderation") }
            guard CalendarDay(record.createdAt).adding(days: Rating.editableDays) >= CalendarDay(now) else {
                throw MarketError.conflict("a rating can be changed for \(Rating.editableDays) days after it was written")
            }
            try db.execute(
                sql: "UPDATE rating SET stars = ?, comment = ?, version = version + 1, updated_at = ? WHERE id = ?",
                arguments: [input.stars, input.comment, now, id])
            try AuditEventRecord.append(
                db, at: now, actor: user, action: "rating.edited", subjectType: "rating", subjectID: id.rawValue,
                details: ["stars": String(input.stars), "version": String(record.version + 1)])
            return try Self.load(id, db)
        }
    }

    /// The provider's answer, as its staff; a second answer replaces the first.
    public func reply(_ id: RatingID, text: String?, by policy: AccessPolicy) async throws -> Rating {
        var v = Validator()
        let text = v.text(text ?? "", "text", maxLength: 2000)
        try v.throwIfInvalid()
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write { db in
            let record = try Self.record(id, db)
            guard record.removedAt == nil else { throw MarketError.notFound(resource: "rating") }
            try policy.authorizeReply(as: record.providerId)
            try db.execute(
                sql: "UPDATE rating SET reply = ?, replied_by = ?, replied_at = ? WHERE id = ?", arguments: [text, user, now, id])
            try Self.announce(.ratingReplied, record, actor: user, at: now, db)
            return try Self.load(id, db)
        }
    }

    /// Hides a comment that breaks the rules (its stars still count), with the reason.
    public func hide(_ id: RatingID, reason: String?, by policy: AccessPolicy) async throws -> Rating {
        try await moderate(id, reason: reason, by: policy, action: "rating.hidden") { record, user, now, reason, db in
            try policy.authorizeHiding(raterCouncil: record.raterCouncilId)
            guard record.comment != nil else { throw MarketError.conflict("the rating has no comment to hide") }
            try db.execute(
                sql: "UPDATE rating SET hidden_reason = ?, hidden_by = ?, hidden_at = ? WHERE id = ?", arguments: [reason, user, now, id])
        }
    }

    /// Removes a fake or unlawful rating: it is no longer shown and stops counting, for good.
    public func remove(_ id: RatingID, reason: String?, by policy: AccessPolicy) async throws -> Rating {
        try await moderate(id, reason: reason, by: policy, action: "rating.removed") { record, user, now, reason, db in
            try policy.authorizeRemoving()
            guard record.removedAt == nil else { throw MarketError.conflict("the rating is removed already") }
            try db.execute(
                sql: "UPDATE rating SET removed_reason = ?, removed_by = ?, removed_at = ? WHERE id = ?", arguments: [reason, user, now, id])
        }
    }

    /// One moderation step with its reason and audit, in one transaction.
    private func moderate(
        _ id: RatingID, reason: String?, by policy: AccessPolicy, action: String,
        _ change: @escaping @Sendable (RatingRecord, UserID, Date, String, Database) throws -> Void
    ) async throws -> Rating {
        var v = Validator()
        let reason = v.text(reason ?? "", "reason", maxLength: 500)
        try v.throwIfInvalid()
        let now = database.clock.now()
        let user = policy.principal.userID
        return try await database.write { db in
            let record = try Self.record(id, db)
            try change(record, user, now, reason, db)
            try AuditEventRecord.append(
                db, at: now, actor: user, action: action, subjectType: "rating", subjectID: id.rawValue,
                details: ["provider_id": record.providerId.rawValue, "reason": reason])
            return try Self.load(id, db)
        }
    }

    /// A provider's ratings as the public sees them: removed ones left out, newest or most
    /// useful first, keyset-paged on one sort key.
    public func ratings(of provider: OrganisationID, order: RatingOrder, page: PageRequest) async throws -> Page<Rating> {
        typealias Columns = RatingRecord.Columns
        let sortKey: SQLExpression = switch order {
        case .newest: Columns.seq.sqlExpression
        case .useful:
            // A visible comment, then a reply, then the newest; one integer, so one keyset.
            SQL("""
                (((\(Columns.comment) IS NOT NULL AND \(Columns.hiddenAt) IS NULL) * 2 + (\(Columns.reply) IS NOT NULL))
                    * 1099511627776 + \(Columns.seq))
                """).sqlExpression
        }
        let request = RatingRecord.filter(Columns.providerId == provider && Columns.removedAt == nil)
            .annotated(with: sortKey.forKey("sort_key"))
            .withCouncilName()
        return try await database.read { db in
            guard try ProviderStoreRecord.exists(db, key: provider.rawValue) else { throw MarketError.notFound(resource: "provider") }
            return try request.fetchPage(page, by: sortKey, .descending, key: { $0["sort_key"] as Int64? }, db, item: Self.rating)
        }
    }

    // MARK: Loading

    static func record(_ id: RatingID, _ db: Database) throws -> RatingRecord {
        guard let record = try RatingRecord.filter(RatingRecord.Columns.id == id.rawValue).fetchOne(db) else {
            throw MarketError.notFound(resource: "rating")
        }
        return record
    }

    static func load(_ id: RatingID, _ db: Database) throws -> Rating {
        guard let row = try RatingRecord.filter(RatingRecord.Columns.id == id).withCouncilName().fetchOne(db) else {
            throw MarketError.notFound(resource: "rating")
        }
        return try rating(row)
    }

    static func rating(_ row: Row) throws -> Rating {
        let record = try RatingRecord(row: row)
        return Rating(
            id: record.id, orderID: record.orderId, providerID: record.providerId, category: record.category,
            raterCouncilName: row["council_name"], stars: record.stars, comment: record.comment, version: record.version,
            createdBy: record.createdBy, createdAt: record.createdAt, updatedAt: record.updatedAt, reply: record.reply,
            repliedAt: record.repliedAt, hiddenReason: record.hiddenReason, removedReason: record.removedReason)
    }

    /// The audit record and the event; the event names the provider and the rating, never who
    /// rated. The provider hears of both; a reply also reaches the rater's own account.
    static func announce(_ event: EventType, _ rating: RatingRecord, actor: UserID, at now: Date, _ db: Database) throws {
        let payload: EventPayload = [
            "rating_id": .string(rating.id.rawValue), "provider_id": .string(rating.providerId.rawValue),
            "stars": .integer(Int64(rating.stars)),
        ]
        try AuditEventRecord.append(
            db, at: now, actor: actor, action: event.rawValue, subjectType: "rating", subjectID: rating.id.rawValue,
            details: payload.auditText.merging(["order_id": rating.orderId.rawValue]) { $1 })
        let audience = EventAudience.organisation(rating.providerId)
        try OutboxEventRecord.append(
            db, event, at: now, payload: payload, audience: event == .ratingReplied ? audience.adding(user: rating.createdBy) : audience)
    }
}
