import Foundation

/// Whose systems a webhook endpoint belongs to: an organisation (a provider, a broker, a
/// community group) or a council. Events reach it only when the owner is in their audience.
public enum WebhookOwner: Sendable, Equatable, Hashable {
    case organisation(OrganisationID)
    case council(CouncilID)

    /// The owner's id as an audience member (`org_…` or `cnc_…`).
    public var id: String {
        switch self {
        case .organisation(let id): id.rawValue
        case .council(let id): id.rawValue
        }
    }

    public init?(id: String) {
        if let organisation = OrganisationID(id) { self = .organisation(organisation) } else if let council = CouncilID(id) {
            self = .council(council)
        } else { return nil }
    }
}

/// Where and what a webhook endpoint receives.
public struct WebhookEndpoint: Sendable, Equatable, Codable {
    public let id: WebhookEndpointID
    /// `org_…` or `cnc_…` (`WebhookOwner.id`).
    public let ownerID: String
    public var url: String
    public var description: String?
    /// The event types it receives; empty: every type.
    public var eventTypes: [EventType]
    public var enabled: Bool
    /// Why the service disabled it (410 Gone, days of failures); `nil` when its owner did.
    public var disabledReason: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: WebhookEndpointID, ownerID: String, url: String, description: String?, eventTypes: [EventType], enabled: Bool,
        disabledReason: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.ownerID = ownerID
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the endpoint wants events of `type`.
    public func wants(_ type: String) -> Bool { eventTypes.isEmpty || eventTypes.contains { $0.rawValue == type } }
}

/// Which URLs endpoints may have: `https` only, except hosts an operator allows
/// (`SUPPORTMARKET_WEBHOOK_ALLOW_HOSTS`, such as `127.0.0.1` in development), which may also use
/// `http` and resolve to private or loopback addresses. Every other host is checked again when
/// each delivery connects (the transport refuses private, loopback and link-local addresses).
public struct WebhookURLPolicy: Sendable, Equatable {
    public let allowedHosts: Set<String>

    public static let maximumLength = 2048

    public init(allowedHosts: Set<String>) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Whether connections for `host` may reach private, loopback and link-local addresses.
    public func allowsPrivateAddresses(of host: String) -> Bool { allowedHosts.contains(host.lowercased()) }

    /// Why `text` may not be an endpoint's URL, or `nil` if it may.
    public func refusal(of text: String) -> String? {
        guard text.count <= Self.maximumLength else { return "must be at most \(Self.maximumLength) characters" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return "must be an absolute https URL" }
        guard components.user == nil, components.password == nil, components.fragment == nil else {
            return "must not carry credentials or a fragment"
        }
        let allowed = allowsPrivateAddresses(of: host)
        guard scheme == "https" || (scheme == "http" && allowed) else {
            return "must use https (http only for hosts the operator allows)"
        }
        if !allowed, let reason = PrivateAddress.refusal(ofLiteral: host) { return reason }
        return nil
    }
}

/// Addresses a delivery never connects to unless its host is allowed: private, loopback,
/// link-local, unspecified and other special ranges (SSRF guard).
public enum PrivateAddress {
    /// Why an IPv4 address (4 bytes) is not public, or `nil`.
    public static func refusal(ipv4 bytes: [UInt8]) -> String? {
        guard bytes.count == 4 else { return "is not an IPv4 address" }
        switch (bytes[0], bytes[1]) {
        case (0, _): return "is an unspecified address"
        case (10, _), (172, 16...31), (192, 168): return "is a private address"
        case (127, _): return "is a loopback address"
        case (169, 254): return "is a link-local address"
        case (100, 64...127): return "is a shared (carrier-grade NAT) address"
        case (224...255, _): return "is a multicast or reserved address"
        default: return nil
        }
    }

    /// Why an IPv6 address (16 bytes) is not public, or `nil`.
    public static func refusal(ipv6 bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return "is not an IPv6 address" }
        if bytes.allSatisfy({ $0 == 0 }) { return "is an unspecified address" }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "is a loopback address" }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return refusal(ipv4: Array(bytes[12..<16]))  // IPv4-mapped
        }
        if bytes[0] & 0xfe == 0xfc { return "is a unique local address" }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "is a link-local address" }
        if bytes[0] == 0xff { return "is a multicast address" }
        return nil
    }

    /// Why a host written as an IP literal is not public; `nil` for public addresses and names.
    public static func refusal(ofLiteral host: String) -> String? {
        let trimmed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, let bytes = Optional(parts.compactMap { UInt8($0) }), bytes.count == 4 {
            return refusal(ipv4: bytes)
        }
        if trimmed == "localhost" || trimmed.hasSuffix(".localhost") { return "is a loopback address" }
        if trimmed.contains(":") { return trimmed == "::1" ? "is a loopback address" : nil }
        return nil
    }
}

/// A new endpoint, or a change to one, checked: an allowed URL, known event types, a description
/// of at most 500 characters.
public struct WebhookEndpointInput: Sendable, Equatable {
    public var url: String?
    public var description: String??
    public var eventTypes: [EventType]?
    public var enabled: Bool?

    public static let maximumDescriptionLength = 500

    /// `creating`: the URL is required. Unknown event types are named one by one.
    public init(
        url: String?, description: String??, eventTypes: [String]?, enabled: Bool?, creating: Bool, policy: WebhookURLPolicy
    ) throws(MarketError) {
        var v = Validator()
        if let url {
            if let reason = policy.refusal(of: url) { v.add("url", reason) }
        } else if creating {
            v.add("url", "is required")
        }
        if case .some(.some(let text)) = description {
            self.description = .some(v.optionalText(text, "description", maxLength: Self.maximumDescriptionLength))
        } else {
            self.description = description
        }
        var types: [EventType] = []
        for (index, text) in (eventTypes ?? []).enumerated() {
            guard let type = EventType(rawValue: text) else {
                v.add("event_types[\(index)]", "'\(text)' is not an event type (GET /v1/webhook-event-types lists them)")
                continue
            }
            if !types.contains(type) { types.append(type) }
        }
        try v.throwIfInvalid()
        self.url = url
        self.eventTypes = eventTypes == nil ? nil : types
        self.enabled = enabled
    }
}

/// The whole retry decision, in one place: what an attempt's answer means (`Outcome`) and what
/// follows it (`decision`). A failed delivery is tried again on Svix's schedule (at once, then
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), each delay with ±10% jitter, or after the receiver's
/// `Retry-After` when it asks for longer (capped at 10 h). Eight attempts in all.
public enum WebhookRetry {
    /// The delay before each attempt; the first is immediate.
    public static let schedule: [TimeInterval] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
    public static let maximumRetryAfter: TimeInterval = 36_000

    /// How long to wait after `attemptsMade` attempts, or `nil` when none are left. `jitter` is
    /// in -1...1 (a random draw), `retryAfter` the receiver's header in seconds.
    public static func delay(afterAttempts attemptsMade: Int, retryAfter: TimeInterval?, jitter: Double) -> TimeInterval? {
        guard attemptsMade >= 1, attemptsMade < schedule.count else { return nil }
        let scheduled = schedule[attemptsMade] * (1 + 0.1 * max(-1, min(1, jitter)))
        guard let retryAfter, retryAfter > 0 else { return scheduled }
        return max(scheduled, min(retryAfter, maximumRetryAfter))
    }

    /// What one answer means: only 2xx is success; 410 Gone disables the endpoint at once; any
    /// other status failed; no status at all (refused, timed out, cut off) went unanswered. The raw
    /// value is the `outcome` label of `supportmarket_webhook_deliveries_total`.
    public enum Outcome: String, Sendable, Equatable, CaseIterable {
        case succeeded
        case gone
        case failed
        case unanswered
    }

    public static func outcome(ofStatus status: Int?) -> Outcome {
        guard let status else { return .unanswered }
        if (200...299).contains(status) { return .succeeded }
        return status == 410 ? .gone : .failed
    }

    /// What follows an attempt.
    public enum Decision: Sendable, Equatable {
        /// Delivered: the endpoint is no longer failing.
        case delivered
        /// The receiver said the endpoint is gone: the delivery fails and the endpoint is disabled.
        case endpointGone
        /// Tried again after this many seconds.
        case retry(after: TimeInterval)
        /// No attempts left: the delivery fails.
        case exhausted
    }

    /// The decision after the attempt numbered `attemptsMade` (from 1) came to `outcome`.
    public static func decision(
        after outcome: Outcome, attemptsMade: Int, retryAfter: TimeInterval?, jitter: Double
    ) -> Decision {
        switch outcome {
        case .succeeded: return .delivered
        case .gone: return .endpointGone
        case .failed, .unanswered:
            return delay(afterAttempts: attemptsMade, retryAfter: retryAfter, jitter: jitter).map(Decision.retry) ?? .exhausted
        }
    }
}
