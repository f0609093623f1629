import Foundation

/// Slack's Web API with a bot token, for the app mode: `chat.postMessage`, `chat.update` and `auth.test`
/// over an `HTTPTransport` (libcurl in production; real HTTP to a fake in tests). Each call is one
/// attempt: its answer is read into a success or a `SlackAPIFailure` saying what to do next (wait,
/// retry, post anew, keep as failed); scheduling retries is the dispatcher's. The one exception: when
/// Slack refuses a layout (`invalid_blocks`, a size error), the plain `text` alone is tried once.
///
/// Requests: `POST <baseURL>/<method>`, `Authorization: Bearer xoxb-…`, a JSON body with
/// `Content-Type: application/json; charset=utf-8`. The token never appears in a failure or a trace
/// (`tokenHint`: its last 4 characters).
public struct SlackWebAPIClient: Sendable {
    /// Slack's Web API base (`SLACK_API_URL` / `[slack] api_url` point elsewhere, e.g. at a fake).
    public static let defaultBaseURL = "https://slack.com/api"

    public let baseURL: String
    private let token: String
    public let transport: any HTTPTransport
    /// How long one call may take.
    public let timeout: Duration
    /// The clock, for a `Retry-After` given as an HTTP date.
    public let now: @Sendable () -> Date
    /// Awaited before each `chat.update`: its own rate limit (Tier 3), apart from posting's.
    public var updatePace: (@Sendable () async -> Void)?

    public init(
        baseURL: String = defaultBaseURL, token: String, transport: any HTTPTransport,
        timeout: Duration = sendTimeout, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        self.transport = transport
        self.timeout = timeout
        self.now = now
    }

    /// The token as messages may show it: `…abcd` (its last 4 characters; nothing of a short one).
    public var tokenHint: String { Self.redacted(token) }

    /// `…abcd`: the last 4 characters of a secret of at least 12, else `…`.
    public static func redacted(_ secret: String) -> String {
        secret.count >= 12 ? "…" + String(secret.suffix(4)) : "…"
    }

    // MARK: - Methods

    /// `chat.postMessage`: posts `message` (its `text` and `blocks`) to `channel` (an id or `#name`),
    /// as a reply in the thread of `thread` when given (`broadcast` also shows the reply in the channel).
    /// Link and media previews are off. Returns where the message is (the channel id and `ts` Slack
    /// answered).
    public func postMessage(
        _ message: SlackMessage, to channel: String, inThreadOf thread: String? = nil, broadcast: Bool = false
    ) async -> Result<SlackSent, SlackAPIFailure> {
        let body = Self.postMessageBody(message, to: channel, inThreadOf: thread, broadcast: broadcast)
        let first = await call("chat.postMessage", body: body, channel: channel)
        switch first {
        case .success(let answer):
            return Self.sent(answer, method: "chat.postMessage", plainTextOnly: false)
        case .failure(let failure) where failure.kind == .refusedContent && !message.blocks.isEmpty:
            let plain = Self.postMessageBody(
                SlackMessage(text: message.text), to: channel, inThreadOf: thread, broadcast: broadcast)
            return await call("chat.postMessage", body: plain, channel: channel).flatMap {
                Self.sent($0, method: "chat.postMessage", plainTextOnly: true)
            }
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// `chat.update`: replaces the message at `ref` with `message` (`text` and `blocks` together, so the
    /// blocks are replaced, not dropped). A failure of kind `messageGone` means: post a new message.
    public func updateMessage(_ ref: SlackMessageRef, to message: SlackMessage) async -> Result<
        SlackSent, SlackAPIFailure
    > {
        await updatePace?()
        let first = await call("chat.update", body: Self.updateBody(ref, to: message), channel: ref.channel)
        switch first {
        case .success(let answer):
            return Self.sent(answer, method: "chat.update", plainTextOnly: false, fallback: ref)
        case .failure(let failure) where failure.kind == .refusedContent && !message.blocks.isEmpty:
            let plain = Self.updateBody(ref, to: SlackMessage(text: message.text))
            await updatePace?()
            return await call("chat.update", body: plain, channel: ref.channel).flatMap {
                Self.sent($0, method: "chat.update", plainTextOnly: true, fallback: ref)
            }
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// `auth.test`: whether the token works, and whose it is.
    public func authTest() async -> Result<SlackAuthIdentity, SlackAPIFailure> {
        await call("auth.test", body: Data("{}".utf8), channel: nil).map { answer in
            SlackAuthIdentity(
                teamID: answer["team_id"]?.stringValue, team: answer["team"]?.stringValue,
                userID: answer["user_id"]?.stringValue, botID: answer["bot_id"]?.stringValue,
                url: answer["url"]?.stringValue)
        }
    }

    // MARK: - Bodies

    /// The JSON body of a `chat.postMessage` (keys sorted; for `--dry-run` too: it holds no token).
    public static func postMessageBody(
        _ message: SlackMessage, to channel: String, inThreadOf thread: String? = nil, broadcast: Bool = false
    ) -> Data {
        var object: [String: JSONValue] = [
            "channel": .string(channel), "text": .string(message.text),
            "unfurl_links": .bool(false), "unfurl_media": .bool(false),
        ]
        if !message.blocks.isEmpty { object["blocks"] = .array(message.blocks) }
        if let thread {
            object["thread_ts"] = .string(thread)
            if broadcast { object["reply_broadcast"] = .bool(true) }
        }
        return SlackMessage.compactJSON(.object(object))
    }

    /// The JSON body of a `chat.update`.
    public static func updateBody(_ ref: SlackMessageRef, to message: SlackMessage) -> Data {
        var object: [String: JSONValue] = [
            "channel": .string(ref.channel), "ts": .string(ref.ts), "text": .string(message.text),
        ]
        if !message.blocks.isEmpty { object["blocks"] = .array(message.blocks) }
        return SlackMessage.compactJSON(.object(object))
    }

    // MARK: - Exchange

    /// One call: the answer's JSON object when Slack said `ok: true`, else the failure.
    private func call(_ method: String, body: Data, channel: String?) async -> Result<JSONValue, SlackAPIFailure> {
        let request = HTTPRequest(
            method: "POST", url: "\(baseURL)/\(method)",
            headers: [
                ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json; charset=utf-8"),
                ("Accept", "application/json"),
            ],
            body: body, connectTimeout: .seconds(5), timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(.noAnswer(error, method: method))
        }
        if response.isSuccess, let answer = try? JSONDecoder().decode(JSONValue.self, from: response.body),
            answer["ok"]?.boolValue == true
        {
            return .success(answer)
        }
        return .failure(
            .classify(response, method: method, channel: channel, tokenHint: tokenHint, now: now()))
    }

    /// The message an `ok` answer names: its `channel` and `ts` as strings (`fallback` for an update
    /// whose answer leaves them out).
    private static func sent(
        _ answer: JSONValue, method: String, plainTextOnly: Bool, fallback: SlackMessageRef? = nil
    ) -> Result<SlackSent, SlackAPIFailure> {
        if let channel = answer["channel"]?.stringValue, let ts = answer["ts"]?.stringValue, !channel.isEmpty,
            !ts.isEmpty
        {
            return .success(SlackSent(message: SlackMessageRef(channel: channel, ts: ts), plainTextOnly: plainTextOnly))
        }
        if let fallback { return .success(SlackSent(message: fallback, plainTextOnly: plainTextOnly)) }
        // Accepted, but without a string ts nothing can be threaded or updated: say so, do not resend.
        return .failure(
            SlackAPIFailure(
                kind: .permanent, method: method, status: 200, error: "no_ts",
                sentence: "Slack accepted \(method) but its answer named no channel and ts (as strings); the "
                    + "message was posted but cannot be updated or threaded. Check SLACK_API_URL / [slack] api_url."))
    }
}
