import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// A read-only Open Referral UK (HSDS) view of the community catalogue, so other councils'
/// directories can harvest it: `/v1/community/oruk/services` and `/v1/community/oruk/services/{id}`.
/// The mapping is documented in the README ("Open Referral UK").
struct OpenReferralController {
    let community: CommunityStore
    let taxonomy: CategoryTaxonomy

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/community/oruk/services", use: list)
        router.get("v1/community/oruk/services/:id", use: show)
    }

    /// Pages as Open Referral does: `?page=` (from 1) and `?per_page=` (1...100, default 50).
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> OpenReferralPage {
        let page = try NumberedPageRequest(
            number: request.uri.queryParameters.get("page"), size: request.uri.queryParameters.get("per_page"))
        let (items, total) = try await community.openReferralPage(page)
        return OpenReferralPage(
            items: items.map { OpenReferralService($0, taxonomy: taxonomy) }, total: total, number: page.number, size: page.size)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> OpenReferralService {
        let id = try context.parameters.identifier("id", as: CommunityResourceID.self)
        return OpenReferralService(try await community.publishedResource(id), taxonomy: taxonomy)
    }
}

/// The paged envelope of Open Referral UK's API.
struct OpenReferralPage: ResponseEncodable, Sendable {
    let totalItems: Int
    let totalPages: Int
    let pageNumber: Int
    let size: Int
    let firstPage: Bool
    let lastPage: Bool
    let empty: Bool
    let numberOfElements: Int
    let content: [OpenReferralService]

    init(items: [OpenReferralService], total: Int, number: Int, size: Int) {
        totalItems = total
        totalPages = (total + size - 1) / size
        pageNumber = number
        self.size = size
        firstPage = number == 1
        lastPage = number >= totalPages
        empty = items.isEmpty
        numberOfElements = items.count
        content = items
    }
}

/// One HSDS service. Ids of nested objects are derived from the resource's id, so they are
/// stable between harvests.
struct OpenReferralService: ResponseEncodable, Sendable {
    struct Organization: Encodable, Sendable { let id, name: String }
    struct Phone: Encodable, Sendable { let id, number: String }
    struct Contact: Encodable, Sendable { let id: String; let name: String?; let phones: [Phone] }
    struct PhysicalAddress: Encodable, Sendable { let id, address1: String; let postalCode: String?; let country: String }
    struct Location: Encodable, Sendable {
        let id, name: String
        let latitude, longitude: Double?
        let physicalAddresses: [PhysicalAddress]
    }
    struct ServiceAtLocation: Encodable, Sendable { let id: String; let location: Location }
    struct RegularSchedule: Encodable, Sendable {
        let id: String
        let dtstart: Date
        let opensAt: String
        let closesAt: String
        let validFrom: Date
        let validTo: Date?
        let freq: String?
        let interval: Int?
        let description: String?
    }
    struct ServiceArea: Encodable, Sendable { let id, serviceArea: String }
    struct Language: Encodable, Sendable { let id, language: String }
    struct Eligibility: Encodable, Sendable { let id, eligibility: String }
    struct Taxonomy: Encodable, Sendable { let id, name, vocabulary: String }
    struct ServiceTaxonomy: Encodable, Sendable { let id: String; let taxonomy: Taxonomy }
    struct CostOption: Encodable, Sendable { let id: String; let amount: Int; let option: String }

    let id: String
    let name: String
    let description: String
    let url: String?
    let email: String?
    let status = "active"
    let fees = "Free"
    let accessibilityForDisabilities: [String]
    let assuredDate: Date
    let organization: Organization
    let contacts: [Contact]
    let serviceAtLocations: [ServiceAtLocation]
    let regularSchedules: [RegularSchedule]
    let serviceAreas: [ServiceArea]
    let languages: [Language]
    let eligibilitys: [Eligibility]
    let serviceTaxonomys: [ServiceTaxonomy]
    let costOptions: [CostOption]

    init(_ published: PublishedResource, taxonomy: CategoryTaxonomy) {
        let resource = published.listed.resource
        let details = resource.details
        let base = resource.id.rawValue
        id = base
        name = details.title
        description = details.description
        url = details.contact.website
        email = details.contact.email?.value
        accessibilityForDisabilities = details.accessibilityNotes.map { [$0] } ?? []
        assuredDate = resource.lastVerifiedAt
        let organisationID = switch resource.publisher {
        case .organisation(let organisation): organisation.rawValue
        case .council(let council): council.rawValue
        }
        organization = Organization(id: organisationID, name: published.publisherName)
        contacts = details.contact.phone.map { phone in
            [Contact(id: "\(base)-contact", name: nil, phones: [Phone(id: "\(base)-phone", number: phone)])]
        } ?? []
        if details.address != nil || details.latitude != nil {
            let address = details.address.map {
                [PhysicalAddress(id: "\(base)-address", address1: $0, postalCode: details.areas.first?.code, country: "GB")]
            } ?? []
            serviceAtLocations = [ServiceAtLocation(
                id: "\(base)-at-location",
                location: Location(
                    id: "\(base)-location", name: details.title, latitude: details.latitude, longitude: details.longitude,
                    physicalAddresses: address))]
        } else {
            serviceAtLocations = []
        }
        regularSchedules = details.schedule.map { schedule in
            let time = Date.ISO8601FormatStyle().time(includingFractionalSeconds: false)
            let frequency: (String, Int)? = switch schedule.recurrence {
            case .none: nil
            case .weekly: ("WEEKLY", 1)
            case .monthly: ("MONTHLY", 1)
            }
            return [RegularSchedule(
                id: "\(base)-schedule", dtstart: schedule.startsAt,
                opensAt: schedule.startsAt.formatted(time), closesAt: schedule.endsAt.formatted(time),
                validFrom: schedule.startsAt, validTo: schedule.finalEnd, freq: frequency?.0, interval: frequency?.1,
                description: details.openingTimes)]
        } ?? []
        serviceAreas = details.areas.map { ServiceArea(id: "\(base)-area-\($0.code)", serviceArea: $0.code) }
        languages = details.languages.enumerated().map { Language(id: "\(base)-language-\($0.offset)", language: $0.element) }
        eligibilitys = details.eligibilityNotes.map { [Eligibility(id: "\(base)-eligibility", eligibility: $0)] } ?? []
        serviceTaxonomys = details.categories.map { category in
            ServiceTaxonomy(
                id: "\(base)-taxonomy-\(category)",
                taxonomy: Taxonomy(id: category, name: taxonomy.category(category)?.name ?? category, vocabulary: "supportmarket"))
        }
        costOptions = [CostOption(id: "\(base)-cost", amount: 0, option: details.costNote ?? "Free")]
    }
}
