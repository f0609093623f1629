import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook test ID [--event E]`: `POST /webhooks/{id}/test`; exit 0 only if Fivetran reports success.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Ask Fivetran to send a test event to a webhook; exits 0 only if the receiver answered 2xx.")

        @Argument(help: ArgumentHelp("The webhook id.", valueName: "id"))
        var id: String

        @Option(
            help: ArgumentHelp("The event Fivetran sends as a test.", valueName: "event"),
            completion: .list(WebhookEvents.known))
        var event = "sync_end"

        @OptionGroup var api: APIOptions

        func validate() throws {
            if let problem = WebhookInput.identifierProblem(id, what: "webhook id") {
                throw ValidationError(problem)
            }
            if event.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--event needs an event name, e.g. --event sync_end.")
            }
        }

        func run() async throws {
            try await run(CommandContext.live())
        }

        func run(_ ctx: CommandContext) async throws {
            let status = await runReportingErrors(ctx.output) {
                try await WebhookActions.test(id: id, event: event, api: api.callOptions, context: ctx)
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }
}
