import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// `replay --failed` goes to the route's destination as configured now, not the URL stored when the
    /// message failed (the usual fix for a 404 is a new webhook URL).
    @Suite struct ReplayToTodaysDestinationTests {
        @Test func aReplayedMessageGoesToTheURLConfiguredNow() async throws {
            try await FakeSlack.with(default: .noService) { old in
                try await FakeSlack.with { new in
                    try await ListenerHarness.with(slackURL: old.url) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "moved_pg")).status == 200)
                        #expect(await eventually { try await listener.store.counts().failed == 1 })

                        let home = TestFiles.temporaryDirectory()
                        let output = CapturedOutput()
                        let context = CommandContext(
                            environment: [
                                "HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
                                "SLACK_WEBHOOK_URL": new.url,
                            ], output: output.output)
                        try await ReplayCommand.replayFailed(
                            stateDirectory: listener.stateDirectory.path, context: context)
                        #expect(output.stdout.contains("Re-queued 1 failed message"))
                        #expect(await eventually { new.delivered.count == 1 })
                        #expect(new.delivered[0].text.contains("moved_pg"))
                        #expect(old.posts.count == 1)
                    }
                }
            }
        }
    }
}
