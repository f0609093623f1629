import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `status [--json]`: what the listener's state directory holds.
    struct Status: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the Slack queue, the connectors failing now and the active mutes.",
            discussion: """
                Reads the state directory, so it works while a listener runs. --json prints the keys pending, \
                failed, delivered, failing and mutes.
                """)

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var state: StateOptions

        func run(in context: CommandContext) async throws {
            try await StatusCommand.run(
                json: json, stateDirectory: state.stateDir, database: state.database, context: context)
        }
    }
}
