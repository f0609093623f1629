import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook list`: every webhook, following `next_cursor` through all pages.
    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List every webhook (all pages); inactive ones are marked INACTIVE.")

        @Option(help: ArgumentHelp("Webhooks per API request (Fivetran's limit, 1-1000).", valueName: "n"))
        var pageSize = 1000

        @OptionGroup var api: APIOptions

        func validate() throws {
            guard (1...1000).contains(pageSize) else {
                throw ValidationError("--page-size must be between 1 and 1000.")
            }
        }

        func run(in context: CommandContext) async throws {
            try await WebhookActions.list(pageSize: pageSize, api: api.callOptions, context: context)
        }
    }
}
