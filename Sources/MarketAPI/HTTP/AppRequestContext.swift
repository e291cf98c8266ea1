import Foundation
import Hummingbird
import MarketCore

/// The context of every request. Middleware fills in who is calling and any idempotency key.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` when a valid bearer token came with the request.
    public var authentication: Authentication?
    /// Set by `IdempotencyMiddleware` for POSTs that carry an `Idempotency-Key`.
    public var idempotencyKey: IdempotencyKey?

    /// The peer's IP address, when the transport knows it; used only to tell anonymous
    /// searchers apart in memory, never stored or logged.
    public let remoteAddress: String?
    /// What inner middleware learn for the access log, which runs outermost.
    let accessLog = AccessLogFacts()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller's access policy, `nil` for anonymous callers of public routes.
    public var policy: AccessPolicy? { authentication?.policy }

    /// Bodies over 1 MiB are refused with 413.
    public var maxUploadSize: Int { RequestLimits.maximumBodySize }
}

/// What the access log line of one request says that only inner middleware know: the caller's
/// role. Shared by reference between the copies of one request's context.
///
/// Thread-safety: `role` is guarded by `lock` (a request's middleware may resume on any thread).
final class AccessLogFacts: @unchecked Sendable {
    private let lock = NSLock()
    private var storedRole: Role?

    var role: Role? {
        get { lock.withLock { storedRole } }
        set { lock.withLock { storedRole = newValue } }
    }
}

/// The context of routes that need a caller. Creating it throws 401 when no valid token came,
/// so handlers always get a non-optional principal and the one access policy.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let authentication: Authentication
    public let idempotencyKey: IdempotencyKey?

    public init(context: AppRequestContext) throws {
        guard let authentication = context.authentication else {
            throw MarketError.unauthenticated("a bearer token is required")
        }
        self.coreContext = context.coreContext
        self.authentication = authentication
        self.idempotencyKey = context.idempotencyKey
    }

    public var maxUploadSize: Int { RequestLimits.maximumBodySize }

    public var principal: Principal { authentication.principal }

    /// The one place that decides what this caller may see and change.
    public var policy: AccessPolicy { authentication.policy }
}
