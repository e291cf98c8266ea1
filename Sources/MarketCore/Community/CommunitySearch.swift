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
        self.text = v.searchText(text)
        categoryIDs = v.categoryWithDescendants(category, taxonomy: taxonomy)
        self.area = v.district(area, "area")
        self.kind = v.oneOf(kind, "kind")
        if let eventsFrom, let eventsTo { v.check(eventsFrom <= eventsTo, "to", "must not be before from") }
        self.eventsFrom = eventsFrom
        self.eventsTo = eventsTo
        self.includePast = includePast
        try v.throwIfInvalid()
    }
}

/// A resource as listed: with whether its listing is stale.
public struct ListedResource: Sendable, Equatable, Codable {
    public let resource: CommunityResource
    public let isStale: Bool

    public init(resource: CommunityResource, isStale: Bool) {
        self.resource = resource
        self.isStale = isStale
    }
}
