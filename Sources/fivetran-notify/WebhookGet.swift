import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook get ID`: one webhook.
    struct Get: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Show one webhook.")

        @OptionGroup var webhook: WebhookIDArgument

        @OptionGroup var api: APIOptions

        func validate() throws {
            try webhook.validateID()
        }

        func run(in context: CommandContext) async throws {
            try await WebhookActions.get(id: webhook.id, api: api.callOptions, context: context)
        }
    }
}
