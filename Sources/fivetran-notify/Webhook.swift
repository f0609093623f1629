import ArgumentParser

extension FivetranNotifyCommand {
    /// `fivetran-notify webhook …`: manage Fivetran webhooks through the REST API.
    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhook",
            abstract: "Manage Fivetran webhooks through the REST API.",
            discussion: """
                Credentials come from --api-key/--api-secret, else FIVETRAN_API_KEY/FIVETRAN_API_SECRET, else \
                api_key/api_secret in config.toml. Exit status: 0 success, 1 API or network error, 64 usage error, \
                77 missing or rejected credentials.
                """,
            subcommands: [
                Create.self, List.self, Get.self, Update.self, Delete.self, Test.self,
            ]
        )
    }
}
