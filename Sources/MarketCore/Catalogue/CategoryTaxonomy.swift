import Foundation

/// One category of support, such as `personal-care` or its child `personal-care.home-care`.
public struct Category: Sendable, Equatable, Codable {
    /// A dotted slug path; a child's id starts with its parent's id and a dot.
    public let id: String
    public let name: String
    public let description: String
    /// Regulated care (in England, personal care and nursing need CQC registration): ordered only
    /// from providers registered with their regulator. A child of a regulated category is regulated.
    public let regulated: Bool
    public let children: [Category]

    public init(id: String, name: String, description: String, regulated: Bool = false, children: [Category] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.regulated = regulated
        self.children = children
    }

    private enum CodingKeys: String, CodingKey { case id, name, description, regulated, children }

    /// `description`, `regulated` and `children` may be left out of the data file; children
    /// inherit `regulated` from their parent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(String.self, forKey: .id)
        let regulated = try container.decodeIfPresent(Bool.self, forKey: .regulated) ?? false
        self.init(
            id: id, name: try container.decode(String.self, forKey: .name),
            description: try container.decodeIfPresent(String.self, forKey: .description) ?? "", regulated: regulated,
            children: (try container.decodeIfPresent([Category].self, forKey: .children) ?? []).map { $0.inheriting(regulated: regulated) })
    }

    /// This category with `regulated` set if its parent is, down the tree.
    private func inheriting(regulated parent: Bool) -> Category {
        guard parent, !regulated else { return self }
        return Category(id: id, name: name, description: description, regulated: true,
                        children: children.map { $0.inheriting(regulated: true) })
    }
}

/// A unit that offerings are charged by (hour, session, day, ...).
public struct ChargeableUnit: Sendable, Equatable, Codable {
    public let id: String
    public let name: String
    /// Whether a quantity may be a fraction of a unit (a quarter of an hour); else whole units only.
    public let divisible: Bool

    public init(id: String, name: String, divisible: Bool) {
        self.id = id
        self.name = name
        self.divisible = divisible
    }
}

/// The category tree and the chargeable units, loaded from `catalogue/` and validated once at start.
///
/// Invariant: ids are unique slugs; every child's id is `<parent id>.<slug>`; depth ≤ 3.
public struct CategoryTaxonomy: Sendable {
    public let roots: [Category]
    public let units: [ChargeableUnit]
    private let categoriesByID: [String: Category]

    public static let maximumDepth = 3

    /// Validates the tree and units; throws `MarketError.validation` listing every problem found.
    public init(roots: [Category], units: [ChargeableUnit]) throws(MarketError) {
        var validator = Validator()
        var byID: [String: Category] = [:]
        func visit(_ category: Category, parent: String?, depth: Int, path: String) {
            let slug = parent.map { category.id.hasPrefix($0 + ".") ? String(category.id.dropFirst($0.count + 1)) : "" } ?? category.id
            validator.check(
                !slug.isEmpty && slug.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" },
                path + ".id", "'\(category.id)' must be the parent's id, a dot and a lower-case slug")
            validator.check(byID[category.id] == nil, path + ".id", "'\(category.id)' is not unique")
            validator.check(!category.name.isEmpty, path + ".name", "must not be empty")
            validator.check(depth <= Self.maximumDepth, path, "is nested deeper than \(Self.maximumDepth)")
            byID[category.id] = category
            for (index, child) in category.children.enumerated() {
                visit(child, parent: category.id, depth: depth + 1, path: "\(path).children[\(index)]")
            }
        }
        validator.check(!roots.isEmpty, "categories", "must have at least one category")
        for (index, root) in roots.enumerated() { visit(root, parent: nil, depth: 1, path: "categories[\(index)]") }
        validator.check(!units.isEmpty, "units", "must have at least one unit")
        validator.check(Set(units.map(\.id)).count == units.count, "units", "ids must be unique")
        try validator.throwIfInvalid()
        self.roots = roots
        self.units = units
        self.categoriesByID = byID
    }

    public func category(_ id: String) -> Category? { categoriesByID[id] }

    public func unit(_ id: String) -> ChargeableUnit? { units.first { $0.id == id } }

    /// Whether `id` is regulated care (itself or below a regulated category); unknown ids are not.
    public func isRegulated(_ id: String) -> Bool { categoriesByID[id]?.regulated ?? false }

    /// The id and every descendant's id: what a search "in this category" covers.
    public func descendantIDs(of id: String) -> [String] {
        guard let category = categoriesByID[id] else { return [] }
        return [category.id] + category.children.flatMap { descendantIDs(of: $0.id) }
    }

    public var categoryCount: Int { categoriesByID.count }
}

extension CategoryTaxonomy {
    /// Reads `categories.json` and `units.json` from a folder such as the repository's `catalogue/`.
    public static func load(from directory: URL) throws -> CategoryTaxonomy {
        struct CategoriesFile: Decodable { let categories: [Category] }
        struct UnitsFile: Decodable { let units: [ChargeableUnit] }
        let decoder = JSONDecoder()
        let categories = try decoder.decode(
            CategoriesFile.self, from: Data(contentsOf: directory.appendingPathComponent("categories.json")))
        let units = try decoder.decode(
            UnitsFile.self, from: Data(contentsOf: directory.appendingPathComponent("units.json")))
        return try CategoryTaxonomy(roots: categories.categories, units: units.units)
    }
}
