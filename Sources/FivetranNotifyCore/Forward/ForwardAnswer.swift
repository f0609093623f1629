import Foundation

/// How a forward endpoint's answers read: 2xx is delivered; 429 waits for `Retry-After` when given;
/// 408, 425, 5xx, network errors and timeouts are retried with backoff; other 4xx are kept failed.
extension SendOutcome {
    /// Classifies the endpoint's answer.
    init(forwardResponse response: HTTPResponse, now: Date) {
        let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = body.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(String(body.prefix(200)))"
        self.init(status: response.status, reason: reason, retryAfter: response.retryAfter(now: now))
    }
}
