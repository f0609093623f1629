import Foundation
import Logging
import ServiceLifecycle

/// Removes old delivered messages and old deliveries on a schedule (first run at start), so the
/// state directory does not grow without end. Deliveries are kept for `retention` (long enough to
/// recognise Fivetran's redeliveries, which stop after about a day, and longer than `max_age`, read
/// again at every run so a reload that raised it is honoured) and while a message about them is still
/// pending or failed.
public struct StorePruner: Service {
    let store: any StateStore
    let retention: @Sendable () -> TimeInterval
    let interval: Duration
    let clock: ServiceClock
    let logger: Logger

    /// A week: longer than Fivetran's redeliveries last, and than the default `--max-age` plus a day.
    public static let defaultRetention: TimeInterval = 7 * 86_400

    /// How long deliveries are kept for a `max_age`: a day longer (so a captured delivery replayed
    /// later is never posted again), and never less than `defaultRetention`.
    public static func retention(maxAge: Duration) -> TimeInterval {
        max(defaultRetention, maxAge.seconds + 86_400)
    }

    public init(
        store: any StateStore, retention: TimeInterval = defaultRetention, interval: Duration = .seconds(3600),
        clock: ServiceClock = .live, logger: Logger
    ) {
        self.init(store: store, retention: { retention }, interval: interval, clock: clock, logger: logger)
    }

    /// - Parameter retention: read at every run (the settings in force: SIGHUP may change `max_age`).
    public init(
        store: any StateStore, retention: @escaping @Sendable () -> TimeInterval, interval: Duration = .seconds(3600),
        clock: ServiceClock = .live, logger: Logger
    ) {
        self.store = store
        self.retention = retention
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// How long a node's right to prune lasts: renewed at each run, a little longer than the interval,
    /// so when the node dies another prunes within about one interval (ha.md: "The pruner likewise").
    var lease: Duration { interval + min(interval, .seconds(60)) }
    /// How often a node that does not prune asks again (at most every 30 s).
    var standbyPoll: Duration { min(interval, .seconds(30)) }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var holding = false
                do {
                    // One node of a cluster prunes; another takes over once its lease ran out.
                    holding = try await store.holdSingleton("prune", lease: lease)
                    if holding { try await pruneOnce() }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not prune old deliveries: \(store.failureText(error))")
                }
                // Housekeeping runs on real time even under a test clock, whose sleeps return at once.
                do { try await Task.sleep(for: holding ? interval : standbyPoll) } catch { return }
            }
        }
    }

    /// One run: removes what is older than the retention in force now; returns how many deliveries.
    @discardableResult
    public func pruneOnce() async throws -> Int {
        let cutoff = clock.date().addingTimeInterval(-retention())
        let removed = try await store.prune(before: cutoff)
        try await store.prunePosts(closedBefore: cutoff)
        try await store.pruneShares()
        try await store.pruneClicks(before: cutoff)
        if removed > 0 { logger.debug("pruned \(removed) old deliveries") }
        return removed
    }
}
