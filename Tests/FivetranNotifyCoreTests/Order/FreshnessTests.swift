import Foundation
import Testing

@testable import FivetranNotifyCore

/// When a delivery counts as created: its signed `created`, unless missing or far in the future.
@Suite struct DeliveryTimeTests {
    static let received = ISO8601Timestamp.date(from: "2026-05-26T10:00:00.000Z")!

    static func delivery(created: String?) throws -> Delivery {
        let field = created.map { #","created":"\#($0)""# } ?? ""
        return try Delivery.parse(Data(#"{"event":"sync_end","connector_id":"c"\#(field)}"#.utf8))
    }

    @Test func theSignedCreatedOrdersADelivery() throws {
        let delivery = try Self.delivery(created: "2026-05-26T09:00:00.000Z")
        #expect(delivery.effectiveCreated(receivedAt: Self.received) == Self.received - 3600)
    }

    @Test func noCreatedCountsAsReceivedNow() throws {
        #expect(try Self.delivery(created: nil).effectiveCreated(receivedAt: Self.received) == Self.received)
        #expect(try Self.delivery(created: "yesterday").effectiveCreated(receivedAt: Self.received) == Self.received)
    }

    @Test func aCreatedMoreThanAnHourAheadCountsAsReceivedNow() throws {
        let ahead = try Self.delivery(created: "2026-05-26T11:00:01.000Z")
        #expect(ahead.effectiveCreated(receivedAt: Self.received) == Self.received)
        let skewed = try Self.delivery(created: "2026-05-26T10:59:00.000Z")
        #expect(skewed.effectiveCreated(receivedAt: Self.received) == Self.received + 59 * 60)
    }

    @Test func staleMeansCreatedLongerAgoThanMaxAge() throws {
        let threeDays: TimeInterval = 3 * 86_400
        #expect(
            try Self.delivery(created: "2026-05-23T09:59:00.000Z").isStale(receivedAt: Self.received, maxAge: threeDays)
        )
        #expect(
            !(try Self.delivery(created: "2026-05-23T10:01:00.000Z").isStale(
                receivedAt: Self.received, maxAge: threeDays)))
        #expect(!(try Self.delivery(created: nil).isStale(receivedAt: Self.received, maxAge: threeDays)))
    }
}

extension ListenSuites {
    /// `--max-age`: a delivery created longer ago is answered 200, stored, logged as stale and not
    /// forwarded; a captured delivery replayed later changes nothing.
    @Suite struct FreshnessTests {
        /// Four days after the captured samples were created.
        static let now = ISO8601Timestamp.date(from: "2026-05-26T10:00:00.000Z")!

        static func sync(_ connector: String, created: String, status: String = "FAILURE") -> Data {
            Samples.syncEnd(connector: connector, status: status, created: created)
        }

        @Test func aStaleFailureIsStoredAndAnsweredButNotPosted() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(slackURL: slack.url, maxAge: .seconds(3 * 86_400), now: { Self.now }) {
                    listener throws in
                    let stale = try await listener.post(Self.sync("old_pg", created: "2026-05-22T10:00:00.000Z"))
                    #expect(stale.status == 200)
                    #expect(listener.logs.stderr.contains("stale: created 2026-05-22T10:00:00.000Z"))
                    #expect(listener.logs.stderr.contains("older than --max-age 3 d; stored, not forwarded"))
                    let metrics = try await listener.get("/metrics")
                    #expect(metrics.text.contains("fivetran_notify_deliveries_stale_total 1"))
                    // The same delivery again is a duplicate, not a second stale one.
                    #expect(
                        try await listener.post(Self.sync("old_pg", created: "2026-05-22T10:00:00.000Z")).status == 200)
                    #expect(listener.logs.stderr.contains("(duplicate, ignored)"))
                    // A fresh one goes out: only the stale one was held back.
                    #expect(
                        try await listener.post(Self.sync("new_pg", created: "2026-05-26T09:59:00.000Z")).status == 200)
                    #expect(await eventually { slack.delivered.count == 1 })
                    #expect(slack.delivered[0].text.contains("new_pg"))
                    #expect(!slack.posts.contains { $0.text.contains("old_pg") })
                    #expect(try await listener.store.openIncidents().map(\.incident.subject) == ["id_new_pg"])
                }
            }
        }

        @Test func anOldCapturedSuccessCannotSilenceALiveIncident() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(
                    slackURL: slack.url, maxAge: .seconds(3 * 86_400), policy: NoticePolicy(notifyResolved: true),
                    now: { Self.now }
                ) { listener throws in
                    #expect(
                        try await listener.post(Self.sync("live_pg", created: "2026-05-26T09:58:00.000Z")).status == 200
                    )
                    #expect(await eventually { slack.delivered.count == 1 })
                    let replayed = Self.sync("live_pg", created: "2026-05-20T09:00:00.000Z", status: "SUCCESSFUL")
                    #expect(try await listener.post(replayed).status == 200)
                    #expect(await eventually { listener.logs.stderr.contains("stale") })
                    #expect(try await listener.store.openIncidents().map(\.incident.subject) == ["id_live_pg"])
                    #expect(try await listener.store.counts() == QueueCounts(delivered: 1))
                    #expect(slack.posts.count == 1)
                }
            }
        }
    }
}
