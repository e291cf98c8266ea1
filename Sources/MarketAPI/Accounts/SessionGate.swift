import Foundation
import Hummingbird
import MarketCore

/// The few routes a session may call before it has passed, or enrolled, the second factor its
/// account needs. (Actions that need a *recent* second factor, step-up, ask
/// `AccessPolicy.requireRecentSecondFactor` after their scope checks.) Routes are named as the
/// router names them: method, then the path with `{parameters}`.
enum SessionGate {
    /// What a session that has not yet passed its enrolled second factor may call.
    static let openBeforeSecondFactor: Set<String> = [
        "POST v1/auth/step-up", "GET v1/me", "DELETE v1/auth/tokens/current",
    ]

    /// What a session of a role that needs a second factor, with none enrolled, may call.
    static let openBeforeEnrolment: Set<String> = [
        "POST v1/auth/second-factor", "POST v1/auth/second-factor/confirm", "POST v1/auth/password",
        "GET v1/me", "DELETE v1/auth/tokens/current",
    ]

    /// The route's name in these lists: `"POST v1/users/{id}/disable"`.
    static func route(_ method: HTTPRequest.Method, _ endpointPath: String?) -> String {
        let path = endpointPath ?? ""
        return "\(method.rawValue) \(path.hasPrefix("/") ? String(path.dropFirst()) : path)"
    }

    /// Throws unless this session may call `route` now.
    static func check(_ authentication: Authentication, route: String) throws(MarketError) {
        switch authentication.assurance {
        case .enrolmentRequired:
            guard openBeforeEnrolment.contains(route) else {
                throw .secondFactorEnrolmentRequired(
                    "\(authentication.principal.role.rawValue) accounts sign in with a second factor: enrol one with POST /v1/auth/second-factor")
            }
        case .secondFactorRequired:
            guard openBeforeSecondFactor.contains(route) else {
                throw .secondFactorRequired(
                    "this session has not passed its second factor", maximumAge: Int(authentication.secondFactor.maximumAge))
            }
        case .password, .secondFactor:
            return
        }
    }
}
