import Hummingbird
import MarketCore

extension Parameters {
    /// The typed identifier in path parameter `name`; a malformed one is a 400 problem.
    func identifier<Entity>(_ name: String, as type: Identifier<Entity>.Type) throws -> Identifier<Entity> {
        guard let text = self.get(name), let identifier = Identifier<Entity>(text) else {
            throw MarketError.malformedIdentifier(parameter: name)
        }
        return identifier
    }
}

extension Request {
    /// `?limit=&cursor=` as a validated page request; a non-integer `limit` is a 422 problem.
    var pageRequest: PageRequest {
        get throws {
            let query = uri.queryParameters
            var limit: Int?
            if let text = query.get("limit") {
                guard let value = Int(text) else { throw MarketError.invalid("limit", "must be an integer") }
                limit = value
            }
            return try PageRequest(limit: limit, cursor: query.get("cursor"))
        }
    }
}

/// The list envelope of every paginated answer.
struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
    /// Always present, `null` on the last page.
    let nextCursor: Nullable<String>

    init<Source>(_ page: Page<Source>, _ transform: (Source) -> Item) {
        self.init(items: page.items.map(transform), nextCursor: page.nextCursor)
    }

    init(items: [Item], nextCursor: Cursor?) {
        self.items = items
        self.nextCursor = Nullable(nextCursor?.encoded)
    }
}
