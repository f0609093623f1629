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
    let rejectedOverBudget: Counter
    let storeErrors: Counter
    let messagesSent: Counter
    let messagesFailed: Counter
    let slackRetries: Counter
    let messagesPending: Gauge
    let messagesFailedNow: Gauge
    let slackLatency: DurationHistogram
    /// Slack button clicks refused (bad signature or timestamp, malformed), and those recorded.
    let slackActionsRejected: Counter
    let slackActionsRecorded: Counter
    /// Per destination kind: notices accepted, refused for good, retried; pending and failed now.
    let byKind: [DestinationKind: KindMetrics]

    /// One destination kind's counters (labelled `destination="pagerduty"`).
    struct KindMetrics: Sendable {
        let sent: Counter
        let failed: Counter
        let retried: Counter
        let pending: Gauge
        let failedNow: Gauge
    }

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
        rejectedOverBudget = registry.makeCounter(descriptor: rejected, labels: [("reason", "over_budget")])
        storeErrors = registry.makeCounter(descriptor: rejected, labels: [("reason", "store_error")])
        let actionsRejected = name(
            "slack_actions", "rejected", "total", "Slack button clicks refused (401 or 400), by reason.")
        slackActionsRejected = registry.makeCounter(descriptor: actionsRejected, labels: [("reason", "signature")])
        slackActionsRecorded = registry.makeCounter(
            descriptor: name("slack_actions", "recorded", "total", "Slack button clicks recorded to act on."))
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
        let sent = name("notices", "sent", "total", "Notices (or parts) a destination accepted, by destination kind.")
        let failed = name("notices", "failed", "total", "Notices a destination refused for good, by kind.")
        let retried = name("notices", "retries", "total", "Sends that will be retried (429, 5xx, network), by kind.")
        let pending = name("notices", "pending", "", "Notices waiting to be sent, by destination kind.")
        let failedNow = name("notices", "failed", "", "Notices kept as permanently failed, by destination kind.")
        var byKind: [DestinationKind: KindMetrics] = [:]
        for kind in DestinationKind.allCases {
            let labels = [("destination", kind.rawValue)]
            byKind[kind] = KindMetrics(
                sent: registry.makeCounter(descriptor: sent, labels: labels),
                failed: registry.makeCounter(descriptor: failed, labels: labels),
                retried: registry.makeCounter(descriptor: retried, labels: labels),
                pending: registry.makeGauge(descriptor: pending, labels: labels),
                failedNow: registry.makeGauge(descriptor: failedNow, labels: labels))
        }
        self.byKind = byKind
    }

    /// What one destination kind's dispatcher reports into.
    public func dispatch(_ kind: DestinationKind) -> any DispatchMetrics {
        KindDispatchMetrics(metrics: self, kind: kind)
    }

    /// The text format, after refreshing the queue gauges from the store's counts.
    public func render(counts: QueueCounts?, byKind counted: [DestinationKind: QueueCounts]? = nil) -> [UInt8] {
        if let counts {
            messagesPending.set(Double(counts.pending))
            messagesFailedNow.set(Double(counts.failed))
        }
        if let counted {
            for (kind, metrics) in byKind {
                metrics.pending.set(Double(counted[kind]?.pending ?? 0))
                metrics.failedNow.set(Double(counted[kind]?.failed ?? 0))
            }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return buffer
    }
}

/// A dispatcher's reports: the labelled counters of its kind, and for Slack also the `slack_*` metrics
/// earlier releases exposed.
struct KindDispatchMetrics: DispatchMetrics {
    let metrics: ListenerMetrics
    let kind: DestinationKind

    func sent(latency: Duration) {
        metrics.byKind[kind]?.sent.increment()
        guard kind == .slack else { return }
        metrics.messagesSent.increment()
        metrics.slackLatency.record(latency)
    }

    func failed() {
        metrics.byKind[kind]?.failed.increment()
        if kind == .slack { metrics.messagesFailed.increment() }
    }

    func retried() {
        metrics.byKind[kind]?.retried.increment()
        if kind == .slack { metrics.slackRetries.increment() }
    }
}
