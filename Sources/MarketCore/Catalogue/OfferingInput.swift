import Foundation

/// What provider staff send to create or change an offering, before validation. Every field is
/// optional so that one type serves create (all required fields present) and patch (only what
/// changes). A patch's `attributes` replaces the attributes as a whole.
public struct OfferingInput: Sendable, Codable, Equatable {
    public struct Attributes: Sendable, Codable, Equatable {
        public var languages: [String]?
        public var staffGenders: [String]?
        public var wheelchairAccessible: Bool?
        public var culturalNeeds: [String]?
        public var dietaryNeeds: [String]?
        public var timesAvailable: [String]?

        public init() {}
    }

    public var title: String?
    public var description: String?
    public var category: String?
    public var unit: String?
    public var publicPricePence: Int64?
    public var areas: [String]?
    public var attributes: Attributes?

    public init() {}

    /// The input that would recreate `details` exactly; a patch is laid over it.
    public init(_ details: OfferingDetails) {
        title = details.title
        description = details.description
        category = details.category
        unit = details.unit
        publicPricePence = details.publicPricePence
        areas = details.areas.map(\.code)
        var attributes = Attributes()
        attributes.languages = details.attributes.languages
        attributes.staffGenders = details.attributes.staffGenders.map(\.rawValue)
        attributes.wheelchairAccessible = details.attributes.wheelchairAccessible
        attributes.culturalNeeds = details.attributes.culturalNeeds
        attributes.dietaryNeeds = details.attributes.dietaryNeeds
        attributes.timesAvailable = details.attributes.timesAvailable.map(\.rawValue)
        self.attributes = attributes
    }

    /// `self` with every field that `patch` sets replaced.
    public func applying(_ patch: OfferingInput) -> OfferingInput {
        var merged = self
        func take<T>(_ keyPath: WritableKeyPath<OfferingInput, T?>) {
            if let value = patch[keyPath: keyPath] { merged[keyPath: keyPath] = value }
        }
        take(\.title); take(\.description); take(\.category); take(\.unit); take(\.publicPricePence)
        take(\.areas); take(\.attributes)
        return merged
    }

    /// Limits on free text and lists.
    public enum Limits {
        public static let title = 120
        public static let description = 4000
        public static let areas = 50
        public static let labels = 20
    }

    /// Checks every field at once against the rules, the category taxonomy and its units.
    /// Throws `MarketError.validation` naming each bad field.
    public func validated(taxonomy: CategoryTaxonomy) throws(MarketError) -> OfferingDetails {
        var v = Validator()
        let title = v.text(self.title ?? "", "title", maxLength: Limits.title)
        let description = v.text(self.description ?? "", "description", maxLength: Limits.description)
        v.check(category.flatMap(taxonomy.category) != nil, "category", "must be a category of the taxonomy (GET /v1/categories)")
        v.check(unit.flatMap(taxonomy.unit) != nil, "unit",
                "must be one of \(taxonomy.units.map(\.id).joined(separator: ", "))")
        let price = publicPricePence ?? 0
        v.pence(publicPricePence, "public_price_pence", in: CatalogueMoney.unitPriceRange)
        let areas = v.districts(self.areas, "areas", maximum: Limits.areas)

        let input = self.attributes ?? Attributes()
        func enumerated<Value: RawRepresentable & CaseIterable>(_ values: [String]?, _ field: String, _: Value.Type) -> [Value]
        where Value.RawValue == String {
            var result: [Value] = []
            for (index, text) in (values ?? []).enumerated() {
                if let value: Value = v.oneOf(text, "\(field)[\(index)]"), !result.map(\.rawValue).contains(value.rawValue) {
                    result.append(value)
                }
            }
            return result
        }
        let attributes = OfferingAttributes(
            languages: v.labels(input.languages, "attributes.languages", maximum: Limits.labels),
            staffGenders: enumerated(input.staffGenders, "attributes.staff_genders", StaffGender.self),
            wheelchairAccessible: input.wheelchairAccessible ?? false,
            culturalNeeds: v.labels(input.culturalNeeds, "attributes.cultural_needs", maximum: Limits.labels),
            dietaryNeeds: v.labels(input.dietaryNeeds, "attributes.dietary_needs", maximum: Limits.labels),
            timesAvailable: enumerated(input.timesAvailable, "attributes.times_available", AvailabilitySlot.self))
        try v.throwIfInvalid()
        return OfferingDetails(
            title: title, description: description, category: category ?? "", unit: unit ?? "",
            publicPricePence: price, areas: areas, attributes: attributes)
    }
}
