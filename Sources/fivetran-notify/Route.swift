import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `fivetran-notify route …`: see and try the routes.
    struct Route: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "route",
            abstract: "See the routes and try their destinations (Slack, PagerDuty, Teams, a forward endpoint).",
            discussion: """
                Both read the same config.toml, flags and environment as `listen` and refuse an invalid config in \
                the same words. Secrets (URLs, routing keys) are shown redacted.
                """,
            subcommands: [List.self, Test.self]
        )

        /// `route list [--json]`.
        struct List: ContextCommand {
            static let configuration = CommandConfiguration(
                commandName: "list",
                abstract: "Every route in order (the default last): its name, what it matches, its destinations.",
                discussion: """
                    With a state (--database, FIVETRAN_NOTIFY_DATABASE_URL or database_url in config.toml, else \
                    the state directory, when it holds one), each destination also shows how many of its messages \
                    are pending and failed there: from any machine, which destination's messages are stuck.
                    """)

            @Flag(help: "Print the routes as JSON.")
            var json = false

            @OptionGroup var state: StateOptions

            func run(in context: CommandContext) async throws {
                try await RouteCommands.list(
                    json: json, stateDirectory: state.stateDir, database: state.database, context: context)
            }
        }

        /// `route test [NAME] [--event E] [--status S]`.
        struct Test: ContextCommand {
            static let configuration = CommandConfiguration(
                commandName: "test",
                abstract: "Send one test notice to every destination of a route and print each answer.",
                discussion: """
                    Sends directly, not through a running listener's queue; the notice is titled "Test — …". \
                    PagerDuty gets a trigger and then its resolve, so nobody stays paged. Exits 0 only if every \
                    destination accepted it.

                    Examples:
                      fivetran-notify route test
                      fivetran-notify route test finance --event dbt_run_failed
                    """)

            @Argument(help: "The route to test (default: the default route).")
            var name: String?

            @Option(help: "The sample event (default: sync_end).", completion: .list(WebhookEvents.known))
            var event: String?

            @Option(help: "The sample's data.status (default: FAILURE).")
            var status: String?

            @OptionGroup var state: StateOptions

            func run(in context: CommandContext) async throws {
                try await RouteCommands.test(
                    route: name, event: event, status: status, stateDirectory: state.stateDir,
                    database: state.database, context: context)
            }
        }
    }
}
