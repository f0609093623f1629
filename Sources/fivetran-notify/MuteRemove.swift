import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Mute {
    /// `mute remove MUTE_ID` / `mute remove --connector ID`
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "End a mute early, by its id or by the connector it mutes.")

        @Argument(help: ArgumentHelp("The mute's id (from `mute add` or `mute list`).", valueName: "mute-id"))
        var id: String?

        @Option(help: ArgumentHelp("End every mute of this connector.", valueName: "id"))
        var connector: String?

        @OptionGroup var state: StateOptions

        func validate() throws {
            guard (id == nil) != (connector == nil) else {
                throw ValidationError("Give a mute id or --connector ID (one of them).")
            }
        }

        func run() async throws {
            try await run(CommandContext.live())
        }

        func run(_ ctx: CommandContext) async throws {
            let status = await runReportingErrors(ctx.output) {
                try await MuteCommands.remove(
                    id: id, target: connector.map { .connector($0) }, stateDirectory: state.directory(ctx),
                    context: ctx)
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }
}
