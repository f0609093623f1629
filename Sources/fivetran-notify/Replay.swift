import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `replay --failed`: queue permanently failed Slack messages again.
    struct Replay: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Put the messages Slack refused for good back in the queue (after fixing the Slack URL).",
            discussion: """
                A running listener sends them within a few seconds; otherwise the next `listen` does.
                """)

        @Flag(help: "Re-queue the permanently failed messages (the only kind there is to replay).")
        var failed = false

        @OptionGroup var state: StateOptions

        func validate() throws {
            guard failed else { throw ValidationError("Say what to replay: --failed.") }
        }

        func run(in context: CommandContext) async throws {
            try await ReplayCommand.replayFailed(
                stateDirectory: state.stateDir, database: state.database, context: context)
        }
    }
}
