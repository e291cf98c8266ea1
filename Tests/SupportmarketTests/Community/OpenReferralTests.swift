import Foundation
import Testing

@Suite("Open Referral UK export")
struct OpenReferralTests {
    @Test func servicesAreMappedAndPagedAsOpenReferralDoes() async throws {
        try await TestMarket.make().test { client in
            let publisher = try await client.login("community@demo.test")
            let id = try await client.createResource(publisher, ["eligibility_notes": "Over 50s"])
            _ = try await client.createResource(publisher, ["title": "Second group"])
            let page = try await client.send(.get, "/v1/community/oruk/services?page=1&per_page=1").json
            #expect(page["total_items"] as? Int == 2)
            #expect(page["total_pages"] as? Int == 2)
            #expect(page["first_page"] as? Bool == true)
            #expect(page["last_page"] as? Bool == false)
            #expect((page["content"] as? [Any])?.count == 1)

            let service = try await client.send(.get, "/v1/community/oruk/services/\(id)").json
            #expect(service["name"] as? String == "Tuesday walking group")
            #expect(service["fees"] as? String == "Free")
            #expect(service["url"] as? String == "https://timebank.example/walks")
            #expect((service["organization"] as? [String: Any])?["name"] as? String == "Harrowby Time Bank")
            let phones = ((service["contacts"] as? [[String: Any]])?.first?["phones"] as? [[String: Any]])
            #expect(phones?.first?["number"] as? String == "020 8123 4567")
            let location = (service["service_at_locations"] as? [[String: Any]])?.first?["location"] as? [String: Any]
            #expect(location?["latitude"] as? Double == 51.58)
            #expect((service["service_areas"] as? [[String: Any]])?.compactMap { $0["service_area"] as? String } == ["HA1", "HA2"])
            #expect((service["eligibilitys"] as? [[String: Any]])?.first?["eligibility"] as? String == "Over 50s")
            #expect((service["languages"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test(arguments: ["page=0", "page=x", "per_page=0", "per_page=101", "page=9223372036854775807", "page=1000001"])
    func badPagingIs422(query: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/community/oruk/services?\(query)")
            #expect(answer.status == .unprocessableContent)
        }
    }
}
