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

    /// Tuned to what a destination declares, `base` being Slack's pace (tests shrink it): its share
    /// of the pacing interval, its least burst, no digests if it takes none, its wait after a 429
    /// without Retry-After.
    public static func tuned(for capabilities: DestinationCapabilities, base: DispatcherConfiguration)
        -> DispatcherConfiguration
    {
        var configuration = base
        configuration.pacingInterval = base.pacingInterval * capabilities.pacingScale
        configuration.burst = max(base.burst, capabilities.minimumBurst)
        if !capabilities.takesDigests { configuration.digestThreshold = .max }
        configuration.defaultRetryAfter = base.defaultRetryAfter * capabilities.retryAfterScale
        return configuration
    }
}
