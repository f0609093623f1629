import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

/// Slack's limits in app mode: posting is paced per channel (one pace for every route that posts
/// there), and `chat.update` has a pace of its own within its Tier 3 limit.
@Suite struct SlackAppPacingTests {
    @Test func twoRoutesPostingToOneChannelShareOnePace() async throws {
        try await FakeSlackWebAPI.with { fake in
            let channel = [DestinationTarget(kind: .slackApp, address: FakeSlackWebAPI.channel)]
            let routes = [
                Route(
                    name: "finance", match: RouteMatch([.connectorId: ["id_a", "id_b", "id_c"]]), destinations: channel),
                Route(
                    name: "sales", match: RouteMatch([.connectorId: ["id_d", "id_e", "id_f"]]), destinations: channel),
            ]
            try await ListenerHarness.with(
                slackURL: nil, destinations: channel, slackApp: SlackAppListenTests.options(fake), routes: routes
            ) { listener throws in
                // Three failures a route: each route alone is within the burst of 3, the channel is not.
                for (n, name) in ["a", "d", "b", "e", "c", "f"].enumerated() {
                    #expect(try await listener.post(sync(name, n)).status == 200)
                }
                #expect(await eventually { try await listener.store.counts().delivered == 6 })
                #expect(fake.messages.count == 6)
                // The virtual clock only moves by the dispatcher's waits: six posts to one channel
                // in no time at all took at least three paced seconds.
                let waited = listener.clock.sleeps.reduce(Duration.zero, +)
                #expect(waited >= .seconds(3))
                #expect(listener.clock.sleeps.allSatisfy { $0 <= .seconds(3) })
            }
        }
    }

    @Test func updatesArePacedWithinTheirTier() async throws {
        try await FakeSlackWebAPI.with { fake in
            let clock = TestClock()
            let destination = SlackAppDestination(
                options: SlackAppListenTests.options(fake), transport: CurlTransport(), logger: Logger(label: "test"),
                clock: clock.serviceClock)
            let target = DestinationTarget(kind: .slackApp, address: FakeSlackWebAPI.channel).encoded
            let now = Date()
            var posts: [String] = []
            for n in 0..<4 {
                let failure = try Delivery.parse(sync("c\(n)", n))
                let body = try #require(
                    destination.render(
                        Notice(id: Int64(n), kind: .alert, deliveries: [failure], createdAt: now), now: now
                    )
                    .first)
                let (outcome, post) = await destination.send(body, to: target, post: nil)
                #expect(outcome == .delivered)
                posts.append(try #require(post))
            }
            #expect(clock.sleeps.isEmpty)
            for n in 0..<4 {
                let success = try Delivery.parse(sync("c\(n)", 10 + n, status: "SUCCESSFUL", reason: nil))
                var notice = Notice(id: Int64(10 + n), kind: .resolved, deliveries: [success], createdAt: now)
                notice.failures = 1
                notice.since = now
                let body = try #require(destination.render(notice, now: now).first)
                #expect(await destination.send(body, to: target, post: posts[n]).0 == .delivered)
            }
            #expect(fake.calls.filter { $0.method == "chat.update" }.count == 4)
            // Two at once, then one per 1.25 s: at most 50 in any minute.
            #expect(clock.sleeps == [.milliseconds(1250), .milliseconds(1250)])
        }
    }
}
