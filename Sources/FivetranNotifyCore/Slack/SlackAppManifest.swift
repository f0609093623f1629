import Foundation

/// The Slack app manifest `slack manifest` prints (slack-app.md "Settings"): the bot scopes the app mode
/// needs, a bot user, and interactivity pointing at the listener's actions path, so setting up the app
/// is "Create New App → From a manifest", paste, install, copy the token and the signing secret.
public enum SlackAppManifest {
    /// Where `listen` takes button clicks unless `--slack-actions-path` / `[slack] actions_path` say.
    public static let defaultActionsPath = "/slack/actions"
    /// `chat:write` posts and updates; `chat:write.public` posts in public channels without an invite.
    public static let botScopes = ["chat:write", "chat:write.public"]
    /// The app's and the bot user's name (what `/invite @fivetran-notify` names).
    public static let appName = "fivetran-notify"

    /// The interactivity Request URL: the scheme, host and port of `publicURL` followed by `actionsPath`.
    /// - Throws: `NotifyError` (exit 64) with a sentence when `publicURL` is not an https URL (http only
    ///   for this machine) or `actionsPath` is not a path.
    public static func requestURL(publicURL: String, actionsPath: String) throws -> String {
        try checkActionsPath(actionsPath)
        guard var components = URLComponents(string: publicURL.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            throw NotifyError(
                "--public-url \"\(publicURL.escapingControlCharacters)\" is not a URL: give the https address "
                    + "Slack reaches the listener at, like https://alerts.example.com.",
                exitCode: ExitStatus.usage)
        }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw NotifyError(
                "--public-url must be https:// (Slack sends button clicks only to https addresses; http is "
                    + "accepted for 127.0.0.1 and localhost alone), not \(scheme)://\(host).",
                exitCode: ExitStatus.usage)
        }
        guard components.user == nil, components.password == nil else {
            throw NotifyError(
                "--public-url must not carry a user or password: Slack signs its requests instead.",
                exitCode: ExitStatus.usage)
        }
        components.scheme = scheme
        components.path = actionsPath
        components.query = nil
        components.fragment = nil
        guard let url = components.string else {
            throw NotifyError("--public-url \"\(publicURL)\" is not a URL.", exitCode: ExitStatus.usage)
        }
        return url
    }

    /// The manifest as pretty JSON (keys sorted, so the output is stable).
    public static func json(publicURL: String, actionsPath: String = defaultActionsPath) throws -> String {
        let requestURL = try requestURL(publicURL: publicURL, actionsPath: actionsPath)
        let manifest: JSONValue = .object([
            "_metadata": .object(["major_version": .number(1), "minor_version": .number(1)]),
            "display_information": .object([
                "name": .string(appName),
                "description": .string(
                    "Fivetran sync and dbt failures that update in place, with Acknowledge, Mute and Re-sync."),
                "background_color": .string("#0073e6"),
            ]),
            "features": .object([
                "bot_user": .object(["display_name": .string(appName), "always_online": .bool(true)])
            ]),
            "oauth_config": .object(["scopes": .object(["bot": .array(botScopes.map { .string($0) })])]),
            "settings": .object([
                "interactivity": .object(["is_enabled": .bool(true), "request_url": .string(requestURL)]),
                "org_deploy_enabled": .bool(false),
                "socket_mode_enabled": .bool(false),
                "token_rotation_enabled": .bool(false),
            ]),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to JSON.
        return String(decoding: (try? encoder.encode(manifest)) ?? Data(), as: UTF8.self)
    }

    /// An actions path is an absolute URL path: `/` first, no query, fragment, space or `..`.
    public static func checkActionsPath(_ path: String) throws {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "%;"))
        guard path.hasPrefix("/"), !path.hasPrefix("//"), path.count <= 200,
            path.unicodeScalars.allSatisfy({ allowed.contains($0) }),
            !path.split(separator: "/").contains("..")
        else {
            throw NotifyError(
                "The actions path \"\(path.escapingControlCharacters)\" is not a URL path: give one that starts "
                    + "with / (default \(defaultActionsPath)), without a query or spaces.",
                exitCode: ExitStatus.usage)
        }
    }

    private static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }
}
