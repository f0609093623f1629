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

extension SendOutcome {
    /// The reading every destination kind shares of an HTTP answer's status: 2xx is delivered; 429 is
    /// rate limited, waiting `retryAfter` (read only then); 408 and 425 are transient, like 5xx and
    /// any other status; every other 4xx is permanent. `reason` is what a transient or permanent
    /// outcome says.
    public init(status: Int, reason: String, retryAfter: @autoclosure () -> Duration?) {
        switch status {
        case 200..<300:
            self = .delivered
        case 429:
            self = .rateLimited(retryAfter: retryAfter())
        case 408, 425:
            self = .transient(reason: reason)
        case 400..<500:
            self = .permanent(status: status, reason: reason)
        default:
            self = .transient(reason: reason)
        }
    }
}
