import ArgumentParser
import FivetranNotifyCore

@main
struct FivetranNotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fivetran-notify",
        abstract: "Know within seconds when a Fivetran sync or transformation fails.",
        version: FivetranNotify.version,
        subcommands: [
            Webhook.self, Keygen.self, Listen.self, SendTest.self, Mute.self, Status.self, Replay.self, Route.self,
            Slack.self, Db.self,
        ]
    )
}
