import Foundation
import GRDB
import MarketCore

/// The first HTTP answer of a request made with an `Idempotency-Key`.
public struct StoredAnswer: Sendable, Equatable {
    /// At most this many bytes of body are kept; a longer answer is not (its retry replays the
    /// stored result instead).
    public static let maximumBodySize = 65_536

    public let status: Int
    public let contentType: String?
    public let location: String?
    public let body: Data

    public init(status: Int, contentType: String?, location: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }
}

/// What a request with an idempotency key finds before it runs.
public enum IdempotentReplay: Sendable, Equatable {
    /// No first request with this key and body within the retention: it runs.
    case none
    /// The first request's answer, to send again as it was.
    case answer(StoredAnswer)
    /// The first request's action ran, but its answer was not kept (too long, or the process
    /// stopped between the two): the store replays its result.
    case result
}

/// Keeps the HTTP answers of idempotent requests beside the key their action stored in its own
/// transaction, as Stripe and Svix do: a retry gets exactly the first answer (its status, type,
/// location and body), not today's rendering of what the action returned, which may have changed
/// since (an order accepted after it was placed) or changed shape with a new release.
public struct IdempotencyStore: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func replay(of key: IdempotencyKey, caller: UserID) async throws -> IdempotentReplay {
        let keptSince = database.clock.now().addingTimeInterval(-IdempotencyKey.retention)
        return try await database.read { db in
            guard let record = try IdempotencyRecord.fetchOne(db, key: IdempotencyRecord.primaryKey(key, caller: caller)),
                record.createdAt >= keptSince, record.requestFingerprint == key.fingerprint
            else { return .none }
            guard let status = record.answerStatus, let body = record.answerBody else { return .result }
            return .answer(StoredAnswer(
                status: status, contentType: record.answerContentType, location: record.answerLocation, body: body))
        }
    }

    /// Keeps `answer` for the key whose action stored its result, once. A key no action stored
    /// (a route without idempotent writes, or a refused request) keeps nothing.
    public func keep(_ answer: StoredAnswer, for key: IdempotencyKey, caller: UserID) async throws {
        guard (200...299).contains(answer.status), answer.body.count <= StoredAnswer.maximumBodySize else { return }
        typealias Columns = IdempotencyRecord.Columns
        _ = try await database.write { db in
            try IdempotencyRecord
                .filter(Columns.userId == caller && Columns.idempotencyKey == key.key
                    && Columns.requestFingerprint == key.fingerprint && Columns.answerStatus == nil)
                .updateAll(db, [
                    Columns.answerStatus.set(to: answer.status), Columns.answerContentType.set(to: answer.contentType),
                    Columns.answerLocation.set(to: answer.location), Columns.answerBody.set(to: answer.body),
                ])
        }
    }
}
