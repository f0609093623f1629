import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// `replay --failed` goes to the route's destination as configured now, not the URL stored when the
    /// message failed (the usual fix for a 404 is a new webhook URL). "Now" is the running listener's
    /// configuration (cli.md "A notice is decided once"), whatever the shell running `replay` holds.
    @Suite struct ReplayToTodaysDestinationTests {
        static func replay(listener: ListenerHarness, environment: [String: String] = [:]) async throws -> String {
            let home = TestFiles.temporaryDirectory()
            let output = CapturedOutput()
            let context = CommandContext(
                environment: [
                    "HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
                ].merging(environment) { $1 }, output: output.output)
            try await ReplayCommand.replayFailed(stateDirectory: listener.stateDirectory.path, context: context)
            return output.stdout
        }

        @Test func aReplayedMessageGoesToTheURLConfiguredNow() async throws {
            try await FakeSlack.with(default: .noService) { old in
                try await FakeSlack.with { new in
                    try await ListenerHarness.with(slackURL: old.url) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "moved_pg")).status == 200)
                        #expect(await eventually { try await listener.store.counts().failed == 1 })

                        // The operator fixes the listener's URL (SIGHUP), then replays from a shell
                        // without SLACK_WEBHOOK_URL.
                        listener.reload(routes: RouteTable(defaultURL: new.url))
                        let stdout = try await Self.replay(listener: listener)
                        #expect(stdout.contains("Re-queued 1 failed message"))
                        #expect(await eventually { new.delivered.count == 1 })
                        #expect(new.delivered[0].text.contains("moved_pg"))
                        #expect(old.posts.count == 1)
                    }
                }
            }
        }

        @Test func theShellsEnvironmentDoesNotChooseTheDestination() async throws {
            try await FakeSlack.with { listened in
                try await FakeSlack.with { shells in
                    try await ListenerHarness.with(slackURL: listened.url) { listener throws in
                        listened.script([.noService])
                        #expect(try await listener.post(Samples.syncEnd(connector: "kept_pg")).status == 200)
                        #expect(await eventually { try await listener.store.counts().failed == 1 })
                        // A shell with another SLACK_WEBHOOK_URL (yesterday's, or a colleague's).
                        let stdout = try await Self.replay(
                            listener: listener, environment: ["SLACK_WEBHOOK_URL": shells.url])
                        #expect(stdout.contains("Re-queued 1 failed message"))
                        #expect(await eventually { listened.delivered.count == 1 })
                        #expect(listened.delivered[0].text.contains("kept_pg"))
                        #expect(shells.posts.isEmpty)
                    }
                }
            }
        }

        @Test func aQueuedMessageGoesToTheURLAReloadGave() async throws {
            try await FakeSlack.with(default: .serverError) { old in
                try await FakeSlack.with { new in
                    try await ListenerHarness.with(slackURL: old.url) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "retried_pg")).status == 200)
                        #expect(await eventually { old.posts.count >= 1 })
                        listener.reload(routes: RouteTable(defaultURL: new.url))
                        #expect(await eventually { new.delivered.count == 1 })
                        #expect(new.delivered[0].text.contains("retried_pg"))
                        #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    }
                }
            }
        }
    }
}
