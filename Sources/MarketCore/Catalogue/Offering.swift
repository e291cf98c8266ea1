import Foundation

/// Where an offering is in its life. Only `published` offerings are seen outside their provider.
public enum OfferingStatus: String, Sendable, Codable, CaseIterable {
    case draft, published, unpublished
}

public enum StaffGender: String, Sendable, Codable, CaseIterable {
    case female, male
    case nonBinary = "non_binary"
}

/// When support can be given.
public enum AvailabilitySlot: String, Sendable, Codable, CaseIterable {
    case weekdayDaytime = "weekday_daytime"
    case weekdayEvening = "weekday_evening"
    case weekend, overnight
}

/// What people filter by besides category and area: who gives the support and how.
public struct OfferingAttributes: Sendable, Equatable, Codable {
    public var languages: [String]
    public var staffGenders: [StaffGender]
    public var wheelchairAccessible: Bool
    public var culturalNeeds: [String]
    public var dietaryNeeds: [String]
    public var timesAvailable: [AvailabilitySlot]

    public init(
        languages: [String] = [], staffGenders: [StaffGender] = [], wheelchairAccessible: Bool = false,
        culturalNeeds: [String] = [], dietaryNeeds: [String] = [], timesAvailable: [AvailabilitySlot] = []
    ) {
        self.languages = languages
        self.staffGenders = staffGenders
        self.wheelchairAccessible = wheelchairAccessible
        self.culturalNeeds = culturalNeeds
        self.dietaryNeeds = dietaryNeeds
        self.timesAvailable = timesAvailable
    }

    /// The tags a search's `attribute=` filters match, such as `language:gujarati`,
    /// `staff_gender:female`, `wheelchair_accessible`, `dietary:halal`, `available:weekend`.
    /// The one place tags are made; `AttributeFilter` parses the same syntax.
    public var searchTags: [String] {
        var tags: [String] = []
        tags += languages.map { AttributeFilter.Key.language.tag($0) }
        tags += staffGenders.map { AttributeFilter.Key.staffGender.tag($0.rawValue) }
        if wheelchairAccessible { tags.append(AttributeFilter.Key.wheelchairAccessible.rawValue) }
        tags += culturalNeeds.map { AttributeFilter.Key.cultural.tag($0) }
        tags += dietaryNeeds.map { AttributeFilter.Key.dietary.tag($0) }
        tags += timesAvailable.map { AttributeFilter.Key.available.tag($0.rawValue) }
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }
}

/// One `attribute=` filter of a search, parsed into the tag it must match.
public struct AttributeFilter: Sendable, Equatable {
    public enum Key: String, Sendable, CaseIterable {
        case language
        case staffGender = "staff_gender"
        case wheelchairAccessible = "wheelchair_accessible"
        case cultural, dietary, available

        /// `key:value`, the value lower-cased and trimmed.
        func tag(_ value: String) -> String {
            "\(rawValue):\(value.trimmingCharacters(in: .whitespaces).lowercased())"
        }
    }

    public let tag: String

    /// `nil` unless `text` is `wheelchair_accessible` or `key:value` with a known key and a valid value.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let key = parts.first.flatMap(Key.init(rawValue:)) else { return nil }
        if key == .wheelchairAccessible {
            guard parts.count == 1 else { return nil }
            tag = key.rawValue
            return
        }
        guard parts.count == 2, case let value = parts[1].trimmingCharacters(in: .whitespaces),
            (1...40).contains(value.count)
        else { return nil }
        switch key {
        case .staffGender: guard StaffGender(rawValue: value) != nil else { return nil }
        case .available: guard AvailabilitySlot(rawValue: value) != nil else { return nil }
        default: break
        }
        tag = key.tag(value)
    }

    public static var syntax: String {
        "wheelchair_accessible, or language:, staff_gender:, cultural:, dietary:, available: followed by a value"
    }
}

/// Everything a provider writes about an offering. Valid by construction: see `OfferingInput`.
public struct OfferingDetails: Sendable, Equatable, Codable {
    public var title: String
    public var description: String
    /// A leaf or branch of the category taxonomy.
    public var category: String
    /// A chargeable unit of the taxonomy.
    public var unit: String
    /// The price per unit anyone may pay, in pence.
    public var publicPricePence: Int64
    public var areas: [PostcodeDistrict]
    public var attributes: OfferingAttributes

    public init(
        title: String, description: String, category: String, unit: String, publicPricePence: Int64,
        areas: [PostcodeDistrict], attributes: OfferingAttributes
    ) {
        self.title = title
        self.description = description
        self.category = category
        self.unit = unit
        self.publicPricePence = publicPricePence
        self.areas = areas
        self.attributes = attributes
    }
}

/// Something a provider sells, at a public price per unit.
public struct Offering: Sendable, Equatable, Codable {
    public let id: OfferingID
    public let providerID: OrganisationID
    public var details: OfferingDetails
    public var status: OfferingStatus
    public let createdAt: Date
    public var updatedAt: Date
    /// When it was first published; `nil` while a draft.
    public var publishedAt: Date?

    public init(
        id: OfferingID, providerID: OrganisationID, details: OfferingDetails, status: OfferingStatus,
        createdAt: Date, updatedAt: Date, publishedAt: Date?
    ) {
        self.id = id
        self.providerID = providerID
        self.details = details
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.publishedAt = publishedAt
    }
}

/// A public price that held from `effectiveFrom` until the next one: an offering's price history.
public struct PricePoint: Sendable, Equatable {
    public let publicPricePence: Int64
    public let effectiveFrom: Date

    public init(publicPricePence: Int64, effectiveFrom: Date) {
        self.publicPricePence = publicPricePence
        self.effectiveFrom = effectiveFrom
    }
}

/// Limits on money in the catalogue. Money is integer pence.
public enum CatalogueMoney {
    /// £100,000 per unit: anything dearer is a typing mistake, not a price.
    public static let maximumUnitPricePence: Int64 = 10_000_000
    public static let unitPriceRange: ClosedRange<Int64> = 1...maximumUnitPricePence
}
