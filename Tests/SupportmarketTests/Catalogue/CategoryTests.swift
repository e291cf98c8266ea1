import Foundation
import MarketCore
import Testing

@Suite("Category taxonomy")
struct CategoryTests {
    @Test func theRepositoryTaxonomyLoadsAndIsServed() async throws {
        let taxonomy = try CategoryTaxonomy.load(from: repositoryRoot.appendingPathComponent("catalogue"))
        #expect(taxonomy.roots.count >= 11)
        #expect(taxonomy.category("personal-care.home-care")?.name == "Home care visits")
        #expect(taxonomy.descendantIDs(of: "transport").count == 4)
        #expect(taxonomy.unit("hour")?.divisible == true)
        #expect(Set(taxonomy.units.map(\.id)) == ["hour", "session", "day", "night", "week", "item", "journey"])
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/v1/categories")
            #expect(answer.status == .ok)
            let categories = try #require(try answer.json["categories"] as? [[String: Any]])
            #expect(categories.count == taxonomy.roots.count)
        }
    }

    @Test func anInvalidTaxonomyIsRefusedWithEveryProblem() {
        let roots = [
            Category(id: "care", name: "Care", description: "", children: [
                Category(id: "other.child", name: "Misplaced", description: ""),
                Category(id: "care.ok", name: "", description: ""),
            ]),
            Category(id: "care", name: "Duplicate", description: ""),
        ]
        #expect {
            try CategoryTaxonomy(roots: roots, units: [])
        } throws: { error in
            guard case MarketError.validation(let errors) = error else { return false }
            let fields = Set(errors.map(\.field))
            return fields.contains("categories[0].children[0].id") && fields.contains("categories[0].children[1].name")
                && fields.contains("categories[1].id") && fields.contains("units")
        }
    }
}
