import Foundation

/// A Slack Web API call that did not succeed, read as slack-app.md "Answers from Slack" says: what to do
/// next (`kind`), Slack's error code, and one sentence for the operator that says what to do about it.
/// Never carries the token (at most its last 4 characters).
public struct SlackAPIFailure: Error, PersonFacingError, Sendable, Equatable, CustomStringConvertible {
    /// What the caller should do next.
    public enum Kind: Sendable, Equatable {
        /// `ratelimited`, HTTP 429 (or the free plan's message limit): wait at least `retryAfter` (Slack's
        /// hint, when it gave one), then go on paced. Never dropped.
        case rateLimited(retryAfter: Duration?)
        /// 5xx, `internal_error`, `service_unavailable`, a timeout, no answer at all: retry with backoff.
        case transient
        /// The message to update or reply to is gone or not the bot's (`message_not_found`,
        /// `cant_update_message`, `edit_window_closed`, `thread_not_found`, `invalid_thread_ts`,
        /// `cannot_reply_to_message`): not an error; post a new channel message instead.
        case messageGone
        /// Slack refused the message itself (`invalid_blocks`, `msg_too_long`, …): never send it unchanged.
        /// The client has already tried the plain text once when it could.
        case refusedContent
        /// For good for this message (`channel_not_found`, `not_in_channel`, `invalid_auth`,
        /// `token_revoked`, `missing_scope`, …): kept as failed and replayable; `sentence` says the fix.
        case permanent
    }

    public let kind: Kind
    /// The Web API method, e.g. `chat.postMessage`.
    public let method: String
    /// The HTTP status of the answer; 0 when there was none.
    public let status: Int
    /// Slack's `error` code (`channel_not_found`), else `HTTP 503`, else the transport's reason.
    public let error: String
    /// What happened and what to do, in one line.
    public let sentence: String

    public init(kind: Kind, method: String, status: Int, error: String, sentence: String) {
        self.kind = kind
        self.method = method
        self.status = status
        self.error = error
        self.sentence = sentence
    }

    public var description: String { sentence }
    public var message: String { sentence }
    public var exitCode: Int32 {
        switch error {
        case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope":
            return ExitStatus.credentials
        default:
            return ExitStatus.failure
        }
    }

    /// The outcome the dispatcher schedules by: rate limited and transient failures are retried;
    /// everything else is kept as failed with the sentence as its reason. (`messageGone` is the caller's
    /// to turn into a new message before it gets here.)
    public var sendOutcome: SendOutcome {
        switch kind {
        case .rateLimited(let retryAfter): return .rateLimited(retryAfter: retryAfter)
        case .transient: return .transient(reason: sentence)
        case .messageGone, .refusedContent, .permanent: return .permanent(status: status, reason: sentence)
        }
    }
}

extension SlackAPIFailure {
    /// The free plan's message limit (`message_limit_exceeded`): waited out at least this long.
    public static let messageLimitWait: Duration = .seconds(15 * 60)

    /// Reads an answer of `method` that is not a success. `channel` names the channel in sentences.
    static func classify(
        _ response: HTTPResponse, method: String, channel: String?, tokenHint: String, now: Date
    ) -> SlackAPIFailure {
        let status = response.status
        let object = (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue
        let code = object?["error"]?.stringValue.map(Self.safeCode)
        let inChannel = channel.map { " in channel \(Self.safeCode($0))" } ?? ""
        func make(_ kind: Kind, _ error: String, _ sentence: String) -> SlackAPIFailure {
            SlackAPIFailure(kind: kind, method: method, status: status, error: error, sentence: sentence)
        }
        if status == 429 || code == "ratelimited" || code == "rate_limited" {
            let wait = response.retryAfter(now: now)
            let after = wait.map { ", asking to wait \(Self.seconds($0))" } ?? ""
            return make(
                .rateLimited(retryAfter: wait), code ?? "ratelimited",
                "Slack rate-limited \(method)\(after) (\(code ?? "HTTP 429")); it is sent again after the wait, paced.")
        }
        guard let code else {
            let error = "HTTP \(status)"
            if (500...599).contains(status) || status == 408 || status == 425 {
                return make(
                    .transient, error, "Slack answered \(method) with HTTP \(status); it is retried with backoff.")
            }
            if (200...299).contains(status) {
                return make(
                    .transient, error,
                    "Slack's answer to \(method) was not Slack's JSON (HTTP \(status)); it is retried. If this "
                        + "persists, check SLACK_API_URL / [slack] api_url and any proxy in between.")
            }
            return make(
                .permanent, error,
                "Slack answered \(method) with HTTP \(status): check SLACK_API_URL / [slack] api_url "
                    + "(default https://slack.com/api).")
        }
        switch code {
        case "channel_not_found":
            return make(
                .permanent, code,
                "Slack finds no channel the app can see\(inChannel) (channel_not_found): check the channel id, and "
                    + "invite the app to a private channel: /invite @fivetran-notify.")
        case "not_in_channel":
            return make(
                .permanent, code,
                "The app is not a member of the channel\(inChannel) (not_in_channel): invite the app to the "
                    + "channel: /invite @fivetran-notify.")
        case "is_archived", "is_inactive":
            return make(
                .permanent, code,
                "The channel\(inChannel) is archived (\(code)): unarchive it or give the route another slack_channel.")
        case "invalid_auth":
            return make(
                .permanent, code,
                "Slack refused the bot token \(tokenHint) (invalid_auth): give a valid xoxb- token with "
                    + "--slack-bot-token, SLACK_BOT_TOKEN or slack_bot_token (an IP allow list on the app can "
                    + "also cause this).")
        case "not_authed":
            return make(
                .permanent, code,
                "Slack received no bot token (not_authed): give one with --slack-bot-token, SLACK_BOT_TOKEN or "
                    + "slack_bot_token.")
        case "token_revoked":
            return make(
                .permanent, code,
                "Reinstall the app: the token was revoked (token_revoked, token \(tokenHint)); then give the new "
                    + "bot token.")
        case "account_inactive":
            return make(
                .permanent, code,
                "Reinstall the app: its bot user or workspace is deactivated (account_inactive, token "
                    + "\(tokenHint)); then give the new bot token.")
        case "token_expired":
            return make(
                .permanent, code,
                "The bot token \(tokenHint) expired (token_expired): turn off token rotation for the app, "
                    + "reinstall it and give the new bot token.")
        case "missing_scope":
            let needed = object?["needed"]?.stringValue.map(Self.safeCode) ?? "chat:write"
            let provided = object?["provided"]?.stringValue.map { "; it has \(Self.safeCode($0))" } ?? ""
            return make(
                .permanent, code,
                "The bot token lacks the scope \(needed) (missing_scope\(provided)): add chat:write and "
                    + "chat:write.public under OAuth & Permissions, reinstall the app and give the new token.")
        case "message_limit_exceeded":
            let wait = max(response.retryAfter(now: now) ?? .zero, messageLimitWait)
            return make(
                .rateLimited(retryAfter: wait), code,
                "The workspace reached its free-plan message limit (message_limit_exceeded): sending waits "
                    + "\(Self.seconds(wait)) and goes on; upgrade the plan to lift it.")
        case "message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found",
            "invalid_thread_ts", "cannot_reply_to_message":
            return make(
                .messageGone, code,
                "The message\(inChannel) can no longer be updated or replied to (\(code)): a new message is posted.")
        case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long", "no_text",
            "too_many_attachments", "block_mismatch", "invalid_attachments", "metadata_too_large",
            "no_dual_broadcast_content_update":
            return make(
                .refusedContent, code, "Slack refused the message of \(method) (\(code)); it is not sent unchanged.")
        case _ where code.hasPrefix("invalid_metadata"):
            return make(
                .refusedContent, code, "Slack refused the message of \(method) (\(code)); it is not sent unchanged.")
        case "internal_error", "service_unavailable", "request_timeout", "fatal_error", "update_failed",
            "team_added_to_org":
            return make(.transient, code, "Slack failed \(method) (\(code)); it is retried with backoff.")
        case _ where code.hasPrefix("restricted_action") || code == "no_permission" || code == "ekm_access_denied":
            return make(
                .permanent, code,
                "Slack does not let the app post\(inChannel) (\(code)): check who may post there (a workspace "
                    + "admin can), or give the route another slack_channel.")
        default:
            if (500...599).contains(status) {
                return make(.transient, code, "Slack failed \(method) (\(code)); it is retried with backoff.")
            }
            return make(.permanent, code, "Slack refused \(method)\(inChannel) (\(code)); it is kept as failed.")
        }
    }

    /// A request that got no HTTP answer (DNS, connect, TLS, timeout): retried.
    static func noAnswer(_ error: any Error, method: String) -> SlackAPIFailure {
        let reason = (error as? HTTPTransportError)?.description ?? "the request failed"
        return SlackAPIFailure(
            kind: .transient, method: method, status: 0, error: reason,
            sentence: "No answer from Slack to \(method) (\(reason)); it is retried with backoff.")
    }

    /// A code or id from an answer made safe for a one-line log: at most 100 characters, no controls.
    static func safeCode(_ text: String) -> String {
        String(text.prefix(100)).escapingControlCharacters
    }

    private static func seconds(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds < 120 ? "\(seconds) s" : "\(seconds / 60) min"
    }
}
