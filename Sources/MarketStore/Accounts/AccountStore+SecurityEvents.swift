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
        typealias Columns = AuditEventRecord.Columns
        var request = AuditEventRecord.filter(Columns.action.like("session.%") || Columns.action.like("user.%"))
        switch scope {
        case .all:
            break
        case .only(let council):
            let people = UserRecord.select(UserRecord.Columns.id).filter(UserRecord.Columns.councilId == council)
            request = request.filter(
                people.contains(Columns.actorUserId) || (Columns.subjectType == "user" && people.contains(Columns.subjectId)))
        case .none:
            request = request.none()
        }
        let events = request
        return try await database.read { db in
            try events.fetchPage(page, by: Columns.id, .descending, key: \.id, db)
        }.map { record in
            SecurityEvent(
                id: record.id ?? 0, occurredAt: record.occurredAt, actor: record.actorUserId, action: record.action,
                subjectType: record.subjectType, subjectID: record.subjectId,
                details: (try? JSONDecoder().decode([String: String].self, from: Data(record.details.utf8))) ?? [:])
        }
    }
}
