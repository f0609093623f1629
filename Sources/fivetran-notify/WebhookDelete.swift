import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook delete ID [--yes]`: `DELETE /webhooks/{id}`, after confirmation.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a webhook (asks first on a terminal; needs --yes otherwise).")

        @Argument(help: ArgumentHelp("The webhook id.", valueName: "id"))
        var id: String

        @Flag(name: [.customShort("y"), .long], help: "Delete without asking.")
        var yes = false

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
                try await WebhookActions.delete(id: id, yes: yes, api: api.callOptions, context: ctx)
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }
}
