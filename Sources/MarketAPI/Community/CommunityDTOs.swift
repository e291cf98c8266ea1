import Foundation
import Hummingbird
import MarketCore

/// A community resource as clients see it. Every resource is free: `free` is always true and
/// nothing is priced. `stale` says the listing has not been verified within its council's window.
struct CommunityResourceResponse: ResponseEncodable, Sendable {
    struct Publisher: Encodable, Sendable {
        let type: String
        let id: String
    }

    struct Schedule: Encodable, Sendable {
        let startsAt: Date
        let endsAt: Date
        let recurrence: EventRecurrence
        let repeatsUntil: Date?
    }

    let id: CommunityResourceID
    let kind: ResourceKind
    let title: String
    let description: String
    let categories: [String]
    let areas: [String]
    let address: String?
    let latitude: Double?
    let longitude: Double?
    let contact: ResourceContactResponse
    let accessibilityNotes: String?
    let eligibilityNotes: String?
    let languages: [String]
    let openingTimes: String?
    let costNote: String?
    let free = true
    let schedule: Schedule?
    let publisher: Publisher
    let councilId: CouncilID?
    let lastVerifiedAt: Date
    let stale: Bool
    let createdAt: Date
    let updatedAt: Date

    init(_ listed: ListedResource) {
        let resource = listed.resource
        let details = resource.details
        id = resource.id
        kind = details.kind
        title = details.title
        description = details.description
        categories = details.categories
        areas = details.areas.map(\.code)
        address = details.address
        latitude = details.latitude
        longitude = details.longitude
        contact = ResourceContactResponse(details.contact)
        accessibilityNotes = details.accessibilityNotes
        eligibilityNotes = details.eligibilityNotes
        languages = details.languages
        openingTimes = details.openingTimes
        costNote = details.costNote
        schedule = details.schedule.map {
            Schedule(startsAt: $0.startsAt, endsAt: $0.endsAt, recurrence: $0.recurrence, repeatsUntil: $0.repeatsUntil)
        }
        switch resource.publisher {
        case .organisation(let organisation): publisher = Publisher(type: "organisation", id: organisation.rawValue)
        case .council(let council): publisher = Publisher(type: "council", id: council.rawValue)
        }
        councilId = resource.councilID
        lastVerifiedAt = resource.lastVerifiedAt
        stale = listed.isStale
        createdAt = resource.createdAt
        updatedAt = resource.updatedAt
    }
}

struct ResourceContactResponse: Encodable, Sendable {
    let phone: String?
    let email: String?
    let website: String?

    init(_ contact: ResourceContact) {
        phone = contact.phone
        email = contact.email?.value
        website = contact.website
    }
}
