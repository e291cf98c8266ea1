import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Testing

@Suite("Every failure is a problem document")
struct ProblemTests {
    /// Common checks: problem media type, a request id in header and body, the expected status and type.
    func expectProblem(_ answer: Client.Answer, _ status: HTTPResponse.Status, _ type: String) throws {
        #expect(answer.status == status, "\(answer.text)")
        #expect(answer.headers[.contentType] == "application/problem+json")
        #expect(answer.problemType == type)
        #expect(try answer.json["status"] as? Int == Int(status.code))
        #expect(try (answer.json["detail"] as? String)?.isEmpty == false)
        let requestID = try #require(answer.headers[HTTPField.Name("X-Request-Id")!])
        #expect(try answer.string("request_id") == requestID)
    }

    @Test func unknownRouteIs404() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            try expectProblem(try await client.send(.get, "/v1/no-such-thing"), .notFound, "route-not-found")
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.put, "/v1/categories")
            try expectProblem(answer, .methodNotAllowed, "method-not-allowed")
            #expect(answer.headers[.allow] == "GET")
            let withParameter = try await client.send(.delete, "/v1/users/usr_00000000000000000000")
            try expectProblem(withParameter, .methodNotAllowed, "method-not-allowed")
        }
    }

    @Test func malformedJSONIs400AndSaysWhereItBroke() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(
                .post, "/v1/auth/tokens", headers: [.contentType: "application/json"],
                rawBody: ByteBuffer(string: #"{"email": x}"#))
            try expectProblem(answer, .badRequest, "malformed-json")
            #expect(try answer.string("detail")?.contains("character 10") == true)
            let empty = try await client.send(.post, "/v1/auth/tokens", headers: [.contentType: "application/json"])
            try expectProblem(empty, .badRequest, "malformed-json")
        }
    }

    @Test func aBodyOver1MiBIs413() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let big = ByteBuffer(string: "{\"email\":\"" + String(repeating: "a", count: 1 << 20) + "\"}")
            let answer = try await client.send(
                .post, "/v1/auth/tokens", headers: [.contentType: "application/json"], rawBody: big)
            try expectProblem(answer, .contentTooLarge, "body-too-large")
        }
    }

    @Test func aNonJSONBodyIs415() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(
                .post, "/v1/auth/tokens", headers: [.contentType: "text/plain"], rawBody: ByteBuffer(string: "hello"))
            try expectProblem(answer, .unsupportedMediaType, "unsupported-media-type")
            let unlabelled = try await client.send(.post, "/v1/auth/tokens", rawBody: ByteBuffer(string: "{}"))
            try expectProblem(unlabelled, .unsupportedMediaType, "unsupported-media-type")
        }
    }

    @Test func validationIs422NamingEveryField() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let answer = try await client.send(
                .post, "/v1/users", token: admin,
                json: ["email": "not-an-email", "display_name": " ", "password": "short", "role": "provider"])
            try expectProblem(answer, .unprocessableContent, "validation-failed")
            #expect(Set(answer.problemFields) == ["email", "display_name", "password", "organisation_id"])
        }
    }

    @Test(arguments: [
        (#"{"name": "X"}"#, "code"),
        (#"{"name": 5, "code": "E1"}"#, "name"),
        (#"{"name": null, "code": "E1"}"#, "name"),
        (#"{"name": "X", "code": "E 1!"}"#, "code"),
    ])
    func mistypedOrMissingFieldsAre422WithTheField(body: String, field: String) async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let answer = try await client.send(
                .post, "/v1/councils", token: admin, headers: [.contentType: "application/json"],
                rawBody: ByteBuffer(string: body))
            try expectProblem(answer, .unprocessableContent, "validation-failed")
            #expect(answer.problemFields == [field])
        }
    }

    @Test func anUnknownEnumValueIs422() async throws {
        try await TestMarket.make().test { client in
            let admin = try await client.login("admin@demo.test")
            let answer = try await client.send(.post, "/v1/organisations", token: admin, json: ["kind": "pirate", "name": "X"])
            try expectProblem(answer, .unprocessableContent, "validation-failed")
            #expect(answer.problemFields == ["kind"])
        }
    }

    @Test func aDuplicateIs409AndWritesNothing() async throws {
        let market = try await TestMarket.make()
        try await market.test { client in
            let admin = try await client.login("admin@demo.test")
            let answer = try await client.send(
                .post, "/v1/users", token: admin,
                json: ["email": "holder@demo.test", "display_name": "Again", "role": "budget_holder"])
            try expectProblem(answer, .conflict, "conflict")
            #expect(try answer.string("detail") == "email is already in use")
        }
        let users = try await market.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE email = 'holder@demo.test'") }
        #expect(users == 1)
    }

    @Test func missingTokenIs401WithWWWAuthenticate() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/users")
            try expectProblem(answer, .unauthorized, "unauthenticated")
            #expect(answer.headers[.wwwAuthenticate]?.contains("Bearer") == true)
        }
    }

    @Test func aMalformedPathIdentifierIs400() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/organisations/not-an-id")
            try expectProblem(answer, .badRequest, "malformed-identifier")
            #expect(answer.problemFields == ["id"])
            let unknown = try await client.send(.get, "/v1/organisations/org_00000000000000000000")
            try expectProblem(unknown, .notFound, "not-found")
        }
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=ten", "cursor=%21%21", "cursor=aGVsbG8"])
    func outOfRangePaginationIs422(query: String) async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/organisations?\(query)")
            try expectProblem(answer, .unprocessableContent, "validation-failed")
            #expect(answer.problemFields.count == 1)
        }
    }

    @Test func aClientRequestIdIsEchoedAndAnUnsafeOneReplaced() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let header = HTTPField.Name("X-Request-Id")!
            let echoed = try await client.send(.get, "/health", headers: [header: "abc-123"])
            #expect(echoed.headers[header] == "abc-123")
            let replaced = try await client.send(.get, "/health", headers: [header: "bad id; with spaces"])
            #expect(replaced.headers[header] != nil && replaced.headers[header] != "bad id; with spaces")
        }
    }
}
