/// How the dispatcher paces, retries and groups.
public struct DispatcherConfiguration: Sendable {
    /// Average spacing of sends to one target (Slack allows about one a second per webhook).
    public var pacingInterval: Duration = .seconds(1)
    /// Sends allowed back to back before pacing starts.
    public var burst: Int = 3
    /// With this many single alerts waiting for one target, they go out as a digest instead.
    public var digestThreshold: Int = 5
    /// At most this many alerts are folded into one digest.
    public var digestLimit: Int = 1000
    /// Waits after 5xx and network errors.
    public var backoff = Backoff()
    /// The wait after a 429 that gave no Retry-After.
    public var defaultRetryAfter: Duration = .seconds(1)
    /// How often the store is looked at even without a wake-up (changes by other processes).
    public var pollInterval: Duration = .seconds(5)
    /// How long a notice waits for the names of all its deliveries together before it is formed
    /// with ids (watch.md).
    public var nameWait: Duration = .seconds(2)
    /// Send unpaced (`listen --dry-run` prints instead of sending).
    public var unpaced = false

    public init() {}

    /// Each destination kind paced to its service's limits, `base` being Slack's (tests shrink it):
    /// PagerDuty under its 120 events a minute per routing key and never digested (each incident is an
    /// alert that resolves on its own), 30 s after a 429 without Retry-After; Teams like Slack; the
    /// forward endpoint ten times faster.
    public static func defaults(for kind: DestinationKind, base: DispatcherConfiguration) -> DispatcherConfiguration {
        var configuration = base
        switch kind {
        case .slack, .teams:
            break
        case .pagerduty:
            configuration.pacingInterval = base.pacingInterval * 0.55
            configuration.burst = max(base.burst, 5)
            configuration.digestThreshold = .max
            configuration.defaultRetryAfter = base.defaultRetryAfter * 30
        case .forward:
            configuration.pacingInterval = base.pacingInterval / 10
            configuration.burst = max(base.burst, 10)
        }
        return configuration
    }
}
