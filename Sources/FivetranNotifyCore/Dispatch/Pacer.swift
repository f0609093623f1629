/// Paces posts to one Slack webhook: on average one per `interval`, with bursts of up to `burst`
/// (a token bucket, kept as the generic cell rate algorithm's "theoretical arrival time" so it needs
/// only the current time, never a timer). Times are durations on the dispatcher's monotonic clock.
public struct Pacer: Sendable {
    public let interval: Duration
    public let burst: Int
    private var theoreticalArrival: Duration?

    public init(interval: Duration = .seconds(1), burst: Int = 3) {
        self.interval = interval
        self.burst = max(burst, 1)
    }

    private var tolerance: Duration { interval * (burst - 1) }

    /// Takes the next slot and returns how long to wait before using it (zero when a token is free).
    public mutating func reserve(now: Duration) -> Duration {
        let arrival = max(theoreticalArrival ?? now, now)
        let allowedAt = arrival - tolerance
        let wait = allowedAt > now ? allowedAt - now : .zero
        theoreticalArrival = arrival + interval
        return wait
    }

    /// After a 429 pause ending at `now`: the bucket is empty, so the next post may go at once and
    /// the ones after it at the paced rate, without a burst.
    public mutating func resumeAfterPause(now: Duration) {
        theoreticalArrival = now + tolerance
    }
}
