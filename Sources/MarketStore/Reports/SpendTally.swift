import GRDB
import MarketCore

/// One spend or reversal of `spend_fact`, as the spend reports group it.
struct SpendFact {
    /// The budget holder, numbered for this report (distinct people are counted by number).
    let person: Int32
    let pence: Int64
    let atCouncilRate: Bool
    let category: String
    let unit: String
    let provider: String
    let providerType: String
    let source: String
    let managementOption: String
    /// `YYYY-MM`.
    let month: String
}

/// The net spend of one group (a category, a provider, a month…) and the distinct people
/// behind it, in all and split by price source.
struct SpendTally {
    var pence: Int64 = 0
    var councilRatePence: Int64 = 0
    var people = Set<Int32>()
    var councilRatePeople = Set<Int32>()
    var publicPeople = Set<Int32>()

    mutating func add(_ fact: SpendFact) {
        pence += fact.pence
        people.insert(fact.person)
        if fact.atCouncilRate {
            councilRatePence += fact.pence
            councilRatePeople.insert(fact.person)
        } else {
            publicPeople.insert(fact.person)
        }
    }

    var publicPence: Int64 { pence - councilRatePence }
}

extension ReportQuery {
    /// The council's spend in the period tallied by each of `keys` (a fact's group in each
    /// breakdown) and in all, in one pass over one range of `spend_fact`: counting distinct
    /// people group by group in SQL sorts the rows once per breakdown and takes several times longer.
    func tallySpend(by keys: [(SpendFact) -> String]) throws -> (groups: [[String: SpendTally]], total: SpendTally) {
        var groups = Array(repeating: [String: SpendTally](), count: keys.count)
        var total = SpendTally()
        var people: [String: Int32] = [:]
        let facts = try cursor("""
            SELECT budget_holder_id, pence, price_source = 'council_rate', category, unit, provider_id, provider_type, source,
                management_option, substr(day, 1, 7)
            FROM spend_fact WHERE council_id = :council AND day BETWEEN :from AND :to
            """)
        while let row = try facts.next() {
            let holder: String = row[0]
            let person: Int32
            if let known = people[holder] {
                person = known
            } else {
                person = Int32(people.count)
                people[holder] = person
            }
            let fact = SpendFact(
                person: person, pence: row[1], atCouncilRate: row[2], category: row[3], unit: row[4], provider: row[5], providerType: row[6],
                source: row[7], managementOption: row[8], month: row[9])
            total.add(fact)
            for (index, key) in keys.enumerated() { groups[index][key(fact), default: SpendTally()].add(fact) }
        }
        return (groups, total)
    }
}
