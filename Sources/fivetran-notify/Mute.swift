import ArgumentParser

extension FivetranNotifyCommand {
    /// `fivetran-notify mute …`: silence what you already know about.
    struct Mute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mute",
            abstract: "Silence the alerts of a connector, a destination group or an event for a while.",
            discussion: """
                Mutes are stored in the state directory; a running listener honours a new or removed mute at \
                once, without a restart. Muted failures are stored and counted (see `status`), not posted. \
                Mutes end by themselves.
                """,
            subcommands: [Add.self, List.self, Remove.self]
        )
    }
}
