import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Mute {
    /// `mute list [--json]`
    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show the active mutes: what they match, until when, and why.")

        @Flag(help: "Print the mutes as a JSON array.")
        var json = false

        @OptionGroup var state: StateOptions

        func run(in context: CommandContext) async throws {
            try await MuteCommands.list(
                json: json, stateDirectory: state.stateDir, database: state.database, context: context)
        }
    }
}
