import ArgumentParser
import Testing

@testable import fivetran_notify

/// Every command's help renders, and the ones that read the environment say which variable.
@Suite struct HelpTests {
    static let commands: [(type: any ParsableCommand.Type, mentions: [String])] = [
        (FivetranNotifyCommand.self, ["webhook", "listen", "send-test", "mute", "status", "replay"]),
        (FivetranNotifyCommand.Webhook.Create.self, ["FIVETRAN_API_KEY", "FIVETRAN_API_SECRET", "FIVETRAN_API_URL"]),
        (FivetranNotifyCommand.Webhook.List.self, ["FIVETRAN_API_KEY", "FIVETRAN_API_SECRET", "--json"]),
        (FivetranNotifyCommand.Webhook.Get.self, ["FIVETRAN_API_KEY"]),
        (FivetranNotifyCommand.Webhook.Update.self, ["FIVETRAN_API_KEY"]),
        (FivetranNotifyCommand.Webhook.Delete.self, ["FIVETRAN_API_KEY", "--yes"]),
        (FivetranNotifyCommand.Webhook.Test.self, ["FIVETRAN_API_KEY", "--event"]),
        (FivetranNotifyCommand.Keygen.self, ["--rotate", "--drop-previous", "--if-missing"]),
        (
            FivetranNotifyCommand.Listen.self,
            ["SLACK_WEBHOOK_URL", "FIVETRAN_SIGNING_KEY", "XDG_STATE_HOME", "--dry-run", "--tls-cert"]
        ),
        (FivetranNotifyCommand.SendTest.self, ["FIVETRAN_SIGNING_KEY", "--set", "--bad-signature"]),
        (FivetranNotifyCommand.Mute.Add.self, ["XDG_STATE_HOME", "--for"]),
        (FivetranNotifyCommand.Mute.List.self, ["XDG_STATE_HOME"]),
        (FivetranNotifyCommand.Mute.Remove.self, ["XDG_STATE_HOME", "--connector"]),
        (FivetranNotifyCommand.Status.self, ["XDG_STATE_HOME", "--json"]),
        (FivetranNotifyCommand.Replay.self, ["XDG_STATE_HOME", "--failed"]),
        (FivetranNotifyCommand.Slack.Manifest.self, ["--public-url", "--actions-path", "SLACK_SIGNING_SECRET"]),
    ]

    @Test(arguments: 0..<commands.count)
    func helpRendersAndNamesItsEnvironment(index: Int) {
        let (command, mentions) = Self.commands[index]
        let help = FivetranNotifyCommand.helpMessage(for: command, columns: 200)
        #expect(help.contains("USAGE:"))
        for word in mentions {
            #expect(help.contains(word), "\(command) help lacks \(word)")
        }
    }
}
