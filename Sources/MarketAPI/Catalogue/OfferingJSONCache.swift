import MarketCore
import Synchronization

/// Each listed offering's JSON, written once and reused while the offering, its store and the
/// caller's price are unchanged: a search answers twenty offerings, most of them answered
/// before, and writing them was a quarter of a search's time.
///
/// An entry is used only when the `ListedOffering` it was written from equals the one to answer,
/// field by field, so a changed title, price, rating or store name is written afresh: the cache
/// can be out of date only by being unused. Bounded: it is emptied when full.
final class OfferingJSONCache: Sendable {
    static let capacity = 20_000

    private struct Entry {
        let listed: ListedOffering
        let json: [UInt8]
    }

    private let entries = Mutex<[OfferingID: Entry]>([:])

    /// `listed` as the API writes it (`OfferingResponse`).
    func json(_ listed: ListedOffering) throws -> EncodedOffering {
        let id = listed.offering.id
        if let entry = entries.withLock({ $0[id] }), entry.listed == listed { return EncodedOffering(encodedJSON: entry.json) }
        let json = try JSONCoding.encoder.encode(OfferingResponse(listed))
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = Entry(listed: listed, json: json)
        }
        return EncodedOffering(encodedJSON: json)
    }
}

/// An offering's JSON as `OrderedJSONEncoder` wrote it; only that encoder can write it again.
struct EncodedOffering: PreEncodedJSON, Sendable {
    let encodedJSON: [UInt8]

    func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "written only by OrderedJSONEncoder"))
    }
}
