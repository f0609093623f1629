import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Mute {
    /// `mute list [--json]`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show the active mutes: what they match, until when, and why.")

        @Flag(help: "Print the mutes as a JSON array.")
        var json = false

        @OptionGroup var state: StateOptions

        func run() async throws {
            try await run(CommandContext.live())
        }

        func run(_ ctx: CommandContext) async throws {
            let status = await runReportingErrors(ctx.output) {
                try await MuteCommands.list(json: json, stateDirectory: state.stateDir, context: ctx)
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }
}
