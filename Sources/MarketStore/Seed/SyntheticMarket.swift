import Foundation
import GRDB
import Logging
import MarketCore

/// Builds a large, realistic market for benchmarks: councils (each with a commissioner and a
/// funded budget holder), providers with stores, offerings in every category with text drawn
/// from the taxonomy, and council rates for about one offering in ten in each council's area.
///
/// Deterministic for a given `seed`. Writes in batches of `batchSize` offerings, one transaction
/// each, logging progress, without fsyncs until the end (it is benchmark data: a crash means
/// running it again); a second run with the same seed is refused (its council codes exist).
/// Nobody knows the synthetic users' passwords: benchmarks issue tokens with `token create`.
public struct SyntheticMarket: Sendable {
    public struct Size: Sendable {
        public var councils: Int
        public var providers: Int
        public var offerings: Int

        public init(councils: Int, providers: Int, offerings: Int) {
            self.councils = councils
            self.providers = providers
            self.offerings = offerings
        }
    }

    public struct Summary: Sendable {
        public var councils = 0
        public var providers = 0
        public var offerings = 0
        public var councilRates = 0
        public var users = 0
    }

    let database: AppDatabase
    let taxonomy: CategoryTaxonomy
    let hasher: PasswordHasher
    public static let batchSize = 40_000

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy, hasher: PasswordHasher) {
        self.database = database
        self.taxonomy = taxonomy
        self.hasher = hasher
    }

    /// The email of council `index`'s (from 1) funded budget holder, for benchmarks.
    public static func holderEmail(council index: Int, seed: UInt64) -> String { "holder\(index)@s\(seed).synthetic.test" }
    public static func commissionerEmail(council index: Int, seed: UInt64) -> String { "commissioner\(index)@s\(seed).synthetic.test" }

    public func generate(_ size: Size, seed: UInt64, logger: Logger) async throws -> Summary {
        guard size.councils >= 1, size.providers >= 1, size.offerings >= 0 else {
            throw MarketError.invalid("size", "needs at least one council and one provider")
        }
        var random = SplitMix64(seed: seed)
        let now = database.clock.now()
        let passwordHash = try await hasher.hash(UUID().uuidString)
        let regions = Self.regions(count: size.councils)
        var summary = Summary()

        // Councils, their staff and holders, and the providers with their stores.
        let councils = (1...size.councils).map { index in
            Council(id: .random(using: &random), name: "Synthetic Council \(index)", code: "S\(seed % 1000)-\(index)", createdAt: now)
        }
        var providers: [(id: OrganisationID, region: Int, areas: [PostcodeDistrict])] = []
        var providerRecords: [(OrganisationRecord, ProviderStoreRecord)] = []
        for index in 1...size.providers {
            let region = random.next(upperBound: regions.count)
            let organisation = Organisation(
                id: .random(using: &random), kind: .provider, name: Self.providerName(index, &random), createdAt: now)
            let areas = random.sample(regions[region], count: 3 + random.next(upperBound: 8))
            var store = ProviderStoreRecord(provider: organisation.id, providerType: Self.providerType(&random), at: now)
            store.areas = CatalogueJSON.array(areas.map(\.code))
            store.description = "\(organisation.name) supports people across \(areas.map(\.code).joined(separator: ", "))."
            providers.append((organisation.id, region, areas))
            providerRecords.append((OrganisationRecord(organisation), store))
        }
        let councilUsers = councils.enumerated().flatMap { index, council in
            [(Self.commissionerEmail(council: index + 1, seed: seed), Role.commissioner, council.id),
             (Self.holderEmail(council: index + 1, seed: seed), Role.budgetHolder, council.id)]
        }
        let userIDs = councilUsers.map { _ in UserID.random(using: &random) }
        let storeRows = providerRecords
        // A bulk load of throw-away benchmark data: let the writer keep the indexes it grows in
        // memory and skip the fsyncs (a crash means generating again); FULL again at the end.
        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -524288; PRAGMA synchronous = OFF")
        }
        try await database.write { db in
            for council in councils {
                if try CouncilRecord.filter(CouncilRecord.Columns.code == council.code).fetchCount(db) > 0 {
                    throw MarketError.conflict("a synthetic market with seed \(seed) is already here")
                }
                try CouncilRecord(council).insert(db)
            }
            for (organisation, store) in storeRows {
                try organisation.insert(db)
                try store.insert(db)
            }
            for (index, (email, role, council)) in councilUsers.enumerated() {
                guard let address = EmailAddress(email) else { continue }
                let user = User(
                    id: userIDs[index], email: address, displayName: "Synthetic \(role.rawValue)", role: role,
                    councilID: council, organisationID: nil, createdAt: now)
                try UserRecord(user, passwordHash: passwordHash).insert(db)
            }
        }
        summary.councils = councils.count
        summary.providers = providers.count
        summary.users = councilUsers.count
        logger.info("synthetic councils and providers written", metadata: [
            "synthetic.councils": "\(councils.count)", "synthetic.providers": "\(providers.count)",
        ])

        // Offerings and rates, in batches: the next batch is made while the last one is written.
        let leaves = Self.leaves(of: taxonomy)
        var written = 0
        var writing: Task<Void, any Error>?
        while written < size.offerings {
            let count = min(Self.batchSize, size.offerings - written)
            var offerings: [OfferingRecord] = []
            var rates: [CouncilRateRecord] = []
            for _ in 0..<count {
                let provider = providers[random.next(upperBound: providers.count)]
                let offering = makeOffering(provider: provider.id, areas: provider.areas, leaves: leaves, now: now, &random)
                offerings.append(OfferingRecord(offering))
                if offering.status == .published, random.next(upperBound: 10) == 0 {
                    let council = councils[provider.region % councils.count]
                    let percent = Int64(80 + random.next(upperBound: 16))
                    let expired = random.next(upperBound: 10) == 0
                    let rate = CouncilRate(
                        id: .random(using: &random), councilID: council.id, offeringID: offering.id, providerID: provider.id,
                        ratePence: max(1, offering.details.publicPricePence * percent / 100),
                        validFrom: CalendarDay(expired ? "2025-01-01" : "2026-01-01") ?? CalendarDay(now),
                        validTo: expired ? CalendarDay("2025-12-31") : nil, createdAt: now)
                    rates.append(CouncilRateRecord(rate, createdBy: nil))
                }
            }
            try await writing?.value
            let batch = (offerings: offerings, rates: rates)
            writing = Task {
                try await database.write { db in
                    try OfferingRecord.insertAll(batch.offerings, db)
                    for rate in batch.rates { try rate.insert(db) }
                }
            }
            written += count
            summary.offerings = written
            summary.councilRates += rates.count
            logger.info("synthetic offerings made", metadata: [
                "synthetic.offerings": "\(written)", "synthetic.offerings.total": "\(size.offerings)",
            ])
        }
        try await writing?.value
        // Statistics for the query planner, from a sample of each index (a full ANALYZE takes seconds).
        try await database.write { db in
            try db.execute(sql: "PRAGMA analysis_limit = 1000; ANALYZE")
        }
        try await database.writer.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA synchronous = FULL; PRAGMA cache_size = -16384")
        }
        return summary
    }

    // MARK: Realistic content

    private struct Leaf {
        let category: Category
        let parent: Category
        let units: [String]
    }

    private static func leaves(of taxonomy: CategoryTaxonomy) -> [Leaf] {
        let unitsByRoot: [String: [String]] = [
            "personal-assistants": ["hour"], "personal-care": ["hour", "night", "week"], "day-activities": ["session", "day"],
            "short-breaks": ["night", "day"], "employment-learning": ["session", "hour"], "transport": ["journey", "week"],
            "equipment-technology": ["item", "week"], "housing-support": ["hour", "week"], "health-wellbeing": ["session"],
            "advocacy-brokerage": ["hour", "session"], "support-planning": ["session"], "money-management": ["week", "hour"],
            "meals-household": ["item", "hour"], "community-resources": ["session"],
        ]
        let known = Set(taxonomy.units.map(\.id))
        return taxonomy.roots.flatMap { root in
            let units = (unitsByRoot[root.id] ?? []).filter(known.contains)
            let leafUnits = units.isEmpty ? [taxonomy.units[0].id] : units
            let children = root.children.isEmpty ? [root] : root.children
            return children.map { Leaf(category: $0, parent: root, units: leafUnits) }
        }
    }

    private static let qualifiers = [
        "Flexible", "Local", "Friendly", "Specialist", "Weekend", "Evening", "Small-group", "One-to-one",
        "Culturally matched", "Bilingual", "Person-centred", "Affordable", "Experienced", "Community",
    ]
    private static let specialisms = [
        "dementia", "autism", "learning disabilities", "mental health", "stroke recovery", "sensory impairment",
        "older people", "young adults", "physical disabilities", "end of life care", "carers", "acquired brain injury",
    ]
    private static let sentences = [
        "We match you with a small, consistent team.", "Trial sessions are available.",
        "All staff are DBS checked and trained.", "We can start within a week.",
        "We work around your routines and what matters to you.", "Family members are welcome to join.",
        "We keep in touch with your broker or social worker if you wish.", "Transport can be arranged.",
    ]
    private static let languages = ["Gujarati", "Hindi", "Urdu", "Polish", "Tamil", "Somali", "Arabic", "Romanian", "Punjabi", "BSL", "Bengali", "Portuguese"]
    private static let cultural = ["South Asian", "Muslim", "Jewish", "Black Caribbean", "LGBTQ+ friendly", "Eastern European"]
    private static let dietary = ["halal", "kosher", "vegetarian", "vegan", "gluten_free"]
    private static let basePrice: [String: ClosedRange<Int64>] = [
        "hour": 1400...2900, "session": 400...6000, "day": 3500...15000, "night": 8000...22000,
        "week": 4000...100_000, "item": 300...50_000, "journey": 800...4000,
    ]

    private func makeOffering(
        provider: OrganisationID, areas: [PostcodeDistrict], leaves: [Leaf], now: Date, _ random: inout SplitMix64
    ) -> Offering {
        let leaf = leaves[random.next(upperBound: leaves.count)]
        let unit = leaf.units[random.next(upperBound: leaf.units.count)]
        let specialism = Self.specialisms[random.next(upperBound: Self.specialisms.count)]
        let qualifier = Self.qualifiers[random.next(upperBound: Self.qualifiers.count)]
        let title = "\(qualifier) \(leaf.category.name.lowercased()) for \(specialism)"
        let spoken = ["English"] + random.sample(Self.languages, count: random.next(upperBound: 3))
        let description = ([
            "\(leaf.category.name) (\(leaf.parent.name.lowercased())) for people living with \(specialism).",
            leaf.category.description, "Staff speak \(spoken.joined(separator: ", ")).",
        ] + random.sample(Self.sentences, count: 1 + random.next(upperBound: 3))).filter { !$0.isEmpty }.joined(separator: " ")
        let range = Self.basePrice[unit] ?? 500...5000
        let price = (range.lowerBound + Int64(random.next(upperBound: Int(range.upperBound - range.lowerBound)))) / 5 * 5
        let attributes = OfferingAttributes(
            languages: spoken,
            staffGenders: random.sample(StaffGender.allCases.filter { $0 != .nonBinary }, count: 1 + random.next(upperBound: 2)),
            wheelchairAccessible: random.next(upperBound: 10) < 6,
            culturalNeeds: random.sample(Self.cultural, count: random.next(upperBound: 2)),
            dietaryNeeds: leaf.parent.id.hasPrefix("meals") || leaf.parent.id.hasPrefix("day") ? random.sample(Self.dietary, count: random.next(upperBound: 3)) : [],
            timesAvailable: random.sample(AvailabilitySlot.allCases, count: 1 + random.next(upperBound: 3)))
        let published = random.next(upperBound: 20) != 0
        return Offering(
            id: .random(using: &random), providerID: provider,
            details: OfferingDetails(
                title: title, description: String(description.prefix(OfferingInput.Limits.description)),
                category: leaf.category.id, unit: unit, publicPricePence: max(1, price),
                areas: random.sample(areas, count: 1 + random.next(upperBound: min(5, areas.count))), attributes: attributes),
            status: published ? .published : .draft, createdAt: now, updatedAt: now, publishedAt: published ? now : nil)
    }

    private static func providerType(_ random: inout SplitMix64) -> ProviderType {
        // Roughly the mix of a council's market: many micro-providers and PAs, few large agencies.
        let weighted: [(ProviderType, Int)] = [
            (.micro, 35), (.individualPA, 15), (.large, 10), (.socialEnterprise, 10), (.userLed, 10), (.voluntary, 15),
            (.councilInHouse, 5),
        ]
        var roll = random.next(upperBound: 100)
        for (type, weight) in weighted {
            if roll < weight { return type }
            roll -= weight
        }
        return .micro
    }

    private static func providerName(_ index: Int, _ random: inout SplitMix64) -> String {
        let first = ["Bright", "Green", "Kind", "Open", "Willow", "Harbour", "Oak", "Sunrise", "Meadow", "Beacon", "Hearth", "Riverside"]
        let second = ["Care", "Support", "Living", "Companions", "Hands", "Futures", "Days", "Friends", "Connect", "Horizons"]
        return "\(first[random.next(upperBound: first.count)]) \(second[random.next(upperBound: second.count)]) \(index)"
    }

    /// Postcode districts in groups of 24, one group per council, from real outward-code areas.
    private static func regions(count: Int) -> [[PostcodeDistrict]] {
        let areas = ["HA", "NW", "W", "E", "N", "SE", "SW", "UB", "EN", "IG", "RM", "DA", "BR", "CR", "KT", "TW",
                     "B", "M", "LS", "S", "L", "NG", "BS", "CF", "G", "EH", "NE", "SR", "YO", "HU", "LE", "CV"]
        let districts = areas.flatMap { area in (1...24).compactMap { PostcodeDistrict("\(area)\($0)") } }
        let groups = stride(from: 0, to: districts.count, by: 24).map { Array(districts[$0..<min($0 + 24, districts.count)]) }
        return (0..<max(count, 1)).map { groups[$0 % groups.count] }
    }
}

/// A small, fast, seedable generator (SplitMix64), so a synthetic market is the same every run.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upperBound: Int) -> Int { Int(next(upperBound: UInt64(upperBound))) }

    /// `count` distinct elements of `values` (all of them if fewer), in their original order.
    mutating func sample<T>(_ values: [T], count: Int) -> [T] {
        guard count < values.count else { return values }
        var indices = Set<Int>()
        while indices.count < count { indices.insert(next(upperBound: values.count)) }
        return indices.sorted().map { values[$0] }
    }
}
