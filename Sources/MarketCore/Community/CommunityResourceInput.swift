import Foundation

/// What a publisher sends to create or change a community resource, before validation.
/// Every field is optional so that one type serves both create (all required fields present)
/// and patch (only what changes; an empty string clears an optional text).
public struct CommunityResourceInput: Sendable, Codable, Equatable {
    public var kind: String?
    public var title: String?
    public var description: String?
    public var categories: [String]?
    public var areas: [String]?
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var phone: String?
    public var email: String?
    public var website: String?
    public var accessibilityNotes: String?
    public var eligibilityNotes: String?
    public var languages: [String]?
    public var openingTimes: String?
    public var costNote: String?
    public var startsAt: Date?
    public var endsAt: Date?
    public var recurrence: String?
    public var repeatsUntil: Date?
    public var councilId: String?

    public init() {}

    /// The input that would recreate `resource` exactly; a patch is laid over it.
    public init(_ resource: CommunityResource) {
        let details = resource.details
        kind = details.kind.rawValue
        title = details.title
        description = details.description
        categories = details.categories
        areas = details.areas.map(\.code)
        address = details.address
        latitude = details.latitude
        longitude = details.longitude
        phone = details.contact.phone
        email = details.contact.email?.value
        website = details.contact.website
        accessibilityNotes = details.accessibilityNotes
        eligibilityNotes = details.eligibilityNotes
        languages = details.languages
        openingTimes = details.openingTimes
        costNote = details.costNote
        startsAt = details.schedule?.startsAt
        endsAt = details.schedule?.endsAt
        recurrence = details.schedule?.recurrence.rawValue
        repeatsUntil = details.schedule?.repeatsUntil
        councilId = resource.councilID?.rawValue
    }

    /// `self` with every field that `patch` sets replaced.
    public func applying(_ patch: CommunityResourceInput) -> CommunityResourceInput {
        var merged = self
        func take<T>(_ keyPath: WritableKeyPath<CommunityResourceInput, T?>) {
            if let value = patch[keyPath: keyPath] { merged[keyPath: keyPath] = value }
        }
        take(\.kind); take(\.title); take(\.description); take(\.categories); take(\.areas); take(\.address)
        take(\.latitude); take(\.longitude); take(\.phone); take(\.email); take(\.website)
        take(\.accessibilityNotes); take(\.eligibilityNotes); take(\.languages); take(\.openingTimes)
        take(\.costNote); take(\.startsAt); take(\.endsAt); take(\.recurrence); take(\.repeatsUntil); take(\.councilId)
        return merged
    }

    /// Limits on free text, in characters.
    public enum Limits {
        public static let title = 120
        public static let description = 4000
        public static let notes = 2000
        public static let shortText = 500
        public static let categories = 10
        public static let areas = 20
        public static let languages = 20
        public static let website = 2048
    }

    /// Checks every field at once against the rules and the category taxonomy.
    /// Throws `MarketError.validation` naming each bad field; returns the valid details and council.
    public func validated(taxonomy: CategoryTaxonomy) throws(MarketError) -> (CommunityResourceDetails, CouncilID?) {
        var v = Validator()
        let kind: ResourceKind? = v.oneOf(self.kind ?? "", "kind")
        let title = v.text(self.title ?? "", "title", maxLength: Limits.title)
        let description = v.text(self.description ?? "", "description", maxLength: Limits.description)

        let categories = self.categories ?? []
        v.check((1...Limits.categories).contains(categories.count), "categories", "must list 1 to \(Limits.categories) categories")
        for (index, category) in categories.enumerated() where taxonomy.category(category) == nil {
            v.add("categories[\(index)]", "'\(category)' is not a category of the taxonomy")
        }
        let districts = v.districts(areas, "areas", maximum: Limits.areas)

        let address = v.optionalText(self.address, "address", maxLength: Limits.shortText)
        v.check((latitude == nil) == (longitude == nil), "latitude", "latitude and longitude come together")
        if let latitude { v.check((-90...90).contains(latitude), "latitude", "must be between -90 and 90") }
        if let longitude { v.check((-180...180).contains(longitude), "longitude", "must be between -180 and 180") }

        let contact = v.contact(phone: phone, email: email, website: website)

        let languages = v.labels(self.languages, "languages", maximum: Limits.languages)

        var schedule: EventSchedule?
        if kind == .event {
            v.check(startsAt != nil, "starts_at", "is required for an event")
            v.check(endsAt != nil, "ends_at", "is required for an event")
            let recurrence = EventRecurrence(rawValue: self.recurrence ?? "none")
            v.check(recurrence != nil, "recurrence", "must be one of none, weekly, monthly")
            if let startsAt, let endsAt, let recurrence {
                v.check(endsAt > startsAt, "ends_at", "must be after starts_at")
                if let repeatsUntil {
                    v.check(recurrence != .none, "repeats_until", "applies to repeating events only")
                    v.check(repeatsUntil >= endsAt, "repeats_until", "must not be before the first occurrence ends")
                }
                schedule = EventSchedule(startsAt: startsAt, endsAt: endsAt, recurrence: recurrence, repeatsUntil: repeatsUntil)
            }
        } else if kind != nil {
            for (field, value) in [("starts_at", startsAt), ("ends_at", endsAt), ("repeats_until", repeatsUntil)] {
                v.check(value == nil, field, "applies to events only")
            }
            v.check(recurrence == nil || recurrence == "none", "recurrence", "applies to events only")
        }

        var councilID: CouncilID?
        if let text = councilId, !text.isEmpty {
            councilID = CouncilID(text)
            v.check(councilID != nil, "council_id", "is not a council id")
        }

        let details = CommunityResourceDetails(
            kind: kind ?? .group, title: title, description: description, categories: categories, areas: districts,
            address: address, latitude: latitude, longitude: longitude,
            contact: contact,
            accessibilityNotes: v.optionalText(accessibilityNotes, "accessibility_notes", maxLength: Limits.notes),
            eligibilityNotes: v.optionalText(eligibilityNotes, "eligibility_notes", maxLength: Limits.notes),
            languages: languages,
            openingTimes: v.optionalText(openingTimes, "opening_times", maxLength: Limits.shortText),
            costNote: v.optionalText(costNote, "cost_note", maxLength: Limits.shortText),
            schedule: schedule)
        try v.throwIfInvalid()
        return (details, councilID)
    }
}

/// When a resource's listing is considered out of date: more than the window's days since its
/// last verification. The window is its council's setting, or this default. (The rule is applied
/// in SQL, in `CommunityStore.staleExpression`, so lists can filter and flag in one query.)
public enum CommunityFreshness {
    public static let defaultWindowDays = 180
}
