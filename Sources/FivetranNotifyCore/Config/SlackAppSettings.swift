import Foundation

/// The Slack app settings as flags give them (nil: not given).
public struct SlackAppFlags: Sendable {
    /// `--slack-bot-token`.
    public var botToken: String?
    /// `--slack-signing-secret`.
    public var signingSecret: String?
    /// `--slack-actions-path`.
    public var actionsPath: String?

    public init(botToken: String? = nil, signingSecret: String? = nil, actionsPath: String? = nil) {
        self.botToken = botToken
        self.signingSecret = signingSecret
        self.actionsPath = actionsPath
    }
}

/// Reads the Slack app settings of slack-app.md: each from its flag, else its environment variable, else
/// config.toml (`slack_bot_token` / `slack_bot_token_env`, `slack_signing_secret` / `…_env` at the top
/// level; `[slack]` with `api_url`, `actions_path`, `mute_for`, `allowed_users`).
public enum SlackAppSettings {
    private static let tableKeys: Set<String> = ["api_url", "actions_path", "mute_for", "allowed_users"]

    /// The three ways to give the bot token, for sentences.
    public static let tokenWays =
        "--slack-bot-token, SLACK_BOT_TOKEN, or slack_bot_token (or slack_bot_token_env) "
        + "in config.toml"

    /// The settings; nil when no bot token is given anywhere.
    public static func resolve(
        flags: SlackAppFlags, environment: [String: String], config: ConfigFile?, canResync: Bool
    ) throws -> SlackAppOptions? {
        let table = try config?.table("slack")
        if let config, let table {
            for key in table.keys where !tableKeys.contains(key) {
                throw config.error(
                    "[slack]: unknown key \"\(key)\" (known: \(tableKeys.sorted().joined(separator: ", ")))",
                    key: key, section: .table("slack"))
            }
        }
        guard
            let token = try secret(
                "slack_bot_token", flag: flags.botToken, variable: "SLACK_BOT_TOKEN", environment: environment,
                config: config)
        else { return nil }
        guard token.hasPrefix("xoxb-") || token.hasPrefix("xoxe.xoxb-") else {
            throw NotifyError(
                "The Slack bot token (\(SlackWebAPIClient.redacted(token))) does not start with xoxb-; copy the Bot "
                    + "User OAuth Token from the app's OAuth & Permissions page (not a user or app-level token).",
                exitCode: ExitStatus.usage)
        }
        var options = SlackAppOptions(token: token, canResync: canResync)
        options.signingSecret = try secret(
            "slack_signing_secret", flag: flags.signingSecret, variable: "SLACK_SIGNING_SECRET",
            environment: environment, config: config)
        let section = ConfigSection.table("slack")
        var apiURL = clean(environment["SLACK_API_URL"])
        if apiURL == nil, let config, let table {
            apiURL = clean(try config.string("api_url", in: table, section: section))
        }
        if let apiURL {
            let lowered = apiURL.lowercased()
            guard
                lowered.hasPrefix("https://") || lowered.hasPrefix("http://127.0.0.1")
                    || lowered.hasPrefix("http://localhost")
            else {
                throw NotifyError(
                    "The Slack Web API URL (SLACK_API_URL or [slack] api_url) is not an https:// URL; remove it to "
                        + "use \(SlackWebAPIClient.defaultBaseURL).", exitCode: ExitStatus.usage)
            }
            options.apiURL = apiURL
        }
        var path = clean(flags.actionsPath)
        if path == nil, let config, let table {
            path = clean(try config.string("actions_path", in: table, section: section))
        }
        if let path {
            try SlackAppManifest.checkActionsPath(path)
            options.actionsPath = path
        }
        if let config, let table {
            if let text = try config.string("mute_for", in: table, section: section) {
                options.muteFor = try DurationText.read(text, within: .longWait, example: "30m, 4h or 1d")
                    .mapError { config.error("[slack] mute_for: \($0.sentence)", key: "mute_for", section: section) }
                    .get()
            }
            if let value = table["allowed_users"] {
                guard let list = value.arrayValue,
                    list.allSatisfy({ $0.stringValue?.hasPrefix("U") == true || $0.stringValue?.hasPrefix("W") == true }
                    )
                else {
                    throw config.error(
                        "[slack] allowed_users must be a list of Slack user ids, like [\"U024BE7LH\"]",
                        key: "allowed_users", section: section)
                }
                options.allowedUsers = list.compactMap(\.stringValue)
            }
        }
        return options
    }

    /// A secret from its flag, its variable, or config.toml's `key` / `key_env`.
    private static func secret(
        _ key: String, flag: String?, variable: String, environment: [String: String], config: ConfigFile?
    ) throws -> String? {
        if let value = clean(flag) { return value }
        if let value = clean(environment[variable]) { return value }
        guard let config else { return nil }
        switch (try config.string(key), try config.string(key + "_env")) {
        case (let literal?, nil):
            return clean(literal)
        case (nil, let name?):
            guard let value = clean(environment[name]) else {
                throw config.error(
                    "\(key)_env names \(name), which is not set; export it before starting listen", key: key + "_env")
            }
            return value
        case (.some, .some):
            throw config.error("give \(key) or \(key)_env, not both", key: key + "_env")
        case (nil, nil):
            return nil
        }
    }

    private static func clean(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
