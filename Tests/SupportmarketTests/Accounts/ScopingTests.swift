import Foundation
import GRDB
import HTTPTypes
import Testing

@Suite("Scope: out of reach is 404, in reach but not allowed is 403")
struct ScopingTests {
    /// The id of the demo user with this email, as the platform admin sees it.
    func userID(_ email: String, client: Client) async throws -> String {
        let admin = try await client.login("admin@demo.test")
        var cursor: String?
        repeat {
            let query = "/v1/users?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await client.send(.get, query, token: admin)
            if let user = try page.items.first(where: { $0["email"] as? String == email }) {
                return try #require(user["id"] as? String)
            }
            cursor = try page.string("next_cursor")
        } while cursor != nil
        Issue.record("no user \(email)")
        return ""
    }

    @Test func councilStaffCannotSeeAnotherCouncil() async throws {
        try await TestMarket.make().test { client in
            let harrowby = try await client.login("commissioner@demo.test")
            let northfield = try await client.login("commissioner@northfield.demo.test")
            let harrowbyID = try #require(try await client.me(harrowby)["council_id"] as? String)
            let northfieldID = try #require(try await client.me(northfield)["council_id"] as? String)

            #expect(try await client.send(.get, "/v1/councils/\(harrowbyID)", token: harrowby).status == .ok)
            let other = try await client.send(.get, "/v1/councils/\(northfieldID)", token: harrowby)
            #expect(other.status == .notFound)
            #expect(other.problemType == "not-found")

            let listed = try await client.send(.get, "/v1/councils", token: harrowby).items.compactMap { $0["id"] as? String }
            #expect(listed == [harrowbyID])
        }
    }

    @Test func councilStaffCannotSeeAnotherCouncilsUsers() async throws {
        try await TestMarket.make().test { client in
            let northfieldUser = try await userID("commissioner@northfield.demo.test", client: client)
            let harrowbyStaff = try await userID("finance@demo.test", client: client)
            let councilAdmin = try await client.login("councilboss@demo.test")
            #expect(try await client.send(.get, "/v1/users/\(northfieldUser)", token: councilAdmin).status == .notFound)
            #expect(try await client.send(.get, "/v1/users/\(harrowbyStaff)", token: councilAdmin).status == .ok)
            let listed = try await client.send(.get, "/v1/users?limit=100", token: councilAdmin).items
            #expect(!listed.isEmpty)
            #expect(listed.allSatisfy { ["council_admin", "commissioner", "finance"].contains($0["role"] as? String) })
            #expect(!listed.contains { $0["email"] as? String == "commissioner@northfield.demo.test" })
        }
    }

    @Test func aCouncilAdminCannotCreateUsersInAnotherCouncil() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let councilAdmin = try await client.login("councilboss@demo.test")
            let northfield = try #require(try await client.me(try await client.login("commissioner@northfield.demo.test"))["council_id"] as? String)
            let answer = try await client.send(
                .post, "/v1/users", token: councilAdmin,
                json: ["email": "spy@demo.test", "display_name": "Spy",
                       "role": "finance", "council_id": northfield])
            #expect(answer.status == .notFound)
            let own = try #require(try await client.me(councilAdmin)["council_id"] as? String)
            let provider = try await client.send(
                .post, "/v1/users", token: councilAdmin,
                json: ["email": "p2@demo.test", "display_name": "P",
                       "role": "platform_admin"])
            #expect(provider.status == .forbidden)
            let created = try await client.send(
                .post, "/v1/users", token: councilAdmin,
                json: ["email": "finance3@demo.test", "display_name": "Third Finance",
                       "role": "finance", "council_id": own])
            #expect(created.status == .created)
        }
        let spies = try await market.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE email IN ('spy@demo.test', 'p2@demo.test')")
        }
        #expect(spies == 0)
    }

    @Test func organisationStaffStayInTheirOrganisation() async throws {
        try await TestMarket.make().test { client in
            let provider = try await client.login("provider@demo.test")
            let me = try await client.me(provider)
            let own = try #require(me["organisation_id"] as? String)
            let organisations = try await client.send(.get, "/v1/organisations?kind=provider&limit=100").items
            let other = try #require(organisations.first { $0["id"] as? String != own }?["id"] as? String)
            let elsewhere = try await client.send(
                .post, "/v1/users", token: provider,
                json: ["email": "x@demo.test", "display_name": "X",
                       "role": "provider", "organisation_id": other])
            #expect(elsewhere.status == .notFound)
            let colleague = try await client.send(
                .post, "/v1/users", token: provider,
                json: ["email": "colleague@demo.test", "display_name": "Colleague",
                       "role": "provider", "organisation_id": own])
            #expect(colleague.status == .created)
            let listed = try await client.send(.get, "/v1/users", token: provider).items
            #expect(listed.allSatisfy { $0["organisation_id"] as? String == own })
            #expect(listed.count == 2)
        }
    }

    @Test(arguments: ["commissioner@demo.test", "finance@demo.test", "provider@demo.test", "broker@demo.test",
                      "holder@demo.test", "selffunder@demo.test", "community@demo.test", "councilboss@demo.test"])
    func onlyPlatformAdminsOnboardCouncilsAndOrganisations(email: String) async throws {
        try await TestMarket.make().test { client in
            let token = try await client.login(email)
            let council = try await client.send(.post, "/v1/councils", token: token, json: ["name": "New", "code": "E1"])
            #expect(council.status == .forbidden)
            let organisation = try await client.send(.post, "/v1/organisations", token: token, json: ["kind": "provider", "name": "New", "provider_type": "micro"])
            #expect(organisation.status == .forbidden)
        }
    }

    @Test(arguments: ["holder@demo.test", "selffunder@demo.test", "commissioner@demo.test"])
    func peopleWithoutStaffRightsSeeOnlyThemselves(email: String) async throws {
        try await TestMarket.make().test { client in
            let token = try await client.login(email)
            let listed = try await client.send(.get, "/v1/users", token: token).items
            #expect(listed.count == 1)
            #expect(listed.first?["email"] as? String == email)
        }
    }

    @Test func aBrokerSeesItsOwnColleaguesAndNobodyElse() async throws {
        try await TestMarket.make().test { client in
            let token = try await client.login("broker@demo.test")
            let listed = try await client.send(.get, "/v1/users", token: token).items
            #expect(Set(listed.compactMap { $0["email"] as? String }) == ["broker@demo.test", "broker2@demo.test"])
        }
    }

    @Test func aSelfFunderSeesNoCouncil() async throws {
        try await TestMarket.make().test { client in
            let token = try await client.login("selffunder@demo.test")
            #expect(try await client.send(.get, "/v1/councils", token: token).items.isEmpty)
        }
    }
}
