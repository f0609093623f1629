import ArgumentParser
import FivetranNotifyCore

/// A command whose work runs against a `CommandContext`: each command implements only `run(in:)`, which
/// hands its parsed arguments to the core. Running it, for real or in a test with a context of its
/// own, goes through `run(_:)`: a failure becomes one message on the context's stderr, in the core's
/// words, and the exit status of the contract.
protocol ContextCommand: AsyncParsableCommand {
    /// The command's work; failures are thrown as they are.
    func run(in context: CommandContext) async throws
}

extension ContextCommand {
    /// Runs in the real world (`CommandContext.live()`).
    func run() async throws {
        try await run(CommandContext.live())
    }

    /// Runs against `context`, reporting a failure there and ending with its exit status.
    func run(_ context: CommandContext) async throws {
        let status = await runReportingErrors(context.output) { try await run(in: context) }
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}
