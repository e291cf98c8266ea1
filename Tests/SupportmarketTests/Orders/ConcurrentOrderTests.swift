import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Orders under concurrency")
struct ConcurrentOrderTests {
    /// 240 orders race for one stream that can pay for only some of them, each on its own
    /// connection to a live server on 127.0.0.1 over a WAL database file. Whatever the
    /// interleaving, the stream is never overspent, every 201 has its reservation, every 422
    /// left nothing behind, and the cached balance equals the ledger.
    @Test func concurrentOrdersNeverOverspendAStream() async throws {
        let market = try await TestMarket.make()
        let allocation = 100_000
        try await market.application.test(.live) { raw in
            let client = Client(client: raw, market: market)
            let scene = try await OrderScene.make(client, allocation: allocation, price: 1_000)
            let port = try #require(raw.port)
            let attempts = 240
            // 1 to 5 hours each: 720,000p asked of a 100,000p stream.
            let answers = try await withThrowingTaskGroup(of: (quantity: Int, status: HTTPResponse.Status, id: String?).self) { group in
                for index in 0..<attempts {
                    group.addTask {
                        let quantity = index % 5 + 1
                        let body = try JSONSerialization.data(withJSONObject: Client.orderBody(
                            holder: scene.holder, offering: scene.offering, quantity: quantity))
                        return try await TestClient.withClient(host: "127.0.0.1", port: port) { connection in
                            let response = try await connection.post(
                                "/v1/orders",
                                headers: [.authorization: "Bearer \(scene.holderToken)", .contentType: "application/json"],
                                body: ByteBuffer(bytes: body))
                            let json = response.body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.readableBytesView)) }
                            return (quantity, response.head.status, (json as? [String: Any])?["id"] as? String)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == attempts)
            let placed = answers.filter { $0.status == .created }
            let refused = answers.filter { $0.status == .unprocessableContent }
            #expect(placed.count + refused.count == attempts, "\(Set(answers.map(\.status.code)))")
            #expect(!placed.isEmpty && !refused.isEmpty)
            let placedTotal = placed.reduce(0) { $0 + $1.quantity * 1_000 }
            #expect(placedTotal <= allocation)

            let stream = try await client.stream(scene.holderToken, holder: scene.holder, id: scene.stream)
            #expect(stream["committed_pence"] as? Int == placedTotal)
            #expect(stream["allocated_pence"] as? Int == allocation)
            #expect(try await market.count("purchase_order") == placed.count)
            #expect(try await market.count("ledger_entry") == 1 + placed.count)
            for answer in placed {
                let id = try #require(answer.id)
                let order = try await client.send(.get, "/v1/orders/\(id)", token: scene.holderToken)
                #expect(try order.json["total_pence"] as? Int == answer.quantity * 1_000)
            }
            // The smallest order (1 hour) was refused only when less than an hour's money was left.
            if refused.contains(where: { $0.quantity == 1 }) {
                #expect(allocation - placedTotal < 1_000)
            }
        }
        try await market.expectLedgerHolds()
    }
}
