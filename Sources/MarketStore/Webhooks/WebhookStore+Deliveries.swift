import Foundation
import GRDB
import MarketCore

/// The deliveries of an owner's endpoints, for its staff to read and retry.
extension WebhookStore {
    /// The endpoint's deliveries, newest first, optionally of one status.
    public func deliveries(
        of id: WebhookEndpointID, status: WebhookDelivery.Status?, by policy: AccessPolicy, page: PageRequest
    ) async throws -> Page<WebhookDelivery> {
        try await database.read { db in
            _ = try Self.owned(id, by: policy, db)
            var request = WebhookDeliveryRecord.filter(WebhookDeliveryRecord.Columns.endpointId == id)
            if let status { request = request.filter(WebhookDeliveryRecord.Columns.status == status.rawValue) }
            return try request.withEvent()
                .fetchPage(page, by: WebhookDeliveryRecord.Columns.seq, .descending,
                           key: { $0[WebhookDeliveryRecord.Columns.seq] as Int64? }, db) { try Self.delivery($0, db) }
        }
    }

    /// Sends a delivery again now, with a fresh schedule of retries (its attempts are kept).
    public func replay(_ id: WebhookDeliveryID, by policy: AccessPolicy, idempotency: IdempotencyKey?) async throws -> WebhookDelivery {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            guard let endpointID = try WebhookEndpointID.fetchOne(db, sql: "SELECT endpoint_id FROM webhook_delivery WHERE id = ?", arguments: [id])
            else { throw MarketError.notFound(resource: "webhook delivery") }
            do { _ = try Self.owned(endpointID, by: policy, db) } catch MarketError.notFound { throw MarketError.notFound(resource: "webhook delivery") }
            try WebhookDeliveryRecord.filter(WebhookDeliveryRecord.Columns.id == id).updateAll(db, WebhookDeliveryRecord.sendAgain(at: now))
            let row = try WebhookDeliveryRecord.filter(WebhookDeliveryRecord.Columns.id == id).withEvent().fetchOne(db)
            guard let row else { throw MarketError.notFound(resource: "webhook delivery") }
            return try Self.delivery(row, db)
        }
    }

    /// Sends again every delivery to the endpoint that failed since `since`; returns how many.
    public func recover(
        _ id: WebhookEndpointID, since: Date, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> Int {
        let now = database.clock.now()
        return try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            _ = try Self.owned(id, by: policy, db)
            typealias Columns = WebhookDeliveryRecord.Columns
            return try WebhookDeliveryRecord
                .filter(Columns.endpointId == id && Columns.status == WebhookDelivery.Status.failed.rawValue && Columns.createdAt >= since)
                .updateAll(db, WebhookDeliveryRecord.sendAgain(at: now))
        }
    }
}
