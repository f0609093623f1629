import Foundation
import Logging

/// Slack incoming webhooks as a destination: renders notices into the layouts of messages.md (Block Kit
/// plus a `text` fallback), posts them through the HTTP transport and reads Slack's answers. When Slack
/// refuses a layout with 400, the plain `text` is tried once, so a notice is never lost to a layout.
public struct SlackDestination: NoticeDestination {
    /// The target stored for messages queued by `listen --dry-run`.
    public static let dryRunTarget = "dry-run"

    let transport: any HTTPTransport
    let logger: Logger
    /// The timeout of one post.
    let requestTimeout: Duration
    public let dryRun: Bool

    /// - Parameters:
    ///   - transport: how posts are made (libcurl; under `--dry-run` one that prints them).
    ///   - dryRun: handle only the messages queued for `dryRunTarget`, and leave real webhooks alone
    ///     (and the reverse without it).
    public init(
        transport: any HTTPTransport, logger: Logger, requestTimeout: Duration = sendTimeout, dryRun: Bool = false
    ) {
        self.transport = transport
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.dryRun = dryRun
    }

    public var kind: DestinationKind { .slack }

    public static func checkAddress(_ text: String) -> Result<String, TargetProblem> { SlackURL.checked(text) }

    public func render(_ notice: Notice, now: Date) -> [Data] {
        if let legacy = notice.legacySlackPayload { return [legacy] }
        let messages: [SlackMessage]
        switch notice.kind {
        case .alert where notice.deliveries.count == 1:
            messages = [AlertRenderer.alert(for: notice.deliveries[0], now: now)]
        case .alert, .digest:
            messages = AlertRenderer.digest(notice.deliveries, now: now)
        case .reminder:
            guard let latest = notice.deliveries.last else { return [] }
            messages = [
                AlertRenderer.reminder(
                    latest, failuresSince: notice.failures ?? 1, since: notice.since ?? notice.createdAt, now: now)
            ]
        case .resolved:
            guard let success = notice.deliveries.last else { return [] }
            if IncidentSignal.isWatchEvent(success.event) {
                messages = [
                    AlertRenderer.watchResolved(success, failingSince: notice.since ?? notice.createdAt, now: now)
                ]
                break
            }
            messages = [
                AlertRenderer.resolved(
                    success, failingSince: notice.since ?? notice.createdAt, failures: notice.failures ?? 1, now: now)
            ]
        }
        return messages.map { (notice.isTest ? $0.markedAsTest() : $0).jsonBody() }
    }

    public func send(_ body: Data, to target: String) async -> SendOutcome {
        let outcome = await post(body, to: target)
        guard case .permanent(400, let reason) = outcome else { return outcome }
        // Slack refused the layout itself: never resend it unchanged, but try the plain text once.
        let fallback = await postPlainText(of: body, to: target)
        if fallback == .delivered {
            logger.warning(
                "<-- slack 400 (\(reason)) for the Block Kit layout; the plain-text fallback was delivered",
                metadata: ["destination": "\(SlackURL.redacted(target))"])
        }
        return fallback
    }

    /// The `text` of a payload alone, for a layout Slack refused with 400.
    private func postPlainText(of body: Data, to target: String) async -> SendOutcome {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let text = object["text"] as? String, !text.isEmpty, object["blocks"] != nil
        else { return .permanent(status: 400, reason: "HTTP 400 (no plain-text fallback to try)") }
        return await post(SlackMessage(text: text).jsonBody(), to: target)
    }

    private func post(_ body: Data, to target: String) async -> SendOutcome {
        let request = HTTPRequest(
            method: "POST", url: DestinationTarget(encoded: target)?.address ?? target,
            headers: [("Content-Type", "application/json")], body: body,
            connectTimeout: .seconds(5), timeout: requestTimeout)
        do {
            return SendOutcome(slackResponse: try await transport.send(request))
        } catch {
            return SendOutcome(transportError: error)
        }
    }
}

/// `listen --dry-run`: prints each Slack payload on stdout (one JSON document a line) and answers ok.
public struct DryRunSlackTransport: HTTPTransport {
    let output: Output

    public init(output: Output) {
        self.output = output
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        output.out(String(decoding: request.body ?? Data(), as: UTF8.self))
        return HTTPResponse(status: 200, body: Data("ok".utf8))
    }
}
