import ArgumentParser

extension FivetranNotifyCommand {
    /// `fivetran-notify slack …`: set up the Slack app (bot token and buttons).
    struct Slack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "slack",
            abstract: "Set up the Slack app: alerts that update in place, with buttons.",
            subcommands: [Manifest.self]
        )
    }
}
