import Foundation
import GRDB
import MarketCore

/// A query over community resources (alias `r`), composed with GRDB's SQL interpolation: every
/// value is bound where it is written, and conditions join with `&&`. Raw SQL because full-text
/// search and the JSON arrays of categories and areas are where the query interface cannot go.
struct CommunityResourceQuery {
    let now: Date
    private(set) var join: SQL = ""
    private(set) var condition: SQLExpression = true.sqlExpression
    private(set) var order: SQL = "r.seq"
    /// Relevance has no stable key, so ranked pages resume at an offset; others after a `seq`.
    private(set) var isRanked = false

    init(now: Date) {
        self.now = now
    }

    /// The one place the staleness rule lives: more than the window's days since the last
    /// verification, the window being the resource's council's setting or the default.
    /// `now` is an SQL expression: a bound date here, a report's `:now` parameter there.
    static func isStale(now: SQL) -> SQL {
        """
        (julianday(\(now)) - julianday(r.last_verified_at)
            > coalesce((SELECT c.community_stale_after_days FROM council c WHERE c.id = r.council_id),
                \(sql: String(CommunityFreshness.defaultWindowDays))))
        """
    }

    var isStale: SQL { Self.isStale(now: "\(now)") }

    mutating func filter(_ sql: SQL) {
        condition = condition && sql.sqlExpression
    }

    /// Only resources whose text matches; the order becomes relevance.
    mutating func matchText(_ match: String) {
        join = "JOIN community_resource_fts f ON f.rowid = r.seq AND community_resource_fts MATCH \(match)"
        order = "f.rank, r.seq"
        isRanked = true
    }

    mutating func inCategories(_ categories: [String]) throws {
        let list = String(decoding: try JSONEncoder().encode(categories), as: UTF8.self)
        filter("EXISTS (SELECT 1 FROM json_each(r.categories) WHERE value IN (SELECT value FROM json_each(\(list))))")
    }

    mutating func inArea(_ code: String) {
        filter("EXISTS (SELECT 1 FROM json_each(r.areas) WHERE value = \(code))")
    }

    /// Current resources only: past one-off events and finished series are left out.
    mutating func currentOnly() {
        filter("(r.final_end_at IS NULL OR r.final_end_at >= \(CommunityResourceRecord.detailsTimestamp(now)))")
    }

    /// Rows of `community_resource.*` with `is_stale`.
    func listed(limit: Int, offset: Int) -> SQLRequest<Row> {
        """
        SELECT r.*, \(isStale) AS is_stale FROM community_resource r \(join)
        WHERE \(condition) ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)
        """
    }

    /// Rows as `listed`, with their publisher's name (organisation or council) and the name and
    /// code of the council whose area each serves, for Open Referral.
    var published: SQLRequest<Row> {
        """
        SELECT r.*, \(isStale) AS is_stale, coalesce(o.name, p.name) AS publisher_name,
            s.name AS council_name, s.code AS council_code
        FROM community_resource r
        LEFT JOIN organisation o ON o.id = r.organisation_id
        LEFT JOIN council p ON p.id = r.publisher_council_id
        LEFT JOIN council s ON s.id = coalesce(r.council_id, r.publisher_council_id)
        \(join)
        WHERE \(condition) ORDER BY \(order)
        """
    }
}
