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

    /// `<baseURL>/v2/enqueue`.
    var enqueueURL: String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/v2/enqueue"
    }
}
