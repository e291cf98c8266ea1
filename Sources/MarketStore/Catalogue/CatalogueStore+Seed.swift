import Foundation
import GRDB
import MarketCore

extension CatalogueStore {
    /// An offering of the demo market, listed under `provider` without a policy check.
    public struct SeedOffering: Sendable {
        public let provider: OrganisationID
        public let input: OfferingInput
        public let published: Bool

        public init(provider: OrganisationID, input: OfferingInput, published: Bool) {
            self.provider = provider
            self.input = input
            self.published = published
        }
    }

    /// A council rate of the demo market, for the offering with this title in this store.
    public struct SeedRate: Sendable {
        public let council: CouncilID
        public let provider: OrganisationID
        public let offeringTitle: String
        public let ratePence: Int64
        public let validFrom: CalendarDay

        public init(council: CouncilID, provider: OrganisationID, offeringTitle: String, ratePence: Int64, validFrom: CalendarDay) {
            self.council = council
            self.provider = provider
            self.offeringTitle = offeringTitle
            self.ratePence = ratePence
            self.validFrom = validFrom
        }
    }

    /// Loads the demo catalogue in one transaction. Idempotent: an offering whose store already
    /// has one with its title, and a rate whose council already has one for the offering, are
    /// left as they are.
    func seed(offerings: [SeedOffering], rates: [SeedRate]) async throws {
        let now = database.clock.now()
        let validated = try offerings.map { entry in
            let details = try entry.input.validated(taxonomy: taxonomy)
            return Offering(
                id: .random(), providerID: entry.provider, details: details,
                status: entry.published ? .published : .draft, createdAt: now, updatedAt: now,
                publishedAt: entry.published ? now : nil)
        }
        try await database.write { db in
            for offering in validated {
                let exists = try OfferingRecord
                    .filter(OfferingRecord.Columns.providerId == offering.providerID && OfferingRecord.Columns.title == offering.details.title)
                    .fetchCount(db) > 0
                if !exists { try OfferingRecord(offering).insert(db) }
            }
            for rate in rates {
                guard let offering = try OfferingRecord
                    .filter(OfferingRecord.Columns.providerId == rate.provider && OfferingRecord.Columns.title == rate.offeringTitle)
                    .fetchOne(db)
                else { throw MarketError.invalid("council_rates", "no offering '\(rate.offeringTitle)'") }
                let exists = try CouncilRateRecord
                    .filter(CouncilRateRecord.Columns.councilId == rate.council && CouncilRateRecord.Columns.offeringId == offering.id)
                    .fetchCount(db) > 0
                if !exists {
                    try CouncilRateRecord(
                        CouncilRate(
                            id: .random(), councilID: rate.council, offeringID: offering.id, providerID: rate.provider,
                            ratePence: rate.ratePence, validFrom: rate.validFrom, validTo: nil, createdAt: now),
                        createdBy: nil
                    ).insert(db)
                }
            }
        }
    }
}
