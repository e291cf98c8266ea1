import Metrics
import Prometheus

/// The process's Prometheus registry, served at `/metrics`. swift-metrics is bootstrapped with it
/// exactly once per process (on first use), so Hummingbird's request metrics land in it.
enum AppMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
