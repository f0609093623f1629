import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Routes fan out to every destination kind through the real listener, dispatchers and libcurl,
    /// against fake services on 127.0.0.1: each kind keeps its own queue, PagerDuty opens one alert per
    /// incident and always resolves it, the forward endpoint keeps one `webhook-id` across retries.
    @Suite struct FanOutTests {
        static let routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"

        /// A `created` later than the samples' default, so a success sorts after its failure.
        static func later(_ seconds: Double = 1) -> String {
            ISO8601Timestamp.string(from: Date().addingTimeInterval(seconds - 30))
        }

        static func fast(_ configuration: inout DispatcherConfiguration) {
            configuration.pacingInterval = .milliseconds(1)
            configuration.pollInterval = .milliseconds(50)
            configuration.defaultRetryAfter = .milliseconds(10)
            configuration.backoff = Backoff(base: .milliseconds(5), maximum: .milliseconds(20))
        }

        static func pagerDuty(_ fake: FakePagerDuty) -> DestinationTarget {
            DestinationTarget(kind: .pagerduty, address: routingKey)
        }

        @Test func aFailurePagesAndPostsAndItsRecoveryResolvesThePage() async throws {
            try await FakeSlack.with { slack in
                try await FakePagerDuty.with { pagerDuty in
                    try await ListenerHarness.with(
                        slackURL: nil,
                        destinations: [DestinationTarget(kind: .slack, address: slack.url), Self.pagerDuty(pagerDuty)],
                        pagerDutyURL: pagerDuty.baseURL, dispatcher: Self.fast
                    ) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                        #expect(await eventually { slack.posts.count == 1 && pagerDuty.posts.count == 1 })
                        let trigger = try #require(pagerDuty.posts.first).json
                        #expect(trigger["event_action"] == "trigger")
                        #expect(trigger["routing_key"] == .string(Self.routingKey))
                        let dedupKey = try #require(trigger["dedup_key"]?.stringValue)
                        #expect(dedupKey.contains("id_pg"))

                        // notify_resolved is off: Slack hears nothing more, PagerDuty still gets its resolve.
                        let success = Samples.syncEnd(connector: "pg", status: "SUCCESSFUL", created: Self.later())
                        #expect(try await listener.post(success).status == 200)
                        #expect(await eventually { pagerDuty.posts.count == 2 })
                        let resolve = pagerDuty.posts[1].json
                        #expect(resolve["event_action"] == "resolve")
                        #expect(resolve["dedup_key"] == .string(dedupKey))
                        #expect(await eventually { try await listener.store.counts().pending == 0 })
                        #expect(slack.posts.count == 1)
                        let metrics = try await listener.get("/metrics").text
                        #expect(metrics.contains(#"fivetran_notify_notices_sent_total{destination="pagerduty"} 2"#))
                        #expect(metrics.contains(#"fivetran_notify_notices_sent_total{destination="slack"} 1"#))
                    }
                }
            }
        }

        @Test func aPagerDutyOutageNeverDelaysSlack() async throws {
            try await FakeSlack.with { slack in
                try await FakePagerDuty.with { pagerDuty in
                    pagerDuty.script(Array(repeating: .serverError, count: 10_000))
                    try await ListenerHarness.with(
                        slackURL: nil,
                        destinations: [DestinationTarget(kind: .slack, address: slack.url), Self.pagerDuty(pagerDuty)],
                        pagerDutyURL: pagerDuty.baseURL, dispatcher: Self.fast
                    ) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "a")).status == 200)
                        #expect(await eventually { pagerDuty.posts.count >= 3 })
                        #expect(try await listener.post(Samples.syncEnd(connector: "b")).status == 200)
                        // PagerDuty keeps failing, and both alerts still reach Slack.
                        #expect(await eventually { slack.posts.count == 2 })
                        #expect(pagerDuty.posts.allSatisfy { $0.status == 500 })
                        // Slack has answered; its answers are recorded a moment later.
                        #expect(
                            await eventually { try await listener.store.countsByKind()[.slack]?.delivered == 2 })
                        let byKind = try await listener.store.countsByKind()
                        #expect(byKind[.pagerduty]?.pending == 2)
                        #expect(byKind[.slack]?.delivered == 2)
                        let status = try await StatusReport.load(from: listener.store, now: Date()).text(now: Date())
                        #expect(status.contains("PagerDuty: 2 pending, 0 failed, 0 delivered."))
                        #expect(status.contains("Slack: 0 pending, 0 failed, 2 delivered."))
                    }
                }
            }
        }

        @Test func aFailureFixedBeforePagerDutyTookItPagesNobody() async throws {
            try await FakePagerDuty.with { pagerDuty in
                pagerDuty.script(Array(repeating: .rateLimited(retryAfter: "30"), count: 10_000))
                try await ListenerHarness.with(
                    slackURL: nil, destinations: [Self.pagerDuty(pagerDuty)], pagerDutyURL: pagerDuty.baseURL,
                    dispatcher: Self.fast
                ) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "flaky")).status == 200)
                    #expect(await eventually { !pagerDuty.posts.isEmpty })
                    let success = Samples.syncEnd(connector: "flaky", status: "SUCCESSFUL", created: Self.later())
                    #expect(try await listener.post(success).status == 200)
                    // The trigger is withdrawn and no resolve follows: nothing waits, nothing more is sent.
                    #expect(await eventually { try await listener.store.counts().pending == 0 })
                    let sent = pagerDuty.posts
                    #expect(sent.allSatisfy { $0.json["event_action"] == "trigger" && $0.status == 429 })
                    #expect(try await listener.store.messages(state: .held).isEmpty)
                }
            }
        }

        @Test func remindersStayOutOfPagerDuty() async throws {
            try await FakeSlack.with { slack in
                try await FakePagerDuty.with { pagerDuty in
                    try await ListenerHarness.with(
                        slackURL: nil,
                        destinations: [DestinationTarget(kind: .slack, address: slack.url), Self.pagerDuty(pagerDuty)],
                        pagerDutyURL: pagerDuty.baseURL, policy: NoticePolicy(remindEvery: .zero),
                        dispatcher: Self.fast
                    ) { listener throws in
                        #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                        #expect(await eventually { slack.posts.count == 1 && pagerDuty.posts.count == 1 })
                        let again = Samples.syncEnd(connector: "pg", created: Self.later())
                        #expect(try await listener.post(again).status == 200)
                        #expect(await eventually { slack.posts.count == 2 })
                        #expect(slack.posts[1].text.contains("Still failing"))
                        #expect(await eventually { try await listener.store.counts().pending == 0 })
                        #expect(pagerDuty.posts.count == 1)
                    }
                }
            }
        }

        @Test func aRefusedTriggerIsFailedAndNotReplayedOnceItsConnectorRecovered() async throws {
            try await FakePagerDuty.with { pagerDuty in
                pagerDuty.script([.invalidEvent])
                try await ListenerHarness.with(
                    slackURL: nil, destinations: [Self.pagerDuty(pagerDuty)], pagerDutyURL: pagerDuty.baseURL,
                    dispatcher: Self.fast
                ) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                    #expect(await eventually { try await listener.store.counts().failed == 1 })
                    let health = try await listener.get("/healthz")
                    #expect(health.text.contains(#""status":"degraded""#))
                    #expect(health.text.contains(#""pagerduty":{"undelivered":0,"failed":1"#))
                    let success = Samples.syncEnd(connector: "pg", status: "SUCCESSFUL", created: Self.later())
                    #expect(try await listener.post(success).status == 200)
                    #expect(await eventually { try await listener.store.openIncidents().isEmpty })
                    let result = try await listener.store.requeueFailed(now: Date())
                    #expect(result == Requeued(requeued: 0, skipped: 1))
                    #expect(try await listener.store.counts().failed == 0)
                    #expect(pagerDuty.posts.count == 1)
                }
            }
        }

        @Test func aRefusedTriggerOfAnOpenIncidentIsReplayed() async throws {
            try await FakePagerDuty.with { pagerDuty in
                pagerDuty.script([.invalidEvent])
                try await ListenerHarness.with(
                    slackURL: nil, destinations: [Self.pagerDuty(pagerDuty)], pagerDutyURL: pagerDuty.baseURL,
                    dispatcher: Self.fast
                ) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                    #expect(await eventually { try await listener.store.counts().failed == 1 })
                    let result = try await listener.store.requeueFailed(now: Date())
                    #expect(result == Requeued(requeued: 1, skipped: 0))
                    #expect(await eventually { pagerDuty.posts.count == 2 })
                    #expect(pagerDuty.posts[1].status == 202)
                }
            }
        }

        @Test func aRouteSendsToTeamsAndTheForwardKeepsItsIdAcrossRetries() async throws {
            try await FakeTeams.with { teams in
                try await FakeReceiver.with { receiver in
                    receiver.script([.init(status: 500, body: "down")])
                    let route = Route(
                        name: "finance", match: RouteMatch([.connectorId: ["id_ledger"]]),
                        destinations: [
                            DestinationTarget(kind: .teams, address: teams.url),
                            DestinationTarget(kind: .forward, address: receiver.url, secret: "s3cret"),
                        ])
                    try await FakeSlack.with { slack in
                        try await ListenerHarness.with(
                            slackURL: slack.url, routes: [route], dispatcher: Self.fast
                        ) { listener throws in
                            #expect(try await listener.post(Samples.syncEnd(connector: "ledger")).status == 200)
                            #expect(await eventually { teams.posts.count == 1 && receiver.posts.count == 2 })
                            #expect(slack.posts.isEmpty)
                            let (first, retry) = (receiver.posts[0], receiver.posts[1])
                            #expect(first.status == 500)
                            #expect(first.headers["webhook-id"] != nil)
                            #expect(first.headers["webhook-id"] == retry.headers["webhook-id"])
                            #expect(retry.headers["webhook-signature"]?.hasPrefix("v1,") == true)
                            #expect(retry.json["type"] == "failure")
                            #expect(retry.json["connector"]?.objectValue?["name"] == "ledger")
                        }
                    }
                }
            }
        }

        @Test func aGoneForwardEndpointIsPermanent() async throws {
            try await FakeReceiver.with { receiver in
                receiver.script([.init(status: 410, body: "gone")])
                try await ListenerHarness.with(
                    slackURL: nil, destinations: [DestinationTarget(kind: .forward, address: receiver.url)],
                    dispatcher: Self.fast
                ) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                    #expect(await eventually { try await listener.store.counts().failed == 1 })
                    #expect(receiver.posts.count == 1)
                }
            }
        }
    }
}
