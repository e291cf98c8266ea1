import Foundation

/// One invalid field of a request: where it is (a JSON path such as `lines[0].quantity`) and why.
public struct FieldError: Sendable, Equatable, Codable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Every failure the domain can report. Knows nothing of HTTP: MarketAPI maps each case, once,
/// to a problem document (`MarketError+HTTP.swift`).
public enum MarketError: Error, Sendable, Equatable {
    /// The input broke one or more rules; nothing was written.
    case validation([FieldError])
    /// The resource does not exist, or is outside the caller's scope (the two are indistinguishable).
    case notFound(resource: String)
    /// The caller can see the resource but may not take this action on it.
    case forbidden(String)
    /// The action clashes with the current state (a duplicate, a wrong lifecycle step).
    case conflict(String)
    /// Credentials were missing, wrong, expired or revoked.
    case unauthenticated(String)
    /// The action needs a session that passed its second factor recently (RFC 9470 step-up);
    /// `POST /v1/auth/step-up` with a code refreshes it.
    case secondFactorRequired(String, maximumAge: Int)
    /// The account's role needs a second factor and none is enrolled yet.
    case secondFactorEnrolmentRequired(String)
    /// An `Idempotency-Key` was reused with a different request.
    case idempotencyKeyReused
    /// The first request with this `Idempotency-Key` is still running; retry once it has answered.
    case idempotencyKeyInUse
    /// The service is saturated with this kind of work (password hashing); nothing was done:
    /// try again after `retryAfterSeconds`.
    case overloaded(String, retryAfterSeconds: Int)
    /// A request path parameter is not a well-formed identifier.
    case malformedIdentifier(parameter: String)

    /// A single-field validation failure.
    public static func invalid(_ field: String, _ message: String) -> MarketError {
        .validation([FieldError(field: field, message: message)])
    }
}

/// Collects field errors so that a request reports every problem at once, not just the first.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) {
        if !condition { errors.append(FieldError(field: field, message: message())) }
    }

    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// Throws `MarketError.validation` if any check failed.
    public func throwIfInvalid() throws(MarketError) {
        if !errors.isEmpty { throw .validation(errors) }
    }
}

extension Validator {
    /// Trimmed text of 1...`maxLength` characters; returns the trimmed value.
    @discardableResult
    public mutating func text(_ value: String, _ field: String, maxLength: Int) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        check(!trimmed.isEmpty, field, "must not be empty")
        check(trimmed.count <= maxLength, field, "must be at most \(maxLength) characters")
        return trimmed
    }
}
