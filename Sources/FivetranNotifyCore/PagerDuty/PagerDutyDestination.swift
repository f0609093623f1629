import Foundation
import Logging

/// PagerDuty's Events API v2 as a destination (destinations.md): one alert per incident, triggered by
/// the failure and resolved by the recovery under the same `dedup_key`; reminders and digests send
/// nothing. Targets are `pagerduty:<routing key>`; the key goes into the body only when it is sent, so
/// stored and rendered bodies never hold it.
public struct PagerDutyDestination: NoticeDestination {
    let transport: any HTTPTransport
    /// `https://events.pagerduty.com`, or a proxy's or a test's address.
    let baseURL: String
    let logger: Logger
    /// The timeout of one post.
    let requestTimeout: Duration
    public let dryRun: Bool

    /// - Parameters:
    ///   - transport: how posts are made (libcurl; under `--dry-run` one that prints them).
    ///   - baseURL: the Events API base (`pagerduty_url` / `PAGERDUTY_URL`); events go to `/v2/enqueue`.
    ///   - dryRun: handle only the targets queued by `listen --dry-run`, with the routing key redacted
    ///     in what is posted (and the reverse without it).
    public init(
        transport: any HTTPTransport, baseURL: String = "https://events.pagerduty.com", logger: Logger,
        requestTimeout: Duration = sendTimeout, dryRun: Bool = false
    ) {
        self.transport = transport
        self.baseURL = baseURL
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.dryRun = dryRun
    }

    public var kind: DestinationKind { .pagerduty }

    /// Paced under its 120 events a minute per routing key, never digested (each incident is an alert
    /// that resolves on its own), no reminders (the alert stays open until the resolve), every resolve
    /// heard, 30 s after a 429 without Retry-After.
    public static var capabilities: DestinationCapabilities {
        DestinationCapabilities(
            alwaysHearsResolves: true, takesReminders: false, takesDigests: false, pacingScale: 0.55,
            minimumBurst: 5, retryAfterScale: 30)
    }

    /// A routing key: 8 to 128 printable ASCII characters, not a URL, not quoted.
    public static func checkAddress(_ text: String) -> Result<String, TargetProblem> {
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let first = key.first, first == "\"" || first == "'" {
            return .failure(TargetProblem("is wrapped in quotes; remove the quotes"))
        }
        let allowed = key.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 }
        guard allowed, key.count >= 8, key.count <= 128, !key.lowercased().hasPrefix("http") else {
            return .failure(
                TargetProblem(
                    "is not a PagerDuty routing key (32 letters and digits); copy the Integration Key of the "
                        + "service's Events API V2 integration"))
        }
        return .success(key)
    }

    public func render(_ notice: Notice, now: Date) -> [Data] {
        PagerDutyEvent.events(for: notice).map(PagerDutyEvent.body)
    }

    public func send(_ body: Data, to target: String) async -> SendOutcome {
        guard let decoded = DestinationTarget(encoded: target), decoded.kind == .pagerduty else {
            return .permanent(status: 0, reason: "not a PagerDuty target")
        }
        let routingKey = decoded.address
        guard case .object(var event)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return .permanent(status: 0, reason: "the stored PagerDuty event is not a JSON object")
        }
        // A dry run prints what it posts: never the key itself.
        event["routing_key"] = .string(dryRun ? "…" + routingKey.suffix(4) : routingKey)
        let request = HTTPRequest(
            method: "POST", url: enqueueURL, headers: [("Content-Type", "application/json")],
            body: PagerDutyEvent.body(.object(event)), connectTimeout: .seconds(5), timeout: requestTimeout)
        do {
            let response = try await transport.send(request)
            return SendOutcome(pagerDutyResponse: response, routingKey: routingKey, now: Date())
        } catch {
            return .transient(reason: String(describing: error))
        }
    }

    /// Acknowledges the alert of an incident (`sync|warrant_sheep`) someone took on elsewhere (Slack's
    /// Acknowledge button), so the on-call's phone stops: an `acknowledge` event with its `dedup_key`.
    public func acknowledge(incident: String, to target: String) async -> SendOutcome {
        let event: JSONValue = .object([
            "event_action": "acknowledge", "dedup_key": .string(PagerDutyEvent.dedupKey(incident: incident)),
        ])
        return await send(PagerDutyEvent.body(event), to: target)
    }

    /// `<baseURL>/v2/enqueue`.
    var enqueueURL: String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/v2/enqueue"
    }
}
