import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `fivetran-notify db …`: the PostgreSQL that several listeners share.
    struct Db: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Manage the PostgreSQL database several listeners share.",
            subcommands: [Import.self]
        )

        /// `db import --from-state-dir DIR --database URL`.
        struct Import: ContextCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract: "Move one listener's state (its SQLite file) into an empty PostgreSQL database, once.",
                discussion: """
                    Open incidents, deduplication records, mutes, pending and failed messages and Slack message \
                    ids are moved in one transaction; the schema is created when the database is empty. A \
                    database that already holds any delivery, incident, mute or message is refused. Stop the \
                    listener first.
                    """)

            @Option(
                name: .customLong("from-state-dir"),
                help: ArgumentHelp("The state directory of the listener to import.", valueName: "dir"),
                completion: .directory)
            var fromStateDir: String

            @Option(
                name: .customLong("database"),
                help: ArgumentHelp(
                    "The PostgreSQL to fill (else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml).",
                    valueName: "url"))
            var database: String?

            func run(in context: CommandContext) async throws {
                try await DatabaseImportCommand.run(
                    fromStateDirectory: fromStateDir, database: database, context: context)
            }
        }
    }
}
