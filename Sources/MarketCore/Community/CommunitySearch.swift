import Foundation

/// A validated search of the community catalogue. Every field narrows the results.
public struct CommunitySearch: Sendable, Equatable {
    public var text: String?
    /// The requested category and all its sub-categories.
    public var categoryIDs: [String]?
    public var area: PostcodeDistrict?
    public var kind: ResourceKind?
    /// With a window, only events overlapping it are listed.
    public var eventsFrom: Date?
    public var eventsTo: Date?
    /// Past one-off events (and finished series) are left out unless asked for.
    public var includePast: Bool

    public init(
        text: String? = nil, category: String? = nil, area: String? = nil, kind: String? = nil,
        eventsFrom: Date? = nil, eventsTo: Date? = nil, includePast: Bool = false, taxonomy: CategoryTaxonomy
    ) throws(MarketError) {
        var v = Validator()
        if let text { v.check(text.count <= 200, "q", "must be at most 200 characters") }
        self.text = text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let category {
            let ids = taxonomy.descendantIDs(of: category)
            v.check(!ids.isEmpty, "category", "'\(category)' is not a category of the taxonomy")
            categoryIDs = ids
        }
        if let area {
            self.area = PostcodeDistrict(area)
            v.check(self.area != nil, "area", "'\(area)' is not a UK postcode district such as HA1")
        }
        if let kind {
            self.kind = ResourceKind(rawValue: kind)
            v.check(self.kind != nil, "kind", "must be one of \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let eventsFrom, let eventsTo { v.check(eventsFrom <= eventsTo, "to", "must not be before from") }
        self.eventsFrom = eventsFrom
        self.eventsTo = eventsTo
        self.includePast = includePast
        try v.throwIfInvalid()
    }
}

/// A resource as listed: with whether its listing is stale.
public struct ListedResource: Sendable, Equatable {
    public let resource: CommunityResource
    public let isStale: Bool

    public init(resource: CommunityResource, isStale: Bool) {
        self.resource = resource
        self.isStale = isStale
    }
}
