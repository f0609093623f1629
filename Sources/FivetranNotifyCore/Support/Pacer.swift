/// Paces sends to one place (a Slack channel or webhook, a routing key): on average one per `interval`,
/// with bursts of up to `burst`
/// (a token bucket, kept as the generic cell rate algorithm's "theoretical arrival time" so it needs
/// only the current time, never a timer). Times are durations on a monotonic clock (`ServiceClock.now`).
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

/// Pacers shared by every sender to the same place, by key: two routes that post to one channel draw
/// on one bucket, whichever queue their messages wait in.
public final class SharedPacers: Sendable {
    private let pacers = Locked<[String: Pacer]>([:])
    public let interval: Duration
    public let burst: Int

    public init(interval: Duration, burst: Int) {
        self.interval = interval
        self.burst = burst
    }

    /// Takes the next slot of `key`'s pacer; how long to wait before using it.
    public func reserve(_ key: String, now: Duration) -> Duration {
        var wait = Duration.zero
        pacers.update { pacers in
            var pacer = pacers[key] ?? Pacer(interval: interval, burst: burst)
            wait = pacer.reserve(now: now)
            pacers[key] = pacer
        }
        return wait
    }

    /// After a 429 pause on `key` ending at `now` (`Pacer.resumeAfterPause`).
    public func resumeAfterPause(_ key: String, now: Duration) {
        pacers.update { pacers in
            var pacer = pacers[key] ?? Pacer(interval: interval, burst: burst)
            pacer.resumeAfterPause(now: now)
            pacers[key] = pacer
        }
    }
}
