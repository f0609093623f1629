import ArgumentParser

/// `--state-dir` and `--database`, for the commands that read or change the listener's state.
struct StateOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The listener's state directory (default: $XDG_STATE_HOME/fivetran-notify, else "
                + "~/.local/state/fivetran-notify).",
            valueName: "dir"),
        completion: .directory)
    var stateDir: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; "
                + "else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of "
                + "the state directory's.",
            valueName: "url"))
    var database: String?
}
