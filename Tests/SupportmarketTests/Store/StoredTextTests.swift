import Foundation
@testable import MarketStore
@testable import MarketCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    /// The byte test that parsing uses agrees with the alphabet for every byte.
    @Test func theAlphabetTestMatchesTheAlphabet() {
        for byte in UInt8.min...UInt8.max {
            #expect(OrderID.isInAlphabet(byte) == OrderID.alphabet.utf8.contains(byte), "\(byte)")
        }
        #expect(OrderID("ord_0123456789abcdefghjk") != nil)
        #expect(OrderID("ord_0123456789abcdefghji") == nil)  // i is not in the alphabet
        #expect(OrderID("ord_0123456789abcdefghj") == nil)   // 19 characters
        #expect(OrderID("ord_0123456789abcdefghjkm") == nil)  // 21
        #expect(OrderID("ord_0123456789ABCDEFGHJK") == nil)
        #expect(OrderID("ord_0123456789abcdefgh\u{e9}") == nil)  // 20 characters, 21 bytes
        #expect(OrderID("usr_0123456789abcdefghjk") == nil)
    }
}

@Suite("Flat JSON")
struct FlatJSONTests {
    /// What audit details and outbox payloads are written as reads back as the same strings.
    @Test func readsBackAsTheSameStringsWithKeysSorted() throws {
        let fields = [
            "reason": "said \"no\" \\ then left\n\ttab\u{01}\u{1F}", "b": "£12.50 · naïve 😀", "a": "", "path": "/v1/x",
        ]
        let json = FlatJSON.object(fields)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(parsed == fields)
        #expect(json.hasPrefix("{\"a\":\"\",\"b\":"))
        #expect(FlatJSON.object([:]) == "{}")
        #expect(json.contains("\\u0001") && json.contains("\\u001f"))
    }
}
