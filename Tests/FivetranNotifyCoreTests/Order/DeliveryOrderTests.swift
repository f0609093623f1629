import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// No order of arrival is assumed: per incident, the signed `created` decides (cli.md, "Order,
    /// freshness, signals and hostile clients").
    @Suite struct DeliveryOrderTests {
        /// 10:15 on the day the deliveries below were created: the listener's clock.
        static let now = ISO8601Timestamp.date(from: "2026-05-22T10:15:00.000Z")!

        static func sync(_ connector: String, created minute: Int, status: String = "FAILURE") -> Data {
            Samples.syncEnd(
                connector: connector, status: status, created: String(format: "2026-05-22T10:%02d:00.000Z", minute))
        }

        @Test func aLateOlderSuccessNeverWithdrawsANewerFailure() async throws {
            try await FakeSlack.with(default: .serverError) { slack in
                try await ListenerHarness.with(
                    slackURL: slack.url, policy: NoticePolicy(notifyResolved: true), now: { Self.now }
                ) { listener throws in
                    #expect(try await listener.post(Self.sync("orders", created: 10)).status == 200)
                    // Slack is failing: the alert waits in backoff when Fivetran's retry of an older
                    // success arrives.
                    #expect(await eventually { slack.posts.count >= 1 })
                    let late = try await listener.post(Self.sync("orders", created: 5, status: "SUCCESSFUL"))
                    #expect(late.status == 200)
                    slack.setDefault(.ok)
                    #expect(await eventually { slack.delivered.count == 1 }, "\(listener.logs.stderr)")
                    #expect(slack.delivered[0].text.contains("orders"))
                    #expect(!slack.delivered[0].text.contains("Recovered"))
                    let open = try await listener.store.openIncidents().map(\.incident.subject)
                    #expect(open == ["id_orders"])
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                }
            }
        }

        @Test func aLateFailureNeverReopensWhatANewerSuccessClosed() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(
                    slackURL: slack.url, policy: NoticePolicy(notifyResolved: true), now: { Self.now }
                ) { listener throws in
                    #expect(try await listener.post(Self.sync("billing", created: 0)).status == 200)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(
                        try await listener.post(Self.sync("billing", created: 10, status: "SUCCESSFUL")).status == 200)
                    #expect(await eventually { slack.delivered.count == 2 })
                    #expect(slack.delivered[1].text.contains("Recovered"))
                    // A failure created before that success arrives last: stored, changes nothing.
                    #expect(try await listener.post(Self.sync("billing", created: 5)).status == 200)
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 2) })
                    #expect(try await listener.store.openIncidents().isEmpty)
                    // A newer failure opens a new incident as usual.
                    #expect(try await listener.post(Self.sync("billing", created: 12)).status == 200)
                    #expect(await eventually { slack.delivered.count == 3 })
                    #expect(slack.posts.count == 3)
                }
            }
        }
    }
}
