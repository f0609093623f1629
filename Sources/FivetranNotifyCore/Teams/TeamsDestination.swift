import Foundation
import Logging

/// Microsoft Teams (a Workflows "When a Teams webhook request is received" URL) as a destination:
/// renders notices into Adaptive Cards (see `TeamsCardRenderer`), posts them through the HTTP transport
/// and reads the answers (see `SendOutcome.init(teamsResponse:)`). Targets are stored as
/// `teams:<url>` (`dry-run:teams:<url>` under `listen --dry-run`).
public struct TeamsDestination: NoticeDestination {
    let transport: any HTTPTransport
    let logger: Logger
    /// The timeout of one post.
    let requestTimeout: Duration
    public let dryRun: Bool

    /// - Parameters:
    ///   - transport: how posts are made (libcurl; under `--dry-run` one that prints them).
    ///   - dryRun: handle only the targets queued by `listen --dry-run`, and leave real ones alone (and
    ///     the reverse without it).
    public init(
        transport: any HTTPTransport, logger: Logger, requestTimeout: Duration = sendTimeout, dryRun: Bool = false
    ) {
        self.transport = transport
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.dryRun = dryRun
    }

    public var kind: DestinationKind { .teams }

    public static func checkAddress(_ text: String) -> Result<String, TargetProblem> {
        WebURL.checked(
            text,
            hint: "copy the whole URL of the Teams workflow's \"When a Teams webhook request is received\" trigger",
            httpsRule: "use https://")
    }

    public func render(_ notice: Notice, now: Date) -> [Data] {
        TeamsCardRenderer.cards(for: notice, now: now).map { (notice.isTest ? $0.markedAsTest() : $0).jsonBody() }
    }

    public func send(_ body: Data, to target: String) async -> SendOutcome {
        guard let decoded = DestinationTarget(encoded: target), decoded.kind == .teams, !decoded.address.isEmpty
        else { return .permanent(status: 0, reason: "not a Microsoft Teams target: \(redacted(target))") }
        let request = HTTPRequest(
            method: "POST", url: decoded.address, headers: [("Content-Type", "application/json")], body: body,
            connectTimeout: .seconds(5), timeout: requestTimeout)
        let outcome: SendOutcome
        do {
            outcome = SendOutcome(teamsResponse: try await transport.send(request))
        } catch {
            outcome = SendOutcome(transportError: error)
        }
        if case .permanent(let status, let reason) = outcome {
            logger.warning(
                "<-- teams \(status): \(reason)", metadata: ["destination": "\(decoded.redacted)"])
        }
        return outcome
    }
}
