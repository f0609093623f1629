import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// The account watch through the real binary: start-up, the first sweep, names in alerts, a
    /// restart that re-announces nothing, and the cost line.
    @Suite struct WatchProcessTests {
        static let publicURL = "https://alerts.example.com/fivetran"

        static func environment(_ api: FakeFivetranAPI) -> [String: String] {
            [
                "FIVETRAN_API_KEY": FakeFivetranAPI.apiKey, "FIVETRAN_API_SECRET": FakeFivetranAPI.apiSecret,
                "FIVETRAN_API_URL": api.apiURL,
            ]
        }

        @Test func anInactiveWebhookIsToldOnceAcrossARestartAndNamesComeFromTheAPI() async throws {
            try await FakeFivetranAPI.with { api in
                let webhook = api.addWebhook(url: Self.publicURL, active: false)
                api.addGroup(id: "inappropriate_implode", name: "Snowflake prod")
                api.addConnection(
                    id: "id_pg", schema: "orders_pg", groupID: "inappropriate_implode",
                    succeededAt: ISO8601Timestamp.string(from: Date()))
                try await FakeSlack.with { slack in
                    let home = TestFiles.temporaryDirectory()
                    let state = home.appendingPathComponent("state")
                    let arguments = ["--public-url", Self.publicURL]
                    try await ListenProcess.with(
                        home: home, state: state, slackURL: slack.url, arguments: arguments,
                        environment: Self.environment(api)
                    ) { listener in
                        #expect(
                            await eventually { slack.posts.contains { $0.text.contains("is not sending alerts here") } }
                        )
                        let alert = try #require(
                            slack.posts.first { $0.text.contains("is not sending alerts here") }, "\(listener.stderr)")
                        #expect(alert.text.contains(webhook))
                        #expect(alert.text.contains("webhook update \(webhook) --active"))
                        #expect(await eventually { listener.stderr.contains("watching 1 webhook") })
                        #expect(listener.stderr.contains("requests/hour"))

                        // A delivery without connector_name is named from the sweep's cache, with its destination.
                        let body = Data(
                            """
                            {"event":"sync_end","created":"\(Samples.recent)","connector_id":"id_pg",\
                            "connector_type":"postgres","destination_group_id":"inappropriate_implode",\
                            "data":{"status":"FAILURE","reason":"disk full"}}
                            """.utf8)
                        #expect(try await listener.post(body).status == 200)
                        #expect(await eventually { slack.posts.contains { $0.text.contains("orders_pg") } })
                        let named = try #require(slack.posts.first { $0.text.contains("orders_pg") })
                        #expect(named.text.contains("Snowflake prod"))
                        listener.kill(SIGTERM)
                        #expect(await listener.waitForExit() == 0)
                    }
                    let told = slack.posts.count
                    let status = try String(contentsOf: WatchStatus.url(stateDirectory: state), encoding: .utf8)
                    #expect(status.contains("\"webhooks\" : 1"))

                    // Restarted, the first sweep finds the same inactive webhook: nothing new is posted.
                    let before = WatchStatus.read(stateDirectory: state)?.lastSweepAt
                    try await ListenProcess.with(
                        home: home, state: state, slackURL: slack.url, arguments: arguments,
                        environment: Self.environment(api)
                    ) { listener in
                        #expect(
                            await eventually {
                                WatchStatus.read(stateDirectory: state)?.lastSweepAt != before
                            })
                        #expect(slack.posts.count == told)
                        #expect(WatchStatus.read(stateDirectory: state)?.findingsOpen == 1)
                    }

                    // Turned back on, the next sweep closes the incident (quietly: notify_resolved is off).
                    api.setWebhookActive(webhook, true)
                    let second = WatchStatus.read(stateDirectory: state)?.lastSweepAt
                    try await ListenProcess.with(
                        home: home, state: state, slackURL: slack.url, arguments: arguments,
                        environment: Self.environment(api)
                    ) { _ in
                        #expect(
                            await eventually {
                                let status = WatchStatus.read(stateDirectory: state)
                                return status?.lastSweepAt != second && status?.findingsOpen == 0
                            })
                        #expect(slack.posts.count == told)
                    }
                }
            }
        }

        @Test func aHangingAPINeverDelaysADeliveryAndHoldsItsNoticeAtMostTwoSeconds() async throws {
            try await FakeFivetranAPI.with { api in
                api.failNext(.hang, .hang, .hang, .hang, .hang, .hang)
                try await FakeSlack.with { slack in
                    let home = TestFiles.temporaryDirectory()
                    try await ListenProcess.with(
                        home: home, state: home.appendingPathComponent("state"), slackURL: slack.url,
                        arguments: ["--public-url", Self.publicURL], environment: Self.environment(api)
                    ) { listener throws in
                        let started = ContinuousClock.now
                        #expect(try await listener.post(Samples.syncEnd(connector: "pg")).status == 200)
                        #expect(ContinuousClock.now - started < .seconds(1))
                        // The name lookup hangs too: the alert goes out with the ids once 2 s have passed.
                        #expect(await eventually(within: .seconds(8)) { slack.posts.count == 1 })
                        #expect(ContinuousClock.now - started < .seconds(6))
                        #expect(slack.posts.first?.text.contains("Sync failed") == true)
                    }
                }
            }
        }

        @Test func withoutCredentialsListenSaysOnceThatWatchingIsOff() async throws {
            try await FakeSlack.with { slack in
                let home = TestFiles.temporaryDirectory()
                try await ListenProcess.with(
                    home: home, state: home.appendingPathComponent("state"), slackURL: slack.url
                ) { listener in
                    #expect(await eventually { listener.stderr.contains("not watching the account") })
                    let lines = listener.stderr.split(separator: "\n").filter { $0.contains("API credentials") }
                    #expect(lines.count == 1, "\(listener.stderr)")
                }
            }
        }
    }
}
