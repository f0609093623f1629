import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Delivery to Slack under faults: a real listener, a fake Slack over real HTTP, the real curl
    /// transport, and a virtual clock so backoff and Retry-After take no time.
    @Suite struct SlackDispatcherTests {
        @Test func aLoneFailureGoesOutAloneAndFast() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    let started = ContinuousClock.now
                    #expect(try await listener.post(TestFiles.fixture("events/sync_end_failure.json")).status == 200)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(ContinuousClock.now - started < .seconds(1))
                    #expect(slack.delivered[0].text.contains("ftar_pg"))
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    #expect(await eventually { listener.logs.stderr.contains("<-- slack accepted") })
                    #expect(!listener.logs.stderr.contains(FakeSlack.hookPath))
                }
            }
        }

        @Test func retriesServerErrorsWithBackoffThenDeliversOnce() async throws {
            try await FakeSlack.with { slack in
                slack.script([.serverError, .serverError, .serverError])
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "pg_orders")).status == 200)
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    #expect(slack.posts.map(\.status) == [500, 500, 500, 200])
                    #expect(slack.delivered.count == 1)
                    // Exponential backoff with jitter (random fixed at 0.5): 0.75 s, 1.5 s, 3 s.
                    let backoffs = listener.clock.sleeps.filter { $0 >= .milliseconds(500) }
                    #expect(backoffs == [.milliseconds(750), .milliseconds(1500), .seconds(3)])
                }
            }
        }

        @Test func honoursRetryAfterOn429() async throws {
            try await FakeSlack.with { slack in
                slack.script([.rateLimited(retryAfter: "7")])
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "hubspot")).status == 200)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(slack.posts.map(\.status) == [429, 200])
                    #expect(listener.clock.sleeps.contains { $0 >= .seconds(7) })
                    #expect(listener.clock.sleeps.allSatisfy { $0 <= .seconds(8) })
                }
            }
        }

        @Test func keepsAMessageSlackRefusesForGoodAndReportsIt() async throws {
            try await FakeSlack.with { slack in
                slack.script([.noService])
                try await ListenerHarness.with(slackURL: slack.url) { listener in
                    #expect(try await listener.post(Samples.syncEnd(connector: "gone")).status == 200)
                    #expect(await eventually { try await listener.store.counts().failed == 1 })
                    let failed = try await listener.store.messages(state: .failed)
                    #expect(failed.count == 1)
                    #expect(failed[0].lastError?.contains("no_service") == true)
                    let health = try await listener.get("/healthz")
                    #expect(health.status == 200)
                    #expect(health.text.contains(#""failed":1"#))
                    #expect(await eventually { listener.logs.stderr.contains("error: <-- slack 404") })
                    #expect(listener.logs.stderr.contains("replay --failed"))
                    // A later message to the same URL is still tried (the URL was repaired).
                    #expect(try await listener.post(Samples.syncEnd(connector: "later")).status == 200)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(slack.posts.map(\.status) == [404, 200])
                }
            }
        }

        @Test func aLayoutSlackRefusesIsTriedOnceAsPlainText() async throws {
            try await FakeSlack.with { slack in
                slack.script([FakeSlack.Reply(status: 400, body: "invalid_blocks")])
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    #expect(try await listener.post(Samples.syncEnd(connector: "layout")).status == 200)
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    #expect(slack.posts.map(\.status) == [400, 200])
                    #expect(slack.posts[0].text.contains("blocks"))
                    #expect(!slack.posts[1].text.contains("blocks"))
                    #expect(slack.posts[1].text.contains("layout"))

                    // Refused as plain text too: failed, kept, not retried.
                    slack.script([
                        FakeSlack.Reply(status: 400, body: "invalid_payload"),
                        FakeSlack.Reply(status: 400, body: "no_text"),
                    ])
                    #expect(try await listener.post(Samples.syncEnd(connector: "broken")).status == 200)
                    #expect(await eventually { try await listener.store.counts().failed == 1 })
                    #expect(slack.posts.count == 4)
                }
            }
        }

        @Test func aBrokenWebhookNeverDelaysAnother() async throws {
            try await FakeSlack.with(default: .serverError) { broken in
                try await FakeSlack.with { healthy in
                    try await ListenerHarness.with(slackURL: broken.url) { listener in
                        #expect(try await listener.post(Samples.syncEnd(connector: "to_broken")).status == 200)
                        #expect(await eventually { broken.posts.count >= 2 })
                        // Another route's message (queued as routing will queue it) goes out while the first keeps failing.
                        let body = Samples.syncEnd(connector: "to_healthy")
                        let outcome = try await listener.store.record(
                            IncomingDelivery(
                                deduplicationKey: "other-route", event: "sync_end", subject: "id_to_healthy",
                                status: "FAILURE",
                                body: body, receivedAt: Date(), destinations: [healthy.url]))
                        guard case .stored(_, .some) = outcome else {
                            Issue.record("not queued: \(outcome)")
                            return
                        }
                        #expect(await eventually(within: .seconds(2)) { healthy.delivered.count == 1 })
                        #expect(healthy.delivered.first?.text.contains("to_healthy") == true)
                        #expect(broken.delivered.isEmpty)
                    }
                }
            }
        }

        @Test func theSameDeliveryTwicePostsOnce() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(slackURL: slack.url) { listener in
                    let body = TestFiles.fixture("events/sync_end_failure.json")
                    #expect(try await listener.post(body).status == 200)
                    let second = try await listener.post(body)
                    #expect(second.status == 200)
                    #expect(second.text.contains("duplicate"))
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    #expect(slack.posts.count == 1)
                    #expect(try await listener.store.deliveryCount() == 1)
                }
            }
        }

        @Test func aFailedWriteAfterSlacksOkIsRetriedAsAWriteNeverAsAPost() async throws {
            try await FakeSlack.with { slack in
                slack.holdReplies()
                try await ListenerHarness.with(slackURL: slack.url) { listener in
                    #expect(try await listener.post(Samples.syncEnd(connector: "written_once")).status == 200)
                    #expect(await eventually { slack.posts.count == 1 })
                    // While Slack is answering, recording "delivered" starts to fail (a real trigger in the real
                    // file stands in for a failing disk).
                    try await listener.store.pool.write { db in
                        try db.execute(
                            sql: """
                                CREATE TRIGGER refuse_delivered BEFORE UPDATE OF state ON message
                                WHEN NEW.state = 'delivered' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END
                                """)
                    }
                    slack.releaseReplies()
                    #expect(
                        await eventually {
                            listener.logs.stderr.components(separatedBy: "cannot update the outbox").count > 3
                        })
                    try await listener.store.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_delivered") }
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
                    #expect(slack.posts.count == 1)
                }
            }
        }

        @Test func aStormGoesOutAsDigestsNamingEveryFailure() async throws {
            try await FakeSlack.with { slack in
                // Slack is down while the storm arrives, so the failures pile up behind the retries.
                slack.setDefault(.serverError)
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    let names = (1...30).map { String(format: "storm_conn_%02d", $0) }
                    await withTaskGroup(of: Void.self) { group in
                        for name in names {
                            group.addTask { _ = try? await listener.post(Samples.syncEnd(connector: name)) }
                        }
                    }
                    #expect(try await listener.store.deliveryCount() == 30)
                    slack.setDefault(.ok)
                    #expect(
                        await eventually { try await listener.store.counts().pending == 0 && slack.delivered.count > 0 }
                    )
                    let delivered = slack.delivered
                    #expect(delivered.count < 10)
                    for name in names {
                        #expect(delivered.filter { $0.text.contains(name) }.count == 1, "\(name)")
                    }
                }
            }
        }
    }
}
