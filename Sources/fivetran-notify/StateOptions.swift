import ArgumentParser

/// `--state-dir`, for the commands that read or change the listener's state directory.
struct StateOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The listener's state directory (default: $XDG_STATE_HOME/fivetran-notify, else "
                + "~/.local/state/fivetran-notify).",
            valueName: "dir"),
        completion: .directory)
    var stateDir: String?
}
