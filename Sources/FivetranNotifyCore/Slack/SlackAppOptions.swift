import Foundation

/// The installation's Slack app settings (slack-app.md "Settings"): one bot token for every route that
/// names a `slack_channel`, the Web API base, and what turns buttons on. Holds secrets: its
/// `description` shows the last 4 characters of each at most.
public struct SlackAppOptions: Sendable, CustomStringConvertible {
    /// The bot token (`xoxb-…`).
    public var token: String
    /// The Web API base (`SLACK_API_URL` / `[slack] api_url`).
    public var apiURL: String
    /// The signing secret: buttons are shown, and clicks verified, only with one.
    public var signingSecret: String?
    /// Where Slack posts clicks (`--slack-actions-path` / `[slack] actions_path`).
    public var actionsPath: String
    /// How long the Mute button mutes (`[slack] mute_for`).
    public var muteFor: Duration
    /// Who may press buttons (`[slack] allowed_users`); empty: everyone who sees the message.
    public var allowedUsers: [String]
    /// API credentials are configured: notices about one connection get Re-sync.
    public var canResync: Bool

    public static let defaultMuteFor: Duration = .seconds(4 * 3600)

    public init(
        token: String, apiURL: String = SlackWebAPIClient.defaultBaseURL, signingSecret: String? = nil,
        actionsPath: String = SlackAppManifest.defaultActionsPath, muteFor: Duration = defaultMuteFor,
        allowedUsers: [String] = [], canResync: Bool = false
    ) {
        self.token = token
        self.apiURL = apiURL
        self.signingSecret = signingSecret
        self.actionsPath = actionsPath
        self.muteFor = muteFor
        self.allowedUsers = allowedUsers
        self.canResync = canResync
    }

    /// Buttons are on.
    public var hasButtons: Bool { signingSecret != nil }

    public var description: String {
        "Slack app (token \(SlackWebAPIClient.redacted(token)), \(apiURL)"
            + (signingSecret.map { ", signing secret \(SlackWebAPIClient.redacted($0))" } ?? ", no buttons") + ")"
    }
}
