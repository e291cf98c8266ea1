import Foundation
import HTTPTypes
import Hummingbird
import MarketCore

/// An RFC 9457 problem document, the body of every error answer.
struct Problem: Encodable {
    /// A stable identifier of the kind of problem; clients switch on it.
    let type: String
    let title: String
    let status: Int
    let detail: String
    /// Field-level errors, for validation problems.
    let errors: [FieldError]?
    let requestId: String?

    static let typeBase = "https://supportmarket.org.uk/problems/"
    static let mediaType = "application/problem+json"
}

/// Failures that belong to HTTP itself rather than to the domain.
enum HTTPProblem: Error, Equatable {
    case routeNotFound
    case methodNotAllowed(allowed: [HTTPRequest.Method])
    case malformedJSON(String)
    case bodyTooLarge
    case unsupportedMediaType(String?)
    case malformedAuthorization
    /// `/metrics` without the operator's token (or, with none configured, from off the machine).
    case metricsRefused
}

/// What an error becomes on the wire: status, problem and any extra headers.
struct ProblemResponse {
    let status: HTTPResponse.Status
    let slug: String
    let title: String
    let detail: String
    var errors: [FieldError]? = nil
    var headers: HTTPFields = [:]

    /// Maps any error to its answer. Unknown errors become a bland 500; the caller logs them.
    init(_ error: any Error) {
        switch error {
        case let error as MarketError: self.init(error)
        case let error as HTTPProblem: self.init(error)
        case let error as HTTPError where error.status == .contentTooLarge: self.init(HTTPProblem.bodyTooLarge)
        case let error as any HTTPResponseError:
            self.init(
                status: error.status, slug: "http-\(error.status.code)", title: error.status.reasonPhrase,
                detail: error.status.reasonPhrase)
        default:
            self.init(
                status: .internalServerError, slug: "internal-error", title: "Internal error",
                detail: "something went wrong on our side; the request id identifies it in our logs")
        }
    }

    init(status: HTTPResponse.Status, slug: String, title: String, detail: String,
         errors: [FieldError]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    private init(_ error: MarketError) {
        switch error {
        case .validation(let errors):
            let fields = errors.map(\.field).joined(separator: ", ")
            self.init(status: .unprocessableContent, slug: "validation-failed", title: "Validation failed",
                      detail: "invalid: \(fields)", errors: errors)
        case .notFound(let resource):
            self.init(status: .notFound, slug: "not-found", title: "Not found",
                      detail: "no such \(resource)")
        case .forbidden(let reason):
            self.init(status: .forbidden, slug: "forbidden", title: "Forbidden", detail: reason)
        case .conflict(let reason):
            self.init(status: .conflict, slug: "conflict", title: "Conflict", detail: reason)
        case .unauthenticated(let reason):
            self.init(status: .unauthorized, slug: "unauthenticated", title: "Unauthenticated", detail: reason,
                      headers: [.wwwAuthenticate: #"Bearer realm="supportmarket", error="invalid_token""#])
        case .secondFactorRequired(let reason, let maximumAge):
            // RFC 9470: the client asks for a fresher authentication and retries.
            self.init(status: .unauthorized, slug: "insufficient-user-authentication",
                      title: "Second factor required", detail: reason,
                      headers: [.wwwAuthenticate: #"Bearer realm="supportmarket", error="insufficient_user_authentication", "#
                          + #"error_description="pass your second factor at POST /v1/auth/step-up", max_age=\#(maximumAge)"#])
        case .secondFactorEnrolmentRequired(let reason):
            self.init(status: .forbidden, slug: "second-factor-enrolment-required",
                      title: "Second factor enrolment required", detail: reason)
        case .idempotencyKeyReused:
            self.init(status: .unprocessableContent, slug: "idempotency-key-reused", title: "Idempotency key reused",
                      detail: "this Idempotency-Key was already used with a different request",
                      errors: [FieldError(field: "Idempotency-Key", message: "was used with a different request")])
        case .idempotencyKeyInUse:
            self.init(status: .conflict, slug: "idempotency-key-in-use", title: "Idempotency key in use",
                      detail: "the first request with this Idempotency-Key is still being processed; retry when it has answered",
                      headers: [.retryAfter: "1"])
        case .overloaded(let reason, let seconds):
            self.init(status: .serviceUnavailable, slug: "overloaded", title: "Service busy", detail: reason,
                      headers: [.retryAfter: String(seconds)])
        case .malformedIdentifier(let parameter):
            self.init(status: .badRequest, slug: "malformed-identifier", title: "Malformed identifier",
                      detail: "path parameter \(parameter) is not a well-formed identifier",
                      errors: [FieldError(field: parameter, message: "is not a well-formed identifier")])
        }
    }

    private init(_ error: HTTPProblem) {
        switch error {
        case .routeNotFound:
            self.init(status: .notFound, slug: "route-not-found", title: "Not found",
                      detail: "no route matches this path")
        case .methodNotAllowed(let allowed):
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            self.init(status: .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                      detail: "this path accepts \(list)", headers: [.allow: list])
        case .malformedJSON(let detail):
            self.init(status: .badRequest, slug: "malformed-json", title: "Malformed JSON", detail: detail)
        case .bodyTooLarge:
            self.init(status: .contentTooLarge, slug: "body-too-large", title: "Body too large",
                      detail: "request bodies are limited to \(RequestLimits.maximumBodySize) bytes")
        case .unsupportedMediaType(let type):
            self.init(status: .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
                      detail: "send bodies as application/json, not \(type ?? "an unlabelled body")")
        case .malformedAuthorization:
            self.init(status: .unauthorized, slug: "unauthenticated", title: "Unauthenticated",
                      detail: "the Authorization header must be 'Bearer <token>'",
                      headers: [.wwwAuthenticate: #"Bearer realm="supportmarket", error="invalid_request""#])
        case .metricsRefused:
            self.init(status: .unauthorized, slug: "unauthenticated", title: "Unauthenticated",
                      detail: "metrics are served with the operator's bearer token (SUPPORTMARKET_METRICS_TOKEN), or to loopback callers when none is set",
                      headers: [.wwwAuthenticate: #"Bearer realm="supportmarket-metrics""#])
        }
    }

    /// The response, with `application/problem+json` and the request id in the body.
    func response(requestID: String?) -> Response {
        let problem = Problem(
            type: Problem.typeBase + slug, title: title, status: Int(status.code), detail: detail,
            errors: errors, requestId: requestID)
        let data = (try? JSONCoding.encoder.encode(problem)) ?? Array("{}".utf8)
        var headers = self.headers
        headers[.contentType] = Problem.mediaType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
