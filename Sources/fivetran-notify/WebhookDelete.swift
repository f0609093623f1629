import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook delete ID [--yes]`: `DELETE /webhooks/{id}`, after confirmation.
    struct Delete: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a webhook (asks first on a terminal; needs --yes otherwise).")

        @OptionGroup var webhook: WebhookIDArgument

        @Flag(name: [.customShort("y"), .long], help: "Delete without asking.")
        var yes = false

        @OptionGroup var api: APIOptions

        func validate() throws {
            try webhook.validateID()
        }

        func run(in context: CommandContext) async throws {
            try await WebhookActions.delete(id: webhook.id, yes: yes, api: api.callOptions, context: context)
        }
    }
}
