import Foundation

/// How PagerDuty's Events API answers read: 2xx (202 "Event processed") is delivered; 429 waits for
/// `Retry-After` when given (else the dispatcher's growing default); 5xx, 408, 425, network errors and
/// timeouts are retried with backoff; 400 (an invalid event or routing key) and other 4xx are kept
/// failed.
extension SendOutcome {
    /// Classifies PagerDuty's answer. `routingKey` is never repeated in the reason, should the answer
    /// echo it.
    init(pagerDutyResponse response: HTTPResponse, routingKey: String, now: Date) {
        let reason = Self.pagerDutyReason(response, hiding: routingKey)
        self.init(status: response.status, reason: reason, retryAfter: response.retryAfter(now: now))
    }

    /// "HTTP 400 Event object is invalid: 'routing_key' missing", from PagerDuty's JSON `message` and
    /// `errors`, else the body's first 200 characters.
    private static func pagerDutyReason(_ response: HTTPResponse, hiding routingKey: String) -> String {
        var detail = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
            let message = (object["message"] as? String) ?? (object["status"] as? String)
            let errors = (object["errors"] as? [Any])?.map { "\($0)" } ?? []
            let parts = [message].compactMap { $0 } + (errors.isEmpty ? [] : [errors.joined(separator: "; ")])
            if !parts.isEmpty { detail = parts.joined(separator: ": ") }
        }
        if !routingKey.isEmpty { detail = detail.replacingOccurrences(of: routingKey, with: "…") }
        detail = String(detail.prefix(200))
        return detail.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(detail)"
    }
}
