import Foundation
import Logging
import MarketCore
import MarketStore
import ServiceLifecycle

/// The daily invoicing run inside `serve`: at `time` (UTC) by the injected clock, which it looks
/// at every `pollInterval`, so that a test moving a manual clock sees a run without waiting a
/// day. A failed run is logged and tried again the next day; whole invoices are never lost
/// (each is its own transaction), and the next run picks up what is left.
struct InvoicingService: Service {
    let runner: InvoicingRunner
    let clock: any WallClock
    let time: TimeOfDay
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        var next = time.next(after: clock.now())
        logger.info("invoicing scheduled", metadata: ["invoicing.time": "\(time)", "invoicing.next": "\(next)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let now = clock.now()
            guard now >= next else { continue }
            next = time.next(after: now)
            do {
                _ = try await runner.run(asOf: nil, trigger: .schedule, startedBy: nil, council: nil)
            } catch {
                logger.error("scheduled invoicing run failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
