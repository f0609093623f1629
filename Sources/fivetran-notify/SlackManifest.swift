import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Slack {
    /// `slack manifest --public-url URL [--actions-path PATH]`.
    struct Manifest: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifest",
            abstract: "Print the Slack app manifest (JSON) for this listener.",
            discussion: """
                The manifest asks for the bot scopes chat:write and chat:write.public, adds a bot user, and points \
                interactivity (button clicks) at the listener's actions path on the host of --public-url. At \
                https://api.slack.com/apps choose Create New App → From a manifest, paste it, install the app, then \
                give `listen` the bot token (SLACK_BOT_TOKEN) and the signing secret (SLACK_SIGNING_SECRET).

                Examples:
                  fivetran-notify slack manifest --public-url https://alerts.example.com
                  fivetran-notify slack manifest --public-url https://alerts.example.com --actions-path /hooks/slack
                """)

        @Option(help: "The https address Slack reaches the listener at (http only for 127.0.0.1 or localhost).")
        var publicURL: String

        @Option(
            name: [.customLong("actions-path"), .customLong("slack-actions-path")],
            help: "The listener's path for button clicks (default: [slack] actions_path, else /slack/actions).")
        var actionsPath: String?

        func run(in context: CommandContext) async throws {
            try SlackCommands.manifest(publicURL: publicURL, actionsPath: actionsPath, context: context)
        }
    }
}
