import Foundation

/// The work of `slack …`: setting up the Slack app.
public enum SlackCommands {
    /// `slack manifest --public-url URL [--actions-path PATH]`: prints the app manifest (JSON) on stdout
    /// and the next steps on stderr. The actions path is the flag's, else `[slack] actions_path` in
    /// config.toml, else `/slack/actions`.
    public static func manifest(publicURL: String, actionsPath: String?, context: CommandContext) throws {
        let path = try actionsPath ?? configuredActionsPath(context) ?? SlackAppManifest.defaultActionsPath
        let json = try SlackAppManifest.json(publicURL: publicURL, actionsPath: path)
        context.output.out(json)
        let requestURL = try SlackAppManifest.requestURL(publicURL: publicURL, actionsPath: path)
        context.output.err(
            "Next: at https://api.slack.com/apps choose Create New App → From a manifest, paste the JSON above and "
                + "install the app. Then give `listen` the Bot User OAuth Token (SLACK_BOT_TOKEN) and the signing "
                + "secret (SLACK_SIGNING_SECRET); Slack sends button clicks to \(requestURL).")
    }

    /// `[slack] actions_path` from config.toml, when the file and the key exist.
    private static func configuredActionsPath(_ context: CommandContext) throws -> String? {
        guard let config = try ConfigFile.load(from: context.paths.configFile),
            let table = try config.table("slack")
        else { return nil }
        return try config.string("actions_path", in: table, section: .table("slack"))
    }
}
