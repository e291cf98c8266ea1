import Logging
import MarketStore
import ServiceLifecycle

/// Writes counted views and click-throughs every `interval`, and once more on graceful shutdown,
/// so that nothing counted before a clean stop is lost.
struct CommunityUsageFlushService: Service {
    let recorder: CommunityUsageRecorder
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }

    private func flush() async {
        do {
            let rows = try await recorder.flush()
            if rows > 0 { logger.debug("community usage flushed", metadata: ["community.usage.rows": "\(rows)"]) }
        } catch {
            logger.error("community usage flush failed; counts kept for the next try", metadata: ["error": "\(error)"])
        }
    }
}
