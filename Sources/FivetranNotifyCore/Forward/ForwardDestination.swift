import Crypto
import Foundation
import Logging

/// Any HTTPS endpoint as a destination (destinations.md): each notice is posted as the documented JSON
/// (`ForwardNotice`) with Standard Webhooks headers — `webhook-id` (the notice id, the same on every
/// retry), `webhook-timestamp`, and `webhook-signature` when the target has a secret. Targets are
/// `forward:<url>`, or `forward:<url>\t<secret>`.
public struct ForwardDestination: NoticeDestination {
    let transport: any HTTPTransport
    let logger: Logger
    /// The timeout of one post.
    let requestTimeout: Duration
    public let dryRun: Bool
    /// The time of each attempt, for `webhook-timestamp`.
    let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - transport: how posts are made (libcurl; under `--dry-run` one that prints them).
    ///   - dryRun: handle only the targets queued by `listen --dry-run` (and the reverse without it).
    ///   - clock: the time of an attempt, for `webhook-timestamp` (and the signature over it).
    public init(
        transport: any HTTPTransport, logger: Logger, requestTimeout: Duration = sendTimeout, dryRun: Bool = false,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.transport = transport
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.dryRun = dryRun
        self.clock = clock
    }

    public var kind: DestinationKind { .forward }

    /// Ten times Slack's pace, bursts of ten.
    public static var capabilities: DestinationCapabilities {
        DestinationCapabilities(pacingScale: 0.1, minimumBurst: 10)
    }

    public static func checkAddress(_ text: String) -> Result<String, TargetProblem> {
        WebURL.checked(text, hint: "give the full https:// URL of the endpoint", httpsRule: "use https://")
    }

    /// Whether a signing secret can sign: a `whsec_` one must be base64 after the prefix.
    public static func isUsable(secret: String) -> Bool {
        (try? StandardWebhookSignature.sign(id: "msg", timestamp: 0, body: Data(), secret: secret)) != nil
    }

    public func render(_ notice: Notice, now: Date) -> [Data] {
        [ForwardNotice.body(for: notice, now: now)]
    }

    public func send(_ body: Data, to target: String) async -> SendOutcome {
        guard let decoded = DestinationTarget(encoded: target), decoded.kind == .forward else {
            return .permanent(status: 0, reason: "not a forward target")
        }
        let now = clock()
        let id = Self.webhookID(of: body)
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
        ]
        if let secret = decoded.secret, !secret.isEmpty {
            do {
                let signature = try StandardWebhookSignature.sign(
                    id: id, timestamp: timestamp, body: body, secret: secret)
                headers.append(("webhook-signature", signature))
            } catch {
                logger.error(
                    "forward_secret for \(decoded.redacted) is not usable: \(error)",
                    metadata: ["destination": "\(decoded.redacted)"])
                return .permanent(status: 0, reason: "\(error); nothing was sent")
            }
        }
        let request = HTTPRequest(
            method: "POST", url: decoded.address, headers: headers, body: body, connectTimeout: .seconds(5),
            timeout: requestTimeout)
        do {
            return SendOutcome(forwardResponse: try await transport.send(request), now: now)
        } catch {
            return .transient(reason: String(describing: error))
        }
    }

    /// The body's `id` (`ForwardNotice.id`); for a body without one, a digest of the body, which is
    /// as stable across retries.
    static func webhookID(of body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = object["id"] as? String, !id.isEmpty
        {
            return id
        }
        let digest = SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined()
        return "ntc_" + digest
    }
}
