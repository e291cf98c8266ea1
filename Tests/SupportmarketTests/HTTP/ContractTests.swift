import Foundation
import MarketAPI
import MarketCore
import Testing

@Suite("openapi.yaml and the router agree")
struct ContractTests {
    /// `METHOD /path/{param}` for every operation under `paths:` in openapi.yaml.
    /// The spec is kept in one layout: paths at two spaces, methods at four.
    static func specOperations() throws -> Set<String> {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var operations: Set<String> = []
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:"; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = currentPath {
                let name = line.trimmingCharacters(in: .whitespaces).dropLast()
                if methods.contains(String(name)) { operations.insert("\(name.uppercased()) \(path)") }
            }
        }
        return operations
    }

    /// `METHOD /path/{param}` for every route the router serves.
    static func routerOperations() async throws -> Set<String> {
        let market = try await TestMarket.make(seedDemo: false)
        let router = buildRouter(services: market.services)
        return Set(router.routes.map { route in
            let path = route.path.description
                .split(separator: "/")
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
    }

    @Test func everyRouteIsInTheSpec() async throws {
        let missing = try await Self.routerOperations().subtracting(try Self.specOperations())
        #expect(missing.isEmpty, "routed but not in openapi.yaml: \(missing.sorted())")
    }

    @Test func everySpecOperationIsRouted() async throws {
        let unrouted = try Self.specOperations().subtracting(try await Self.routerOperations())
        #expect(unrouted.isEmpty, "in openapi.yaml but not routed: \(unrouted.sorted())")
    }

    @Test func theParserSeesTheWholeSpec() throws {
        let operations = try Self.specOperations()
        #expect(operations.contains("GET /health"))
        #expect(operations.contains("GET /v1/users/{id}"))
        #expect(operations.count >= 15)
    }

    /// Every event type the service writes is described under `webhooks:` (two spaces in), and
    /// nothing else is, so that a receiver generated from the spec knows every payload.
    @Test func everyEventTypeIsAWebhookInTheSpec() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var inWebhooks = false
        var described: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inWebhooks = line == "webhooks:"; continue }
            if inWebhooks, line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") {
                described.insert(String(line.dropFirst(2).dropLast()))
            }
        }
        #expect(described == Set(EventType.allCases.map(\.rawValue)))
    }

    @Test func theSpecIsServed() async throws {
        try await TestMarket.make(seedDemo: false).test { client in
            let answer = try await client.send(.get, "/openapi.yaml")
            #expect(answer.status == .ok)
            #expect(answer.text.hasPrefix("openapi: 3.1"))
        }
    }
}
