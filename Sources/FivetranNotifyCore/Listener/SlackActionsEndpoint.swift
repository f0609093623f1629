import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST <actions_path>`: Slack's button clicks (slack-app.md "Buttons"). The v0 signature is checked
/// first (constant time, 5-minute window; 401 otherwise, logged at most once per 10 s, every one
/// counted), then the click is read (400 when malformed) and recorded durably, once per click key,
/// before the 200 with an empty body. Acting on it is `SlackClickWorker`'s, after the answer.
public struct SlackActionsEndpoint: Sendable {
    let path: String
    let verifier: SlackRequestVerifier
    let store: any StateStore
    let metrics: ListenerMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    private let rejections = RejectionLog()

    /// Clicks are small: a larger body is refused unread.
    static let maxBodySize = 64 << 10

    public init(
        path: String, signingSecret: String, store: any StateStore, metrics: ListenerMetrics, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.path = path
        verifier = SlackRequestVerifier(signingSecret: signingSecret)
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    func handle(_ request: Request) async -> Response {
        let body: Data
        do {
            body = Data(
                try await DeliveryEndpoint.collect(request.body, capacity: nil, limit: Self.maxBodySize)
                    .readableBytesView)
        } catch {
            return refuse(.contentTooLarge, "--> slack click refused: body over \(Self.maxBodySize) bytes (413)")
        }
        if let rejection = verifier.rejection(
            body: body, timestamp: request.headers[values: HTTPField.Name(SlackRequestVerifier.timestampHeader)!].first,
            signature: request.headers[values: HTTPField.Name(SlackRequestVerifier.signatureHeader)!].first, now: now())
        {
            return refuse(.unauthorized, "--> slack click refused (401): \(rejection.reason)")
        }
        let action: SlackBlockAction
        do {
            action = try SlackBlockAction.parse(formBody: body)
        } catch {
            return refuse(.badRequest, "--> slack click refused (400): \(error.reason)")
        }
        do {
            if try await store.recordClick(key: action.clickKey, body: body, at: now()) {
                metrics.slackActionsRecorded.increment()
                logger.info(
                    "--> slack click \(action.actionID) by \(action.userID.escapingControlCharacters)",
                    metadata: ["click": "\(action.clickKey.escapingControlCharacters)"])
            } else {
                logger.info("--> slack click delivered again (acted on once)")
            }
        } catch {
            // Not recorded: Slack shows the clicker an error and nothing was done.
            logger.error("cannot record a Slack click: \(store.failureText(error))")
            return Response(status: .serviceUnavailable)
        }
        return Response(status: .ok)
    }

    private func refuse(_ status: HTTPTypes.HTTPResponse.Status, _ line: String) -> Response {
        metrics.slackActionsRejected.increment()
        if let suffix = rejections.admit(now: now()) { logger.warning("\(line)\(suffix)") }
        return Response(status: status)
    }
}
