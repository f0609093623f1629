/// A message the bot posted: the channel id and `ts` exactly as Slack returned them (strings: a `ts`
/// read as a number can lose digits and silently miss the thread). What an incident keeps to update
/// its parent and reply in its thread.
public struct SlackMessageRef: Sendable, Equatable, Hashable, Codable {
    /// The channel id (`C…`, `G…`, `D…`), as Slack answered it even when the post named `#name`.
    public var channel: String
    /// The message's timestamp id, e.g. `1503435956.000247`.
    public var ts: String

    public init(channel: String, ts: String) {
        self.channel = channel
        self.ts = ts
    }

    /// `https://slack.com/archives/<channel>/p<ts without the dot>`: opens the message in Slack.
    public var link: String {
        "https://slack.com/archives/\(URLComponent.encoded(channel))/p\(ts.filter { $0 != "." })"
    }
}

/// What `auth.test` says about a bot token: the workspace and the bot it belongs to.
public struct SlackAuthIdentity: Sendable, Equatable {
    public var teamID: String?
    public var team: String?
    public var userID: String?
    public var botID: String?
    /// The workspace's URL (`https://example.slack.com/`).
    public var url: String?

    public init(
        teamID: String? = nil, team: String? = nil, userID: String? = nil, botID: String? = nil, url: String? = nil
    ) {
        self.teamID = teamID
        self.team = team
        self.userID = userID
        self.botID = botID
        self.url = url
    }
}

/// A successful post or update.
public struct SlackSent: Sendable, Equatable {
    /// Where the message is (for an update: the same message).
    public var message: SlackMessageRef
    /// Slack refused the Block Kit layout (`invalid_blocks`, a size error) and the plain `text` alone
    /// was accepted instead: worth a warning in the log.
    public var plainTextOnly: Bool

    public init(message: SlackMessageRef, plainTextOnly: Bool = false) {
        self.message = message
        self.plainTextOnly = plainTextOnly
    }
}
