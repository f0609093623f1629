/// What one attempt to send a notice came to, as its destination reads its service's answer; the
/// dispatcher only schedules what follows.
public enum SendOutcome: Sendable, Equatable {
    /// Accepted: never sent again.
    case delivered
    /// Rate limited: wait at least `retryAfter` (the service's hint, when it gave one), then go on paced.
    case rateLimited(retryAfter: Duration?)
    /// Worth retrying with backoff: 5xx, a network error, a timeout.
    case transient(reason: String)
    /// Refused for good (a bad request or a revoked URL): kept as failed for the operator.
    case permanent(status: Int, reason: String)
}
