import Foundation

/// What one Slack post came to, and so what the dispatcher does next.
public enum SlackOutcome: Sendable, Equatable {
    /// 2xx (Slack's plain-text `ok`): mark delivered, never post it again.
    case delivered
    /// 429: wait at least `retryAfter` (from `Retry-After` or the JSON `retry_after`), then go on paced.
    case rateLimited(retryAfter: Duration?)
    /// 5xx, a network error or a timeout: retry with exponential backoff and jitter.
    case transient(reason: String)
    /// 400/403/404/410 and other 4xx: the message or the webhook is bad; keep it failed, tell the operator.
    case permanent(status: Int, reason: String)

    /// Classifies Slack's answer.
    public init(response: HTTPResponse) {
        let body = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = body.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(String(body.prefix(200)))"
        switch response.status {
        case 200..<300:
            self = .delivered
        case 429:
            self = .rateLimited(retryAfter: Self.retryAfter(response))
        case 408, 425:
            self = .transient(reason: reason)
        case 400..<500:
            self = .permanent(status: response.status, reason: reason)
        default:
            self = .transient(reason: reason)
        }
    }

    /// A transport error (no HTTP answer): always worth retrying.
    public init(error: any Error) {
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

/// Slack webhook URLs are secrets: logs and errors show the host and the last four characters only.
public enum SlackURL {
    /// Whether the text is an http(s) URL at all (what `listen` accepts as a webhook URL).
    public static func isHTTP(_ url: String) -> Bool {
        url.hasPrefix("https://") || url.hasPrefix("http://")
    }

    public static func redacted(_ url: String) -> String {
        guard isHTTP(url) else { return url }
        let host = URLComponents(string: url)?.host ?? "webhook"
        return "\(host)/…\(url.suffix(4))"
    }
}
