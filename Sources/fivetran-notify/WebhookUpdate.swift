import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook update ID …`: `PATCH /webhooks/{id}`, sending only the fields given.
    struct Update: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Change a webhook; only the fields given are sent.",
            discussion: """
                Activating a webhook makes Fivetran POST a test event to its URL first: the URL must answer 2xx. \
                After `keygen --rotate`, --use-stored-key gives the webhook the new key.
                """)

        /// `--active` or `--inactive`.
        enum Activation: String, EnumerableFlag {
            case active
            case inactive

            static func help(for value: Activation) -> ArgumentHelp? {
                switch value {
                case .active: return "Activate the webhook (Fivetran checks its URL first)."
                case .inactive: return "Deactivate the webhook: Fivetran sends it nothing."
                }
            }
        }

        @OptionGroup var webhook: WebhookIDArgument

        @Option(help: ArgumentHelp("The new delivery URL (https only).", valueName: "url"))
        var url: String?

        @Option(
            name: .customLong("event"),
            help: ArgumentHelp(
                "The events to subscribe to, replacing the current ones; repeat it or give a comma list.",
                valueName: "event"),
            completion: .list(WebhookEvents.known))
        var events: [String] = []

        @Flag var activation: Activation?

        @Option(help: ArgumentHelp("A new secret.", valueName: "secret"))
        var secret: String?

        @Flag(help: "Set the secret to the signing key stored by `keygen` (after `keygen --rotate`).")
        var useStoredKey = false

        @Flag(help: "Send a URL that is not https even though Fivetran will likely reject it.")
        var force = false

        @OptionGroup var api: APIOptions

        func validate() throws {
            try webhook.validateID()
            if let url, let problem = WebhookInput.urlProblem(url, force: force) {
                throw ValidationError(problem)
            }
            if let problem = WebhookInput.eventsProblem(events) {
                throw ValidationError(problem)
            }
            if secret != nil && useStoredKey {
                throw ValidationError("Give --secret or --use-stored-key, not both.")
            }
            if let secret, secret.isEmpty {
                throw ValidationError("--secret is empty.")
            }
            if url == nil && events.isEmpty && activation == nil && secret == nil && !useStoredKey {
                throw ValidationError("Nothing to update: give --url, --event, --active/--inactive or --secret.")
            }
        }

        func run(in context: CommandContext) async throws {
            let options = WebhookActions.UpdateOptions(
                url: url,
                events: events,
                active: activation.map { $0 == .active },
                secret: useStoredKey ? .storedKey : secret.map { .given($0) })
            try await WebhookActions.update(id: webhook.id, options, api: api.callOptions, context: context)
        }
    }
}
