import Foundation
import GRDB
import MarketCore

/// Webhook endpoints: registered, listed, changed, their secrets rotated, by their owner's staff.
extension WebhookStore {
    /// Creates an endpoint for the caller's organisation or council; the answer carries its
    /// secret, which is never shown again.
    public func create(
        _ input: WebhookEndpointInput, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        let owner = try policy.authorizeManagingWebhooks()
        let now = database.clock.now()
        let secret = WebhookSecret.new()
        let result = try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            let record = WebhookEndpointRecord(
                id: .random(), ownerId: owner.id, url: input.url ?? "", description: input.description ?? nil,
                eventTypes: Self.typesJSON(input.eventTypes ?? []), enabled: input.enabled ?? true, secret: secret,
                createdBy: policy.principal.userID, createdAt: now, updatedAt: now)
            try record.insert(db)
            try Self.audit("webhook_endpoint.created", record, actor: policy.principal.userID, at: now, db)
            return CreatedEndpoint(endpoint: record.endpoint, secret: record.secret)
        }
        return (result.endpoint, result.secret)
    }

    /// What an idempotent create or rotation replays: the endpoint and the secret it was given.
    struct CreatedEndpoint: Codable, Sendable {
        let endpoint: WebhookEndpoint
        let secret: String
    }

    public func endpoints(by policy: AccessPolicy, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        guard let owner = policy.webhookOwner else { return Page(items: [], nextCursor: nil) }
        return try await database.read { db in
            try WebhookEndpointRecord.all().owned(by: owner)
                .fetchPage(page, by: WebhookEndpointRecord.Columns.seq, .descending, key: \.seq, db).map(\.endpoint)
        }
    }

    public func endpoint(_ id: WebhookEndpointID, by policy: AccessPolicy) async throws -> WebhookEndpoint {
        try await database.read { db in try Self.owned(id, by: policy, db).endpoint }
    }

    /// Changes what `input` sets. Enabling again clears the reason the service disabled it.
    public func update(_ id: WebhookEndpointID, _ input: WebhookEndpointInput, by policy: AccessPolicy) async throws -> WebhookEndpoint {
        let now = database.clock.now()
        return try await database.write { db in
            var record = try Self.owned(id, by: policy, db)
            if let url = input.url { record.url = url }
            if let description = input.description { record.description = description }
            if let types = input.eventTypes { record.eventTypes = Self.typesJSON(types) }
            if let enabled = input.enabled {
                if enabled && !record.enabled {
                    record.disabledReason = nil
                    record.failingSince = nil
                }
                record.enabled = enabled
            }
            record.updatedAt = now
            try record.update(db)
            try Self.audit("webhook_endpoint.updated", record, actor: policy.principal.userID, at: now, db)
            return record.endpoint
        }
    }

    /// Deletes an endpoint: nothing more is sent to it, and what was waiting is marked failed.
    public func delete(_ id: WebhookEndpointID, by policy: AccessPolicy) async throws {
        let now = database.clock.now()
        try await database.write { db in
            var record = try Self.owned(id, by: policy, db)
            record.deletedAt = now
            record.enabled = false
            try record.update(db)
            typealias Columns = WebhookDeliveryRecord.Columns
            try WebhookDeliveryRecord.filter(Columns.endpointId == id && Columns.status == WebhookDelivery.Status.pending.rawValue)
                .updateAll(db, Columns.status.set(to: WebhookDelivery.Status.failed.rawValue), Columns.nextAttemptAt.set(to: nil))
            try Self.audit("webhook_endpoint.deleted", record, actor: policy.principal.userID, at: now, db)
        }
    }

    /// A new secret; the old one still signs, beside it, for 24 hours. A retry with the same
    /// idempotency key answers the same secret rather than rotating again (which would drop the
    /// secret the receiver still holds).
    public func rotateSecret(
        _ id: WebhookEndpointID, by policy: AccessPolicy, idempotency: IdempotencyKey?
    ) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        let now = database.clock.now()
        let secret = WebhookSecret.new()
        let rotated = try await database.write(as: policy.principal.userID, idempotency: idempotency) { db in
            var record = try Self.owned(id, by: policy, db)
            try policy.requireRecentSecondFactor(for: "rotating a webhook secret")
            record.previousSecret = record.secret
            record.previousSecretUntil = now.addingTimeInterval(Self.secretOverlap)
            record.secret = secret
            record.updatedAt = now
            try record.update(db)
            try Self.audit("webhook_endpoint.secret_rotated", record, actor: policy.principal.userID, at: now, db)
            return CreatedEndpoint(endpoint: record.endpoint, secret: secret)
        }
        return (rotated.endpoint, rotated.secret)
    }
}
