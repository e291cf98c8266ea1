import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// The Open Referral UK 3.0 API profile over the community catalogue, read-only and anonymous,
/// under `/v1/community/oruk`: `/`, `/services`, `/services/{id}`, `/taxonomies`,
/// `/taxonomies/{id}`, `/taxonomy_terms`, `/taxonomy_terms/{id}`, `/service_at_locations` and
/// `/service_at_locations/{id}`. Directories and councils harvest it; the mapping is in the
/// `docs/features/community.md` ("Open Referral UK 3.0").
struct OpenReferralController {
    let community: CommunityStore
    let vocabulary: OpenReferralVocabulary

    init(community: CommunityStore, taxonomy: CategoryTaxonomy) {
        self.community = community
        self.vocabulary = OpenReferralVocabulary(taxonomy)
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let oruk = router.group("v1/community/oruk")
        oruk.get { _, _ in OpenReferralAbout() }
        oruk.get("services", use: services)
        oruk.get("services/:id", use: service)
        oruk.get("service_at_locations", use: servicesAtLocations)
        oruk.get("service_at_locations/:id", use: serviceAtLocation)
        oruk.get("taxonomies", use: taxonomies)
        oruk.get("taxonomies/:id", use: taxonomy)
        oruk.get("taxonomy_terms", use: taxonomyTerms)
        oruk.get("taxonomy_terms/:id", use: taxonomyTerm)
    }

    @Sendable func services(_ request: Request, context: AppRequestContext) async throws -> OpenReferralPage<OpenReferralServiceSummary> {
        let (query, page) = try openReferralQuery(request, located: false)
        return OpenReferralPage(try await community.openReferralResources(matching: query), page: page, OpenReferralServiceSummary.init)
    }

    @Sendable func service(_ request: Request, context: AppRequestContext) async throws -> OpenReferralService {
        let uuid = try Self.uuid(context)
        return OpenReferralService(try await community.openReferralResource(uuid: uuid), vocabulary: vocabulary)
    }

    @Sendable func servicesAtLocations(
        _ request: Request, context: AppRequestContext
    ) async throws -> OpenReferralPage<OpenReferralServiceAtLocation> {
        let (query, page) = try openReferralQuery(request, located: true)
        let located = try await community.openReferralResources(matching: query, located: true)
            .compactMap { OpenReferralServiceAtLocation($0, full: false) }
        return OpenReferralPage(located, page: page) { $0 }
    }

    @Sendable func serviceAtLocation(_ request: Request, context: AppRequestContext) async throws -> OpenReferralServiceAtLocation {
        let published = try await community.openReferralResource(uuid: try Self.uuid(context), suffix: "-service-at-location")
        guard let located = OpenReferralServiceAtLocation(published, full: true) else {
            throw MarketError.notFound(resource: "service at location")
        }
        return located
    }

    @Sendable func taxonomies(_ request: Request, context: AppRequestContext) async throws -> OpenReferralPage<OpenReferralTaxonomy> {
        OpenReferralPage([vocabulary.taxonomyObject], page: try Self.page(request)) { $0 }
    }

    @Sendable func taxonomy(_ request: Request, context: AppRequestContext) async throws -> OpenReferralTaxonomy {
        guard try Self.uuid(context) == vocabulary.taxonomyID else { throw MarketError.notFound(resource: "taxonomy") }
        return vocabulary.taxonomyObject
    }

    @Sendable func taxonomyTerms(_ request: Request, context: AppRequestContext) async throws -> OpenReferralPage<OpenReferralTaxonomyTerm> {
        OpenReferralPage(vocabulary.terms, page: try Self.page(request)) { vocabulary.term($0.category, parentID: $0.parentID) }
    }

    @Sendable func taxonomyTerm(_ request: Request, context: AppRequestContext) async throws -> OpenReferralTaxonomyTerm {
        guard let category = vocabulary.category(termID: try Self.uuid(context)), let term = vocabulary.term(for: category) else {
            throw MarketError.notFound(resource: "taxonomy term")
        }
        return term
    }

    /// The profile's filters and page, every problem at once.
    private func openReferralQuery(_ request: Request, located: Bool) throws -> (OpenReferralQuery, NumberedPageRequest) {
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? { parameters.get(name) }
        var problems: [FieldError] = []
        var page: NumberedPageRequest?
        var query: OpenReferralQuery?
        do { page = try Self.page(request) } catch .validation(let errors) { problems += errors } catch { throw error }
        do {
            query = try OpenReferralQuery(
                search: value("search"),
                categories: vocabulary.categories(termID: value("taxonomy_term_id"), taxonomyID: value("taxonomy_id")),
                minimumAge: value("minimum_age"), maximumAge: value("maximum_age"), startTime: value("start_time"),
                endTime: value("end_time"), day: value("day"), modifiedAfter: value("modified_after"),
                postcode: located ? value("postcode") : nil, proximity: located ? value("proximity") : nil)
        } catch .validation(let errors) {
            problems += errors
        } catch {
            throw error
        }
        guard let query, let page, problems.isEmpty else { throw MarketError.validation(problems) }
        return (query, page)
    }

    /// `?page=` (from 1) and `?per_page=` (1...100, default 50).
    private static func page(_ request: Request) throws(MarketError) -> NumberedPageRequest {
        try NumberedPageRequest(number: request.uri.queryParameters.get("page"), size: request.uri.queryParameters.get("per_page"))
    }

    /// The `{id}` path parameter, which must be a UUID (any case).
    private static func uuid(_ context: AppRequestContext) throws -> String {
        guard let text = context.parameters.get("id"), let uuid = UUID(uuidString: text) else {
            throw MarketError.malformedIdentifier(parameter: "id")
        }
        return uuid.uuidString.lowercased()
    }
}
