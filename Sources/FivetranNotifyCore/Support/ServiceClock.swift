import Foundation

/// Time and chance for the listener's services (endpoint, dispatcher, pruner), injected so that
/// backoff, pacing, Retry-After and freshness tests take milliseconds: `now` is a monotonic reading,
/// `sleep` waits (a test clock advances `now` instead), `date` is the wall clock, `random` is in 0..<1
/// for jitter.
public struct ServiceClock: Sendable {
    public var now: @Sendable () -> Duration
    public var sleep: @Sendable (Duration) async throws -> Void
    public var date: @Sendable () -> Date
    public var random: @Sendable () -> Double

    public init(
        now: @escaping @Sendable () -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        date: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.now = now
        self.sleep = sleep
        self.date = date
        self.random = random
    }

    /// The real clocks.
    public static var live: ServiceClock {
        let origin = ContinuousClock.now
        return ServiceClock(
            now: { ContinuousClock.now - origin },
            sleep: { try await Task.sleep(for: $0) })
    }
}
