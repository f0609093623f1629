import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook test ID [--event E]`: `POST /webhooks/{id}/test`; exit 0 only if Fivetran reports success.
    struct Test: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Ask Fivetran to send a test event to a webhook; exits 0 only if the receiver answered 2xx.")

        @OptionGroup var webhook: WebhookIDArgument

        @Option(
            help: ArgumentHelp("The event Fivetran sends as a test.", valueName: "event"),
            completion: .list(WebhookEvents.known))
        var event = "sync_end"

        @OptionGroup var api: APIOptions

        func validate() throws {
            try webhook.validateID()
            if event.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--event needs an event name, e.g. --event sync_end.")
            }
        }

        func run(in context: CommandContext) async throws {
            try await WebhookActions.test(id: webhook.id, event: event, api: api.callOptions, context: context)
        }
    }
}
