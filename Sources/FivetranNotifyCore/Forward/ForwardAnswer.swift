import Foundation

/// How a forward endpoint's answers read: 2xx is delivered; 429 waits for `Retry-After` when given;
/// 408, 425, 5xx, network errors and timeouts are retried with backoff; other 4xx are kept failed.
extension SendOutcome {
    /// Classifies the endpoint's answer.
    init(forwardResponse response: HTTPResponse, now: Date) {
        let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = body.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(String(body.prefix(200)))"
        switch response.status {
        case 200..<300:
            self = .delivered
        case 429:
            self = .rateLimited(retryAfter: response.retryAfter(now: now))
        case 408, 425:
            self = .transient(reason: reason)
        case 400..<500:
            self = .permanent(status: response.status, reason: reason)
        default:
            self = .transient(reason: reason)
        }
    }
}
