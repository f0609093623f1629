import Foundation

/// How a Teams Workflows webhook's answers read: 2xx (normally 202) is delivered; 429 waits at least
/// `Retry-After`; 5xx, 408, 425, network errors and timeouts are retried with backoff; 400 (a body the
/// flow refused), 401/403 (the flow is off or the URL's signature is wrong), 404 (the flow is gone),
/// 413 (too large) and every other 4xx are permanent: kept failed for the operator.
extension SendOutcome {
    /// Classifies a Workflows webhook's answer.
    public init(teamsResponse response: HTTPResponse, now: Date = Date()) {
        let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var reason = "HTTP \(response.status)"
        if let hint = Self.teamsHint(response.status) { reason += " (\(hint))" }
        if !body.isEmpty { reason += " " + String(body.prefix(200)) }
        self.init(status: response.status, reason: reason, retryAfter: response.retryAfter(now: now))
    }

    /// What a permanent answer most likely means, in words.
    private static func teamsHint(_ status: Int) -> String? {
        switch status {
        case 400: "the workflow refused the message"
        case 401, 403: "the workflow is turned off or the URL is no longer valid"
        case 404: "the workflow was deleted or the URL is wrong"
        case 413: "the message is too large"
        default: nil
        }
    }
}
