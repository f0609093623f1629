/// What the dispatcher reports as it works; the listener's Prometheus metrics implement it, so the
/// dispatcher knows no metrics system.
public protocol DispatchMetrics: Sendable {
    /// A notice (or one part of it) was accepted by its destination, `latency` after it was sent.
    func sent(latency: Duration)
    /// A notice was refused for good.
    func failed()
    /// An attempt will be retried (429, 5xx, a network error).
    func retried()
}
