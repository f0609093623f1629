import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook get ID`: one webhook.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Show one webhook.")

        @Argument(help: ArgumentHelp("The webhook id.", valueName: "id"))
        var id: String

        @OptionGroup var api: APIOptions

        func validate() throws {
            if let problem = WebhookInput.identifierProblem(id, what: "webhook id") {
                throw ValidationError(problem)
            }
        }

        func run() async throws {
            try await run(CommandContext.live())
        }

        func run(_ ctx: CommandContext) async throws {
            let status = await runReportingErrors(ctx.output) {
                try await WebhookActions.get(id: id, api: api.callOptions, context: ctx)
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }
}
