import Foundation
import GRDB
import MarketCore

extension CatalogueStore {
    /// Agrees a council rate for one offering. The offering must be in the catalogue (not a
    /// draft); a validity that overlaps another rate of this council for it is a `conflict`.
    /// Honours the caller's idempotency key.
    public func agreeRate(
        _ new: NewCouncilRate, council: CouncilID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> CouncilRate {
        try policy.authorizeAgreeingRates(for: council)
        let now = database.clock.now()
        let actor = policy.principal.userID
        return try await database.write(as: actor, idempotency: idempotency) { db in
            guard try CouncilRecord.exists(db, key: council.rawValue) else { throw MarketError.notFound(resource: "council") }
            guard let offering = try OfferingRecord.filter(OfferingRecord.Columns.id == new.offeringID.rawValue).fetchOne(db),
                offering.status != .draft
            else { throw MarketError.invalid("offering_id", "no published offering has this id") }
            if let clash = try Self.overlappingRate(
                council: council, offering: new.offeringID, from: new.validFrom, to: new.validTo, excluding: nil, db)
            {
                throw MarketError.conflict("the validity overlaps rate \(clash) of this council for this offering")
            }
            let rate = CouncilRate(
                id: .random(), councilID: council, offeringID: new.offeringID, providerID: offering.providerId,
                ratePence: new.ratePence, validFrom: new.validFrom, validTo: new.validTo, createdAt: now)
            try CouncilRateRecord(rate, createdBy: actor).insert(db)
            try AuditEventRecord.append(
                db, at: now, actor: actor, action: "council_rate.agreed", subjectType: "council_rate",
                subjectID: rate.id.rawValue,
                details: ["offering_id": new.offeringID.rawValue, "rate_pence": String(new.ratePence)])
            return rate
        }
    }

    /// Moves the last day of an agreed rate (`nil`: open-ended), to end an agreement early or to
    /// extend it. History stands: the new end may not be before yesterday (a rate ended
    /// "yesterday" no longer applies today) nor before the rate starts, and it may not run into
    /// another rate of this council for the offering (`conflict`).
    public func changeRateEnd(
        _ id: CouncilRateID, council: CouncilID, validTo: CalendarDay?, by policy: AccessPolicy
    ) async throws -> CouncilRate {
        try policy.authorizeAgreeingRates(for: council)
        let now = database.clock.now()
        let yesterday = CalendarDay(now.addingTimeInterval(-86_400))
        return try await database.write { db in
            guard let record = try CouncilRateRecord.fetchOne(db, key: id.rawValue), record.councilId == council,
                let offering = try OfferingRecord.filter(OfferingRecord.Columns.id == record.offeringId.rawValue).fetchOne(db)
            else { throw MarketError.notFound(resource: "council rate") }
            if let validTo {
                var v = Validator()
                v.check(validTo >= yesterday, "valid_to", "must not be before \(yesterday): what applied stays as it was")
                v.check(validTo >= record.validFrom, "valid_to", "must not be before the rate's valid_from \(record.validFrom)")
                try v.throwIfInvalid()
            }
            if let clash = try Self.overlappingRate(
                council: council, offering: record.offeringId, from: record.validFrom, to: validTo, excluding: id, db)
            { throw MarketError.conflict("the validity would overlap rate \(clash) of this council for this offering") }
            try db.execute(sql: "UPDATE council_rate SET valid_to = ? WHERE id = ?", arguments: [validTo, id.rawValue])
            try AuditEventRecord.append(
                db, at: now, actor: policy.principal.userID, action: "council_rate.end_changed", subjectType: "council_rate",
                subjectID: id.rawValue, details: ["valid_to": validTo?.text ?? "open-ended"])
            var changed = record
            changed.validTo = validTo
            return changed.rate(providerID: offering.providerId)
        }
    }

    /// Another rate of this council for this offering whose days meet `from...to` (`nil`: open-ended),
    /// so that the store can name it; the schema's triggers refuse the same overlap regardless.
    private static func overlappingRate(
        council: CouncilID, offering: OfferingID, from: CalendarDay, to: CalendarDay?, excluding: CouncilRateID?,
        _ db: Database
    ) throws -> String? {
        try String.fetchOne(db, sql: """
            SELECT id FROM council_rate WHERE council_id = ? AND offering_id = ? AND id IS NOT ?
                AND valid_from <= coalesce(?, '9999-12-31') AND ? <= coalesce(valid_to, '9999-12-31')
            """, arguments: [council, offering, excluding, to, from])
    }

    /// A council's private catalogue, for its staff: every rate it agreed, ordered by id.
    public func rates(of council: CouncilID, by policy: AccessPolicy, page: PageRequest) async throws -> Page<CouncilRate> {
        try policy.authorizeReadingRates(of: council)
        return try await ratePage(CouncilRateRecord.filter(CouncilRateRecord.Columns.councilId == council), page: page)
    }

    /// The rates for one offering that the caller may see: its provider's staff see every
    /// council's, a council's staff and funded holders their council's, anyone else none.
    public func rates(for offering: OfferingID, viewer: AccessPolicy, page: PageRequest) async throws -> Page<CouncilRate> {
        _ = try await self.offering(offering, viewer: viewer)
        let rates = CouncilRateRecord.filter(CouncilRateRecord.Columns.offeringId == offering)
        switch viewer.councilRateScope {
        case .all: return try await ratePage(rates, page: page)
        case .provider(let provider): return try await ratePage(rates, ofProvider: provider, page: page)
        case .council(let council): return try await ratePage(rates.filter(CouncilRateRecord.Columns.councilId == council), page: page)
        case .none: return Page(items: [], nextCursor: nil)
        }
    }

    /// One page of `rates`, each with its offering's provider, ordered by id (keyset);
    /// with `provider`, only that provider's offerings' rates.
    private func ratePage(
        _ rates: QueryInterfaceRequest<CouncilRateRecord>, ofProvider provider: OrganisationID? = nil, page: PageRequest
    ) async throws -> Page<CouncilRate> {
        var offering = CouncilRateRecord.offering.select(OfferingRecord.Columns.providerId.forKey("rate_provider_id"))
        if let provider { offering = offering.filter(OfferingRecord.Columns.providerId == provider) }
        let request = rates.annotated(withRequired: offering).asRequest(of: Row.self)
        return try await database.read { db in
            try request.fetchPage(page, by: CouncilRateRecord.Columns.id, .ascending, key: { $0[CouncilRateRecord.Columns.id] as String? }, db) { row in
                try CouncilRateRecord(row: row).rate(providerID: row["rate_provider_id"])
            }
        }
    }
}
