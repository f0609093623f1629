/// The one exponential backoff: attempt n waits between half and all of `base · 2^(n-1)`, capped at
/// `maximum` ("equal jitter": never zero, never in lockstep). The dispatcher draws `random` (sends to
/// destinations after 5xx and network errors); the API client, which retries a few times within one
/// command, waits the whole ceiling (`random` 1).
public struct Backoff: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.base = base
        self.maximum = maximum
    }

    /// The wait before retry number `attempt` (1 for the first retry); `random` is in 0..<1.
    public func delay(attempt: Int, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        var ceiling = base * (1 << exponent)
        if ceiling > maximum { ceiling = maximum }
        let half = ceiling / 2
        return half + half * min(max(random, 0), 1)
    }
}
