import Foundation
@testable import MarketAPI
import Testing

/// The API's JSON writer: keys in declaration order, and otherwise what Foundation's encoder with
/// the API's settings writes (the same JSON values).
@Suite("Ordered JSON")
struct OrderedJSONTests {
    struct Line: Encodable { let lineNumber: Int; let quantity: Decimal; let unitPricePence: Int64 }
    struct Sample: Encodable {
        let id: String
        let displayName: String
        let requestID: String
        let urlString: String
        let address1: String
        let missing: String?
        let present: String?
        let shownAsNull: Nullable<String>
        let when: Date
        let ratio: Double
        let whole: Double
        let flags: [Bool]
        let lines: [Line]
        let nested: [String: Int]
        let note: String
    }

    static let sample = Sample(
        id: "ord_1", displayName: "Amira \"A\" Patel", requestID: "r", urlString: "https://a.example/x", address1: "1 High St",
        missing: nil, present: "yes", shownAsNull: Nullable(nil), when: Date(timeIntervalSince1970: 1_790_000_000.75),
        ratio: 51.58, whole: 4, flags: [true, false],
        lines: [Line(lineNumber: 1, quantity: Decimal(string: "1.5") ?? 0, unitPricePence: 2_400)],
        nested: ["a": 1], note: "tab\there\nnew line \u{1} and é")

    @Test func keysComeInDeclarationOrderAsSnakeCase() throws {
        let text = String(decoding: try OrderedJSONEncoder().encode(Self.sample), as: UTF8.self)
        let keys = ["id", "display_name", "request_id", "url_string", "address1", "present", "shown_as_null", "when", "ratio",
                    "whole", "flags", "lines", "nested", "note"]
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "\(text)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "\(text)")
        #expect(text.hasPrefix(#"{"id":"ord_1","display_name":"Amira \"A\" Patel""#))
        #expect(text.contains(#""lines":[{"line_number":1,"quantity":1.5,"unit_price_pence":2400}]"#))
        #expect(text.contains(#""when":"2026-09-21T14:13:20Z""#))
        #expect(text.contains(#""url_string":"https://a.example/x""#), "slashes are not escaped")
        #expect(!text.contains("missing"), "nil optionals are left out")
        #expect(text.contains(#""shown_as_null":null"#))
        #expect(text.contains(#""note":"tab\there\nnew line \u0001 and é""#))
    }

    @Test func theValuesAreWhatFoundationWrites() throws {
        let foundation = JSONEncoder()
        foundation.keyEncodingStrategy = .convertToSnakeCase
        foundation.dateEncodingStrategy = .iso8601
        let ours = try JSONSerialization.jsonObject(with: Data(try OrderedJSONEncoder().encode(Self.sample))) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: try foundation.encode(Self.sample)) as? NSDictionary
        #expect(ours != nil)
        #expect(ours == theirs)
    }

    // Not "URLString": Foundation on Linux writes "u_rl_string", we write "url_string"; no API key starts with an acronym.
    @Test(arguments: ["id", "budgetHolderId", "requestID", "address1", "openapiUrl", "line2Text", "isHTML"])
    func snakeCaseIsFoundations(key: String) throws {
        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        struct One: Encodable {
            let key: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(1, forKey: Key(stringValue: key))
            }
        }
        let foundation = JSONEncoder()
        foundation.keyEncodingStrategy = .convertToSnakeCase
        let expected = try #require(try JSONSerialization.jsonObject(with: foundation.encode(One(key: key))) as? [String: Int])
        #expect(OrderedJSONEncoder.snakeCase(key) == expected.keys.first)
    }

    @Test func answersAreTheSameBytesEveryTimeWithIdFirst() async throws {
        try await TestMarket.make(seedCatalogue: true).test { client in
            let first = try await client.send(.get, "/v1/offerings?category=personal-care&limit=5")
            let second = try await client.send(.get, "/v1/offerings?category=personal-care&limit=5")
            #expect(first.body == second.body)
            #expect(first.text.hasPrefix(#"{"items":[{"id":"off_"#), "\(first.text.prefix(80))")
            #expect(first.headers[.contentType] == "application/json; charset=utf-8")
            let problem = try await client.send(.get, "/v1/nothing-here")
            #expect(problem.text.hasPrefix(#"{"type":"https://supportmarket.org.uk/problems/route-not-found","title""#))
        }
    }
}
