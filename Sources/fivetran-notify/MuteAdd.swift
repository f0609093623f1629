import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Mute {
    /// `mute add (--connector ID | --dbt-job ID | --group ID | --event E) --for DURATION [--reason TEXT]`
    struct Add: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Mute a connector, a dbt job, a destination group or an event; prints the mute's id.",
            discussion: """
                Examples:
                  fivetran-notify mute add --connector warrant_sheep --for 2h --reason "vendor maintenance"
                  fivetran-notify mute add --dbt-job nightly_models --for 8h
                  fivetran-notify mute add --group inappropriate_implode --for 1d
                  fivetran-notify mute add --event connection_failure --for 30m
                """)

        @Option(help: ArgumentHelp("A connector id.", valueName: "id"))
        var connector: String?

        @Option(help: ArgumentHelp("A dbt job (transformation) id: its runs' failures.", valueName: "id"))
        var dbtJob: String?

        @Option(help: ArgumentHelp("A destination group id: every connector loading into it.", valueName: "id"))
        var group: String?

        @Option(
            help: ArgumentHelp("An event name.", valueName: "event"),
            completion: .list(SampleDeliveries.eventNames))
        var event: String?

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp("How long: 90s, 15m, 2h, 1d, 1h30m.", valueName: "duration"))
        var duration: String

        @Option(help: "Why, for whoever reads `mute list` later.")
        var reason: String?

        @OptionGroup var state: StateOptions

        func validate() throws {
            let targets = [connector, dbtJob, group, event].compactMap { $0 }
            guard targets.count == 1 else {
                throw ValidationError("Give exactly one of --connector, --dbt-job, --group or --event.")
            }
            if let problem = DurationText.problem(duration, within: .upToAYear, example: "90s, 15m, 2h or 1d") {
                throw ValidationError("--for \(problem).")
            }
        }

        func run(in context: CommandContext) async throws {
            // validate() made sure exactly one target is given.
            let target = FivetranNotifyCore.Mute.Target(
                connector: connector, dbtJob: dbtJob, group: group, event: event)!
            try await MuteCommands.add(
                target: target, for: try DurationText.parse(duration, for: "--for", within: .upToAYear), reason: reason,
                stateDirectory: state.stateDir, database: state.database, context: context)
        }
    }
}
