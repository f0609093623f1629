import FivetranNotifyCore
import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// cli.md "Sends wait long enough": a destination that answers slowly is waited for, not asked
    /// again, so a slow Slack does not post the same alert twice.
    @Suite struct SlowDestinationTests {
        @Test func everyDestinationWaitsAtLeastThirtySeconds() {
            let catalog = DestinationCatalog(
                transport: { _ in CurlTransport() }, pagerDutyURL: "http://127.0.0.1:9", logger: Logger(label: "t"))
            #expect(catalog.slack.requestTimeout >= .seconds(30))
            #expect(catalog.pagerDuty.requestTimeout >= .seconds(30))
            #expect(catalog.teams.requestTimeout >= .seconds(30))
            #expect(catalog.forward.requestTimeout >= .seconds(30))
        }

        /// Slack answers `ok` after 11 s (past the 10 s the sends used to wait): one post, delivered.
        @Test func aSlackThatAnswersAfterElevenSecondsGetsTheAlertOnce() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(slackURL: slack.url) { listener in
                    slack.holdReplies()
                    #expect(try await listener.post(Samples.syncEnd(connector: "slow_pg")).status == 200)
                    #expect(await eventually(within: .seconds(10)) { slack.posts.count == 1 })
                    try await Task.sleep(for: .seconds(11))
                    slack.releaseReplies()
                    let delivered = await eventually(within: .seconds(10)) {
                        (try? await listener.store.counts().delivered) == 1
                    }
                    #expect(delivered)
                    #expect(slack.posts.count == 1, "\(slack.posts.map(\.text))")
                }
            }
        }
    }
}
