import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand.Webhook {
    /// `webhook create --account|--group ID --url URL …`: `POST /webhooks/account` or `/webhooks/group/{id}`.
    struct Create: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an account or group webhook.",
            discussion: """
                The webhook's secret is the signing key stored by `fivetran-notify keygen` unless --secret is given. \
                Fivetran checks a new active webhook by POSTing a test event to its URL and refuses it unless the URL \
                answers 2xx: start `fivetran-notify listen` there first, or create it --inactive.
                """)

        @Flag(help: "Create an account webhook (events of every group).")
        var account = false

        @Option(help: ArgumentHelp("Create a webhook for this group (destination) id.", valueName: "group-id"))
        var group: String?

        @Option(help: ArgumentHelp("Where Fivetran delivers the events (https only).", valueName: "url"))
        var url: String

        @Option(
            name: .customLong("event"),
            help: ArgumentHelp(
                "An event to subscribe to; repeat it or give a comma list "
                    + "(default: sync_end,dbt_run_failed,connection_failure).",
                valueName: "event"),
            completion: .list(WebhookEvents.known))
        var events: [String] = []

        @Flag(help: "Create it inactive: Fivetran neither checks the URL nor sends events until it is activated.")
        var inactive = false

        @Option(help: ArgumentHelp("Use this secret instead of the stored signing key.", valueName: "secret"))
        var secret: String?

        @Flag(name: .customLong("no-secret"), help: "Create an unsigned webhook on purpose (no secret).")
        var noSecret = false

        @Flag(help: "Afterwards, ask Fivetran to send a test of each subscribed event and report each result.")
        var runTests = false

        @Flag(help: "Send a URL that is not https even though Fivetran will likely reject it.")
        var force = false

        @OptionGroup var api: APIOptions

        func validate() throws {
            if account == (group != nil) {
                throw ValidationError("Give exactly one of --account or --group GROUP_ID.")
            }
            if let group, let problem = WebhookInput.identifierProblem(group, what: "group id") {
                throw ValidationError(problem)
            }
            if let problem = WebhookInput.urlProblem(url, force: force) {
                throw ValidationError(problem)
            }
            if let problem = WebhookInput.eventsProblem(events) {
                throw ValidationError(problem)
            }
            if secret != nil && noSecret {
                throw ValidationError("Give --secret or --no-secret, not both.")
            }
            if let secret, secret.isEmpty {
                throw ValidationError("--secret is empty; use --no-secret for an unsigned webhook.")
            }
        }

        func run(in context: CommandContext) async throws {
            let options = WebhookActions.CreateOptions(
                scope: group.map { .group($0) } ?? .account,
                url: url,
                events: events,
                active: !inactive,
                secret: noSecret ? .none : secret.map { .given($0) } ?? .storedKey,
                runTests: runTests)
            try await WebhookActions.create(options, api: api.callOptions, context: context)
        }
    }
}
