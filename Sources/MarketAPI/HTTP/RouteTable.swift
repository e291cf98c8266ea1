import HTTPTypes
import Hummingbird
import Synchronization

/// The router's routes as (method, path pattern), filled once after every route is registered.
/// Lets an unknown method on a known path answer 405 with `Allow`, rather than the router's 404.
///
/// Thread-safety: the routes are behind a `Mutex`; written once at build time, then only read.
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    func load(_ descriptions: [Router<AppRequestContext>.RouteDescription]) {
        let parsed = descriptions.map { (method: $0.method, segments: Self.segments($0.path.description)) }
        routes.withLock { $0 = parsed }
    }

    /// The methods routed for this concrete path, empty if no route matches it at all.
    func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = Self.segments(path)
        return routes.withLock { routes in
            routes.filter { Self.matches($0.segments, segments) }.map(\.method)
        }
        .sorted { $0.rawValue < $1.rawValue }
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// `:name` and `*` match one segment; `**` matches the rest.
    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        for (index, part) in pattern.enumerated() {
            if part == "**" { return true }
            guard index < path.count else { return false }
            if part.hasPrefix(":") || part == "*" || part.hasPrefix("{") { continue }
            if part != path[index] { return false }
        }
        return pattern.count == path.count
    }
}
