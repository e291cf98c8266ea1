import Foundation

/// What a free community resource is.
public enum ResourceKind: String, Sendable, Codable, CaseIterable {
    case group, service, event, venue
}

/// How a dated event repeats.
public enum EventRecurrence: String, Sendable, Codable, CaseIterable {
    case none, weekly, monthly
}

/// When an event happens: a first occurrence and, for a repeating event, until when it repeats.
public struct EventSchedule: Sendable, Equatable, Codable {
    public var startsAt: Date
    public var endsAt: Date
    public var recurrence: EventRecurrence
    /// The last day a repeating event may occur; `nil` for one-off events or open-ended series.
    public var repeatsUntil: Date?

    public init(startsAt: Date, endsAt: Date, recurrence: EventRecurrence, repeatsUntil: Date?) {
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.recurrence = recurrence
        self.repeatsUntil = repeatsUntil
    }

    /// When the event is over for good: the end of a one-off, the end of a bounded series, or never.
    public var finalEnd: Date? {
        switch recurrence {
        case .none: endsAt
        case .weekly, .monthly: repeatsUntil
        }
    }
}

/// How to reach the people behind a resource.
public struct ResourceContact: Sendable, Equatable, Codable {
    public var phone: String?
    public var email: EmailAddress?
    public var website: String?

    public init(phone: String?, email: EmailAddress?, website: String?) {
        self.phone = phone
        self.email = email
        self.website = website
    }
}

/// Who publishes a resource: a community organisation, or a council for its own area.
public enum ResourcePublisher: Sendable, Equatable, Codable {
    case organisation(OrganisationID)
    case council(CouncilID)
}

/// A free local resource: a group, service, event or venue. Never priced, never ordered.
public struct CommunityResource: Sendable, Equatable, Codable {
    public let id: CommunityResourceID
    public let publisher: ResourcePublisher
    /// The council whose area it serves, whose staleness window applies; `nil` uses the default.
    public var councilID: CouncilID?
    public var details: CommunityResourceDetails
    public var lastVerifiedAt: Date
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: CommunityResourceID, publisher: ResourcePublisher, councilID: CouncilID?, details: CommunityResourceDetails,
        lastVerifiedAt: Date, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.publisher = publisher
        self.councilID = councilID
        self.details = details
        self.lastVerifiedAt = lastVerifiedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Everything a publisher writes about a resource. Valid by construction: see `CommunityResourceDraft`.
public struct CommunityResourceDetails: Sendable, Equatable, Codable {
    public var kind: ResourceKind
    public var title: String
    public var description: String
    public var categories: [String]
    public var areas: [PostcodeDistrict]
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var contact: ResourceContact
    public var accessibilityNotes: String?
    public var eligibilityNotes: String?
    public var languages: [String]
    public var openingTimes: String?
    /// Always about a free resource: what, if anything, people should know (bring a packed lunch).
    public var costNote: String?
    /// Present exactly for events.
    public var schedule: EventSchedule?

    public init(
        kind: ResourceKind, title: String, description: String, categories: [String], areas: [PostcodeDistrict],
        address: String?, latitude: Double?, longitude: Double?, contact: ResourceContact,
        accessibilityNotes: String?, eligibilityNotes: String?, languages: [String], openingTimes: String?,
        costNote: String?, schedule: EventSchedule?
    ) {
        self.kind = kind
        self.title = title
        self.description = description
        self.categories = categories
        self.areas = areas
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.contact = contact
        self.accessibilityNotes = accessibilityNotes
        self.eligibilityNotes = eligibilityNotes
        self.languages = languages
        self.openingTimes = openingTimes
        self.costNote = costNote
        self.schedule = schedule
    }
}
