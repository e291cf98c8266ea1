import Foundation

/// What a caller asked for: at most `limit` items after `cursor`.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let maximumLimit = 100

    public let limit: Int
    public let after: Cursor?

    /// Validates `limit` (1...100, default 20) and decodes the opaque cursor.
    public init(limit: Int?, cursor: String?) throws(MarketError) {
        var validator = Validator()
        let limit = limit ?? Self.defaultLimit
        validator.check(
            (1...Self.maximumLimit).contains(limit), "limit", "must be between 1 and \(Self.maximumLimit)")
        var after: Cursor?
        if let cursor {
            after = Cursor(encoded: cursor)
            validator.check(after != nil, "cursor", "is not a cursor this service issued")
        }
        try validator.throwIfInvalid()
        self.limit = limit
        self.after = after
    }

    public init(limit: Int = PageRequest.defaultLimit, after: Cursor? = nil) {
        self.limit = limit
        self.after = after
    }

    /// The row number after which a list keyed by an integer starts; `nil` on the first page.
    /// A cursor from another kind of list is `invalid`.
    public func afterRowNumber() throws(MarketError) -> Int64? {
        guard let after else { return nil }
        guard let number = Int64(after.key) else { throw .invalid("cursor", "is not a cursor for this list") }
        return number
    }
}

/// A page by number, for standards that page that way (Open Referral UK): `number` from 1,
/// `size` 1...100 (default 50).
public struct NumberedPageRequest: Sendable, Equatable {
    public static let defaultSize = 50
    public static let maximumSize = 100
    /// Far beyond any real catalogue, and small enough that `offset` cannot overflow.
    public static let maximumNumber = 1_000_000

    public let number: Int
    public let size: Int

    /// Validates both at once; text that is not a whole number is out of range.
    public init(number: String?, size: String?) throws(MarketError) {
        var validator = Validator()
        let number = number.map { Int($0) ?? 0 } ?? 1
        let size = size.map { Int($0) ?? 0 } ?? Self.defaultSize
        validator.check((1...Self.maximumNumber).contains(number), "page", "must be a whole number from 1 to \(Self.maximumNumber)")
        validator.check((1...Self.maximumSize).contains(size), "per_page", "must be between 1 and \(Self.maximumSize)")
        try validator.throwIfInvalid()
        self.number = number
        self.size = size
    }

    /// How many items come before this page.
    public var offset: Int { (number - 1) * size }
}

/// One page of a list, and the cursor for the next one (`nil` on the last page).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: Cursor?

    public init(items: [Item], nextCursor: Cursor?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only proves there is more.
    public init(fetched: [Item], limit: Int, key: (Item) -> String) {
        if fetched.count > limit {
            let items = Array(fetched.prefix(limit))
            self.init(items: items, nextCursor: items.last.map { Cursor(key: key($0)) })
        } else {
            self.init(items: fetched, nextCursor: nil)
        }
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), nextCursor: nextCursor)
    }
}

/// An opaque position in a list: the sort key of the last item seen. Stable under inserts
/// because lists are ordered by a unique key and resume strictly after it.
public struct Cursor: Sendable, Equatable {
    /// The sort key of the last item on the previous page.
    public let key: String

    public init(key: String) { self.key = key }

    /// How deep an offset cursor may go: relevance-ranked lists are read from the top, and a
    /// bound keeps arithmetic on a forged cursor from overflowing.
    public static let maximumOffset = 100_000

    /// A cursor for relevance-ranked lists, which have no stable key: how many items to skip.
    public init(offset: Int) { self.key = "o:\(min(offset, Self.maximumOffset))" }

    /// The offset of a cursor made by `init(offset:)`; `nil` for any other cursor.
    public var offset: Int? {
        guard key.hasPrefix("o:"), let value = Int(key.dropFirst(2)), (0...Self.maximumOffset).contains(value) else { return nil }
        return value
    }

    private static let version = "c1:"

    /// Base64url without padding, so it is safe in a query string.
    public var encoded: String {
        Data((Self.version + key).utf8).base64URLEncodedString()
    }

    public init?(encoded: String) {
        guard encoded.count <= 512 else { return nil }
        guard let data = Data(base64URLEncoded: encoded), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(Self.version)
        else { return nil }
        let key = String(text.dropFirst(Self.version.count))
        guard !key.isEmpty else { return nil }
        self.key = key
    }
}
