import Foundation
import Prometheus

/// The listener's Prometheus metrics, in a registry of its own (no global state, so tests can run
/// several listeners side by side). `/metrics` renders `registry` in the text format.
public final class ListenerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    let deliveriesReceived: Counter
    let deliveriesDuplicate: Counter
    let deliveriesStale: Counter
    let rejectedSignature: Counter
    let rejectedNotJSON: Counter
    let rejectedTooLarge: Counter
    let storeErrors: Counter
    let messagesSent: Counter
    let messagesFailed: Counter
    let slackRetries: Counter
    let messagesPending: Gauge
    let messagesFailedNow: Gauge
    let slackLatency: DurationHistogram

    public init() {
        func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "fivetran_notify", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
        deliveriesReceived = registry.makeCounter(
            descriptor: name("deliveries", "received", "total", "Verified deliveries stored."))
        deliveriesDuplicate = registry.makeCounter(
            descriptor: name("deliveries", "duplicate", "total", "Verified deliveries already stored (no-op)."))
        deliveriesStale = registry.makeCounter(
            descriptor: name(
                "deliveries", "stale", "total", "Verified deliveries older than --max-age: stored, not forwarded."))
        let rejected = name("deliveries", "rejected", "total", "Deliveries answered with an error, by reason.")
        rejectedSignature = registry.makeCounter(descriptor: rejected, labels: [("reason", "signature")])
        rejectedNotJSON = registry.makeCounter(descriptor: rejected, labels: [("reason", "not_json")])
        rejectedTooLarge = registry.makeCounter(descriptor: rejected, labels: [("reason", "too_large")])
        storeErrors = registry.makeCounter(descriptor: rejected, labels: [("reason", "store_error")])
        messagesSent = registry.makeCounter(
            descriptor: name("slack_messages", "sent", "total", "Slack messages Slack answered ok."))
        messagesFailed = registry.makeCounter(
            descriptor: name("slack_messages", "failed", "total", "Slack messages refused for good."))
        slackRetries = registry.makeCounter(
            descriptor: name("slack", "retries", "total", "Slack posts that will be retried (429, 5xx, network)."))
        messagesPending = registry.makeGauge(
            descriptor: name("slack_messages", "pending", "", "Slack messages waiting to be posted."))
        messagesFailedNow = registry.makeGauge(
            descriptor: name("slack_messages", "failed", "", "Slack messages kept as permanently failed."))
        slackLatency = registry.makeDurationHistogram(
            descriptor: name("slack", "request_duration", "seconds", "Time Slack took to answer a post."),
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10),
            ])
    }

    /// The text format, after refreshing the queue gauges from the store's counts.
    public func render(counts: QueueCounts?) -> [UInt8] {
        if let counts {
            messagesPending.set(Double(counts.pending))
            messagesFailedNow.set(Double(counts.failed))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return buffer
    }
}

extension ListenerMetrics: DispatchMetrics {
    public func sent(latency: Duration) {
        messagesSent.increment()
        slackLatency.record(latency)
    }

    public func failed() { messagesFailed.increment() }

    public func retried() { slackRetries.increment() }
}
