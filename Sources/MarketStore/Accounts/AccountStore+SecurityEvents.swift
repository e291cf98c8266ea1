import Foundation
import GRDB
import MarketCore

extension AccountStore {
    /// The security audit, newest first: every `session.*` and `user.*` event (sign-ins and their
    /// refusals, step-ups, enrolments, resets, session ends, invitations, grants, disables) in the
    /// caller's scope: a council's admins see those their council's people did or were the
    /// subject of; platform admins see all.
    public func securityEvents(by policy: AccessPolicy, page: PageRequest) async throws -> Page<SecurityEvent> {
        let scope = try policy.authorizeReadingSecurityEvents()
        let before = try page.afterRowNumber()
        let events = try await database.read { db -> [SecurityEvent] in
            var request = Table("audit_event")
                .filter(Column("action").like("session.%") || Column("action").like("user.%"))
                .filter(Column("id") < (before ?? Int64.max))
                .order(Column("id").desc)
                .limit(page.limit + 1)
            switch scope {
            case .all:
                break
            case .only(let council):
                let people = Table("user").select(Column("id")).filter(Column("council_id") == council.rawValue)
                request = request.filter(
                    people.contains(Column("actor_user_id"))
                        || (Column("subject_type") == "user" && people.contains(Column("subject_id"))))
            case .none:
                return []
            }
            return try Row.fetchAll(db, request).map { row in
                SecurityEvent(
                    id: row["id"], occurredAt: row["occurred_at"], actor: row["actor_user_id"], action: row["action"],
                    subjectType: row["subject_type"], subjectID: row["subject_id"],
                    details: (try? JSONDecoder().decode([String: String].self, from: Data((row["details"] as String? ?? "{}").utf8))) ?? [:])
            }
        }
        return Page(fetched: events, limit: page.limit, key: { String($0.id) })
    }
}
