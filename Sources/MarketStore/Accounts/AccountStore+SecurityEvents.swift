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
            var sql = """
                SELECT id, occurred_at, actor_user_id, action, subject_type, subject_id, details FROM audit_event
                WHERE (action LIKE 'session.%' OR action LIKE 'user.%') AND id < ?
                """
            var arguments: StatementArguments = [before ?? Int64.max]
            switch scope {
            case .all:
                break
            case .only(let council):
                sql += """
                     AND (actor_user_id IN (SELECT id FROM user WHERE council_id = ?)
                        OR (subject_type = 'user' AND subject_id IN (SELECT id FROM user WHERE council_id = ?)))
                    """
                arguments += [council, council]
            case .none:
                return []
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [page.limit + 1]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                SecurityEvent(
                    id: row["id"], occurredAt: row["occurred_at"], actor: row["actor_user_id"], action: row["action"],
                    subjectType: row["subject_type"], subjectID: row["subject_id"],
                    details: (try? JSONDecoder().decode([String: String].self, from: Data((row["details"] as String? ?? "{}").utf8))) ?? [:])
            }
        }
        return Page(fetched: events, limit: page.limit, key: { String($0.id) })
    }
}
