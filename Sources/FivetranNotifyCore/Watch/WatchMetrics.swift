import Foundation
import Prometheus

/// The watch's counters on /metrics: sweeps, API requests (retries included) and API errors. Made in
/// the registry given (the listener's), so that /metrics shows them beside the listener's own.
public final class WatchMetrics: Sendable {
    let sweeps: Counter
    let requests: Counter
    let errors: Counter
    let findings: Counter

    public init(registry: PrometheusCollectorRegistry) {
        func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "fivetran_notify", subsystem: "watch", metricName: metric, unitName: "total",
                helpText: help)
        }
        sweeps = registry.makeCounter(descriptor: name("sweeps", "Account sweeps run."))
        requests = registry.makeCounter(
            descriptor: name("api_requests", "Requests the watch sent to Fivetran's REST API (retries included)."))
        errors = registry.makeCounter(
            descriptor: name("api_errors", "Watch API calls that failed (after retries), including lookups."))
        findings = registry.makeCounter(
            descriptor: name("findings", "Findings submitted as notices (failures and recoveries)."))
    }
}
