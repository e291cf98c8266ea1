import Foundation
import MarketStore
import Testing

/// The Open Referral UK 3.0 API profile. Its JSON Schema validation against the official
/// compiled schemas is `scripts/conformance.sh` (run by `make test`); these tests pin the
/// mapping, the filters and the ids.
@Suite("Open Referral UK 3.0")
struct OpenReferralTests {
    let base = "/v1/community/oruk"

    @Test func idsAreVersion5UUIDsOfOurOwnIds() {
        // Python: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "https://supportmarket.org.uk/oruk"), "res_example")
        #expect(OpenReferralIdentifier.uuid("res_example") == "92ac8aa0-77eb-5e1f-8631-33cb99c74504")
        #expect(OpenReferralIdentifier.uuid("res_example") == OpenReferralIdentifier.uuid("res_example"))
        #expect(OpenReferralIdentifier.uuid("res_example") != OpenReferralIdentifier.uuid("res_example-location"))
    }

    @Test func servicesAreMappedAndPagedAsTheProfileSays() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            let id = try await client.createResource(publisher, ["eligibility_notes": "Over 50s"])
            _ = try await client.createResource(publisher, ["title": "Second group", "address": NSNull(), "latitude": NSNull(), "longitude": NSNull()])
            let page = try await client.send(.get, "\(base)/services?page=1&per_page=1")
            #expect(page.headers[.accessControlAllowOrigin] == nil, "no Origin, no CORS")
            let json = try page.json
            #expect(json["total_items"] as? Int == 2)
            #expect(json["total_pages"] as? Int == 2)
            #expect(json["page_number"] as? Int == 1)
            #expect(json["size"] as? Int == 1)
            #expect(json["first_page"] as? Bool == true)
            #expect(json["last_page"] as? Bool == false)
            #expect(json["empty"] as? Bool == false)
            #expect(json["content"] == nil)
            let first = try #require((json["contents"] as? [[String: Any]])?.first)
            let uuid = OpenReferralIdentifier.uuid(id)
            #expect(first["id"] as? String == uuid)
            #expect(first["schedules"] == nil, "the list has one-to-one fields only")

            let service = try await client.send(.get, "\(base)/services/\(uuid.uppercased())").json
            #expect(service["id"] as? String == uuid)
            #expect(service["name"] as? String == "Tuesday walking group")
            #expect(service["status"] as? String == "active")
            #expect(service["url"] as? String == "https://timebank.example/walks")
            #expect(service["eligibility_description"] as? String == "Over 50s")
            let organization = try #require(service["organization"] as? [String: Any])
            #expect(organization["name"] as? String == "Harrowby Time Bank")
            #expect((organization["description"] as? String)?.isEmpty == false)
            #expect((service["phones"] as? [[String: Any]])?.first?["number"] as? String == "020 8123 4567")
            let located = try #require((service["service_at_locations"] as? [[String: Any]])?.first)
            let location = try #require(located["location"] as? [String: Any])
            #expect(location["latitude"] as? Double == 51.58)
            let address = try #require((location["addresses"] as? [[String: Any]])?.first)
            #expect(address["address_1"] as? String == "Harrowby Park gates")
            #expect(address["country"] as? String == "GB")
            #expect((location["accessibility"] as? [[String: Any]])?.first?["description"] as? String == "Step-free route")
            #expect((service["service_areas"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["HA1", "HA2"])
            #expect((service["languages"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["English", "Gujarati"])
            let terms = (service["attributes"] as? [[String: Any]])?.compactMap { ($0["taxonomy_term"] as? [String: Any])?["term"] as? String }
            #expect(terms == ["community-resources.groups-clubs", "health-wellbeing.fitness"])
            // Absent strings are omitted, never null.
            let raw = try await client.send(.get, "\(base)/services/\(uuid)").text
            #expect(!raw.contains("null"))

            // The service at its location, by its own UUID.
            let salID = try #require(located["id"] as? String)
            let sal = try await client.send(.get, "\(base)/service_at_locations/\(salID)").json
            #expect((sal["service"] as? [String: Any])?["id"] as? String == uuid)
            let sals = try await client.send(.get, "\(base)/service_at_locations").json
            #expect(sals["total_items"] as? Int == 1, "the second group has no location")
        }
    }

    @Test func categoriesArePublishedAsATaxonomyWhoseTermsFilter() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            _ = try await client.createResource(publisher)
            _ = try await client.createResource(publisher, ["title": "Job club", "categories": ["employment-learning.courses"]])
            let taxonomies = try await client.send(.get, "\(base)/taxonomies").json
            let taxonomy = try #require((taxonomies["contents"] as? [[String: Any]])?.first)
            let taxonomyID = try #require(taxonomy["id"] as? String)
            #expect(try await client.send(.get, "\(base)/taxonomies/\(taxonomyID)").status == .ok)
            let terms = try await client.send(.get, "\(base)/taxonomy_terms?per_page=100").json
            let contents = try #require(terms["contents"] as? [[String: Any]])
            #expect(contents.allSatisfy { ($0["description"] as? String)?.isEmpty == false })
            let fitness = try #require(contents.first { $0["term"] as? String == "health-wellbeing.fitness" })
            let parent = try #require(contents.first { $0["term"] as? String == "health-wellbeing" })
            #expect(fitness["parent_id"] as? String == parent["id"] as? String)
            let fitnessID = try #require(fitness["id"] as? String)
            #expect(try await client.send(.get, "\(base)/taxonomy_terms/\(fitnessID)").json["name"] as? String == fitness["name"] as? String)

            func total(_ query: String) async throws -> Int? {
                try await client.send(.get, "\(base)/services?\(query)").json["total_items"] as? Int
            }
            #expect(try await total("taxonomy_term_id=\(fitnessID)") == 1)
            // A parent term takes in its sub-categories.
            #expect(try await total("taxonomy_term_id=\(try #require(parent["id"] as? String))") == 1)
            #expect(try await total("taxonomy_id=\(taxonomyID)") == 2)
            #expect(try await total("taxonomy_id=\(UUID().uuidString)") == 0)
            #expect(try await total("taxonomy_term_id=\(UUID().uuidString)") == 0)
            #expect(try await total("search=job") == 1)
            #expect(try await total("search=tuesday") == 1)
            #expect(try await total("search=walk") == 2, "both share the description")
        }
    }

    @Test func eventsFilterByTimeAndDayInUKTime() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            // Tuesdays 18:30 to 20:30 in January (GMT), weekly.
            _ = try await client.createResource(publisher, [
                "kind": "event", "title": "Steel band", "starts_at": "2027-01-05T18:30:00Z", "ends_at": "2027-01-05T20:30:00Z",
                "recurrence": "weekly",
            ])
            _ = try await client.createResource(publisher, ["title": "Drop-in"])
            func total(_ query: String) async throws -> Int? {
                let answer = try await client.send(.get, "\(base)/services?\(query)")
                #expect(answer.status == .ok, "\(answer.text)")
                return try answer.json["total_items"] as? Int
            }
            #expect(try await total("day=TU") == 1)
            #expect(try await total("day=tuesday") == 1)
            #expect(try await total("day=MO") == 0)
            #expect(try await total("start_time=18:00") == 1)
            #expect(try await total("start_time=19:00") == 0)
            #expect(try await total("end_time=21:00:00") == 1)
            #expect(try await total("end_time=20:00") == 0)
            // Nothing states an age range, so age filters exclude nothing.
            #expect(try await total("minimum_age=18&maximum_age=65") == 2)
            #expect(try await total("modified_after=2000-01-01T00:00:00Z") == 2)
            #expect(try await total("modified_after=2099-01-01") == 0)
            let listed = try await client.send(.get, "\(base)/services?day=TU").json
            let id = try #require((listed["contents"] as? [[String: Any]])?.first?["id"] as? String)
            let schedule = try #require((try await client.send(.get, "\(base)/services/\(id)").json["schedules"] as? [[String: Any]])?.first)
            #expect(schedule["freq"] as? String == "WEEKLY")
            #expect(schedule["byday"] as? String == "TU")
            #expect(schedule["opens_at"] as? String == "18:30:00Z")
            #expect(schedule["dtstart"] as? String == "2027-01-05")
        }
    }

    @Test func postcodesFilterLocationsByDistrict() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            _ = try await client.createResource(publisher)
            func sals(_ query: String) async throws -> Client.Answer {
                try await client.send(.get, "\(base)/service_at_locations?\(query)")
            }
            #expect(try await sals("postcode=HA2%204AB").json["total_items"] as? Int == 1)
            #expect(try await sals("postcode=ha24ab").json["total_items"] as? Int == 1)
            #expect(try await sals("postcode=HA9%201AA").json["total_items"] as? Int == 0)
            let proximity = try await sals("postcode=HA2%204AB&proximity=1000")
            #expect(proximity.status == .unprocessableContent)
            #expect(proximity.problemFields == ["proximity"])
        }
    }

    @Test(arguments: [
        "services?page=0", "services?page=x", "services?per_page=0", "services?per_page=101", "services?page=9223372036854775807",
        "services?page=1000001", "services?day=someday", "services?start_time=25:00", "services?end_time=9am",
        "services?minimum_age=-1", "services?maximum_age=old", "services?modified_after=yesterday",
        "service_at_locations?postcode=nowhere", "taxonomy_terms?per_page=0", "taxonomies?page=0",
    ])
    func badQueriesAre422(query: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "\(base)/\(query)")
            #expect(answer.status == .unprocessableContent, "\(answer.text)")
            #expect(answer.headers[.contentType] == "application/problem+json")
        }
    }

    @Test(arguments: ["services", "service_at_locations", "taxonomies", "taxonomy_terms"])
    func unknownAndMalformedIdsAre404And400(collection: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let unknown = try await client.send(.get, "\(base)/\(collection)/\(UUID().uuidString)")
            let malformed = try await client.send(.get, "\(base)/\(collection)/res_notauuid")
            #expect(unknown.status == .notFound)
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func theRootSaysWhichVersionAndProfile() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let about = try await client.send(.get, base, headers: [.origin: "https://directory.example"])
            #expect(about.headers[.accessControlAllowOrigin] == "*")
            let json = try about.json
            #expect(json["version"] as? String == "3.0")
            #expect(json["openapi_url"] as? String != nil)
        }
    }
}
