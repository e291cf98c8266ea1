import Logging
import ServiceLifecycle

/// Runs one periodic write every `interval`, and once more on graceful shutdown: what a recorder
/// counted in memory (community usage, the search demand log), so that nothing recorded before a
/// clean stop is lost, or the retention of expired keys and tokens. A failed flush is logged; a
/// recorder keeps its entries for the next one.
struct PeriodicFlushService: Service {
    /// What is flushed, for logs: `community_usage`, `search_demand`, `retention`.
    let name: String
    let interval: Duration
    /// Writes the pending entries and answers how many rows it wrote.
    let flush: @Sendable () async throws -> Int
    /// Whether to run once more on graceful shutdown (what is counted in memory must be).
    var onShutdown = true
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            await flushOnce()
        }
        if onShutdown { await flushOnce() }
    }

    /// One run, logged with what it wrote and how long it took: at `info` when it wrote
    /// something, at `debug` when there was nothing to write (every few seconds).
    private func flushOnce() async {
        let started = ContinuousClock.now
        do {
            let rows = try await flush()
            let metadata: Logger.Metadata = [
                "flush.name": "\(name)", "flush.rows": "\(rows)", "flush.duration_ms": "\((ContinuousClock.now - started).inSeconds * 1_000)",
            ]
            if rows > 0 { logger.info("flushed", metadata: metadata) } else { logger.debug("flushed", metadata: metadata) }
        } catch {
            logger.error("flush failed; entries kept for the next try", metadata: ["flush.name": "\(name)", "error": "\(error)"])
        }
    }
}
