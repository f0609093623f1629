import Foundation

/// How Slack's answers read: 2xx (Slack's plain-text `ok`) is delivered; 429 waits at least
/// `Retry-After` (or the JSON `retry_after`); 5xx, 408, 425, network errors and timeouts are retried
/// with backoff; 400/403/404/410 and other 4xx mean the message or the webhook is bad: kept failed.
extension SendOutcome {
    /// Classifies Slack's answer.
    public init(slackResponse response: HTTPResponse) {
        let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = body.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(String(body.prefix(200)))"
        self.init(status: response.status, reason: reason, retryAfter: Self.retryAfter(response))
    }

    /// A transport error (no HTTP answer): always worth retrying.
    public init(transportError error: any Error) {
        self = .transient(reason: String(describing: error))
    }

    /// `Retry-After`, else a JSON body's `retry_after` (seconds, as a number or a string).
    static func retryAfter(_ response: HTTPResponse) -> Duration? {
        if let wait = response.retryAfter(now: Date()) { return wait }
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        switch object?["retry_after"] {
        case let seconds as Double: return HTTPResponse.wait(seconds: seconds)
        case let text as String: return Double(text).flatMap(HTTPResponse.wait(seconds:))
        default: return nil
        }
    }
}
