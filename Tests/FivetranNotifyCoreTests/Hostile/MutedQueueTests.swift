import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Mutes reach the queue: a message still waiting whose target is muted when its turn comes is not
    /// sent.
    @Suite struct MutedQueueTests {
        @Test func aMuteAddedWhileAnAlertWaitsKeepsItFromBeingPosted() async throws {
            try await FakeSlack.with(default: .serverError) { slack in
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "noisy")).status == 200)
                    #expect(try await listener.post(Samples.syncEnd(connector: "other")).status == 200)
                    #expect(await eventually { slack.posts.count >= 2 })
                    // Slack is failing, so both wait in backoff when the operator mutes one connector.
                    try await listener.store.addMute(
                        Mute(
                            id: "mute_test", target: .connector("id_noisy"), until: Date() + 3600, reason: nil,
                            createdAt: Date()))
                    // One worker sends to this URL, one post at a time: the post after the next one was
                    // decided after the mute (the next may have been under way already; it still gets 500).
                    let seen = slack.posts.count
                    #expect(await eventually { slack.posts.count >= seen + 2 })
                    slack.setDefault(.ok)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(slack.delivered[0].text.contains("other"))
                    #expect(await eventually { try await listener.store.counts().pending == 0 })
                    #expect(!slack.delivered.contains { $0.text.contains("noisy") })
                    #expect(listener.logs.stderr.contains("not sent: connector id_noisy was muted while it waited"))
                }
            }
        }
    }
}
