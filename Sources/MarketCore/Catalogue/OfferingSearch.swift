import Foundation

/// How search results are ordered. Prices are the caller's effective prices.
public enum OfferingSort: String, Sendable, Codable, CaseIterable {
    /// Best text match first; without `q`, listing order (oldest first).
    case relevance
    case priceAsc = "price_asc"
    case priceDesc = "price_desc"
    /// Highest Bayesian-smoothed rating first: providers nobody rated rank as if five people had
    /// given three stars, so two five-star ratings do not outrank two hundred averaging 4.8.
    /// (The one formula is the generated column `provider_store.rating_score`.)
    case rating
}

/// Whose prices a caller sees: the public prices, or a council's agreed rates where one applies.
public enum PriceAudience: Sendable, Hashable {
    case publicPrices
    case council(CouncilID)
}

/// Where an effective price came from.
public enum PriceSource: String, Sendable, Codable {
    case `public`
    case councilRate = "council_rate"
}

/// A validated search of the published catalogue. Every field narrows the results.
public struct OfferingSearch: Sendable, Hashable {
    public var text: String?
    /// The requested category and all its sub-categories.
    public var categoryIDs: [String]?
    public var area: PostcodeDistrict?
    public var providerType: ProviderType?
    /// Bounds on the caller's effective price per unit, inclusive.
    public var minPricePence: Int64?
    public var maxPricePence: Int64?
    /// Minimum average rating in tenths of a star (4.5 is 45); providers nobody rated never match.
    public var minRatingTenths: Int?
    /// Only providers registered with their regulator and rated at least this by it.
    public var minRegulatorRating: RegulatorRating?
    /// Every tag must match (`AttributeFilter`).
    public var attributeTags: [String]
    public var sort: OfferingSort

    public static let maximumAttributes = 10

    /// Validates every parameter at once, as they came in the query string.
    public init(
        text: String? = nil, category: String? = nil, area: String? = nil, providerType: String? = nil,
        minPricePence: String? = nil, maxPricePence: String? = nil, minRating: String? = nil, minRegulatorRating: String? = nil,
        attributes: [String] = [], sort: String? = nil, taxonomy: CategoryTaxonomy
    ) throws(MarketError) {
        var v = Validator()
        self.text = v.searchText(text)
        categoryIDs = v.categoryWithDescendants(category, taxonomy: taxonomy)
        self.area = v.district(area, "area")
        self.providerType = v.oneOf(providerType, "provider_type")
        func price(_ text: String?, _ field: String) -> Int64? {
            guard let text else { return nil }
            let value = Int64(text)
            v.pence(value, field, in: 0...CatalogueMoney.maximumUnitPricePence)
            return value
        }
        self.minPricePence = price(minPricePence, "min_price_pence")
        self.maxPricePence = price(maxPricePence, "max_price_pence")
        if let low = self.minPricePence, let high = self.maxPricePence {
            v.check(low <= high, "max_price_pence", "must not be below min_price_pence")
        }
        if let minRating {
            // Only a number already known to be in 0...5 is turned into tenths (Int traps on huge ones).
            let value = Double(minRating).flatMap { (0...5).contains($0) ? $0 : nil }
            v.check(value != nil, "min_rating", "must be a number from 0 to 5")
            minRatingTenths = value.map { Int(($0 * 10).rounded(.up)) }
        }
        self.minRegulatorRating = v.oneOf(minRegulatorRating, "min_regulator_rating")
        v.check(attributes.count <= Self.maximumAttributes, "attribute", "may be given at most \(Self.maximumAttributes) times")
        attributeTags = []
        for text in attributes {
            if let filter = AttributeFilter(text) { attributeTags.append(filter.tag) } else {
                v.add("attribute", "'\(text)' is not an attribute filter: \(AttributeFilter.syntax)")
            }
        }
        self.sort = v.oneOf(sort, "sort") ?? .relevance
        try v.throwIfInvalid()
    }
}

/// An offering as a caller sees it: with its store, people's rating, the regulator's word (beside
/// it, never mixed in) and the caller's effective price.
public struct ListedOffering: Sendable, Equatable, Codable {
    public let offering: Offering
    public let storeName: String
    public let providerType: ProviderType?
    public let rating: RatingSummary
    /// `nil` when the provider has no registration on record.
    public let regulator: RegulatorRegistration?
    public let effectivePricePence: Int64
    public let priceSource: PriceSource

    public init(
        offering: Offering, storeName: String, providerType: ProviderType?, rating: RatingSummary,
        regulator: RegulatorRegistration?, effectivePricePence: Int64, priceSource: PriceSource
    ) {
        self.offering = offering
        self.storeName = storeName
        self.providerType = providerType
        self.rating = rating
        self.regulator = regulator
        self.effectivePricePence = effectivePricePence
        self.priceSource = priceSource
    }
}
