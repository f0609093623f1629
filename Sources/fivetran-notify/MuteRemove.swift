import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Mute {
    /// `mute remove MUTE_ID` / `mute remove --connector ID` (or `--dbt-job ID`, `--group ID`, `--event E`)
    struct Remove: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "End a mute early, by its id or by what it mutes.")

        @Argument(help: ArgumentHelp("The mute's id (from `mute add` or `mute list`).", valueName: "mute-id"))
        var id: String?

        @Option(help: ArgumentHelp("End every mute of this connector.", valueName: "id"))
        var connector: String?

        @Option(help: ArgumentHelp("End every mute of this dbt job.", valueName: "id"))
        var dbtJob: String?

        @Option(help: ArgumentHelp("End every mute of this destination group.", valueName: "id"))
        var group: String?

        @Option(
            help: ArgumentHelp("End every mute of this event.", valueName: "event"),
            completion: .list(SampleDeliveries.eventNames))
        var event: String?

        @OptionGroup var state: StateOptions

        func validate() throws {
            guard [id, connector, dbtJob, group, event].compactMap({ $0 }).count == 1 else {
                throw ValidationError("Give a mute id, or one of --connector ID, --dbt-job ID, --group ID, --event E.")
            }
        }

        func run(in context: CommandContext) async throws {
            try await MuteCommands.remove(
                id: id,
                target: FivetranNotifyCore.Mute.Target(
                    connector: connector, dbtJob: dbtJob, group: group, event: event),
                stateDirectory: state.stateDir, database: state.database, context: context)
        }
    }
}
