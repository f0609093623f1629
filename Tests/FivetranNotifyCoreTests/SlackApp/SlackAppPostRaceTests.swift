import Foundation
import Testing

@testable import FivetranNotifyCore

/// A person's click and a send in flight both change an incident's post: neither undoes the other.
@Suite struct SlackAppPostRaceTests {
    @Test func aClickRecordedWhileTheRecoveryIsInFlightIsKeptAndThePostStaysClosed() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: SlackAppListenTests.channel, slackApp: SlackAppListenTests.options(fake)
            ) { listener throws in
                let key = "sync|id_pg"
                let target = "route:slack_app"
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let before = try #require(try await listener.store.post(incident: key, destination: target))
                // The recovery's update is slow to be answered; meanwhile Alice's acknowledgement is recorded.
                fake.script(.slow(.seconds(2)))
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { fake.calls.contains { $0.method == "chat.update" } })
                var acknowledged = try #require(SlackAppPost(encoded: before.post))
                acknowledged.acknowledgedBy = SlackActor(userID: "U0ALICE", name: "alice")
                acknowledged.acknowledgedAt = Date()
                #expect(
                    try await listener.store.replacePost(
                        acknowledged.encoded, incident: key, destination: target, open: true, at: Date(),
                        expecting: before.post))
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let after = try #require(try await listener.store.post(incident: key, destination: target))
                #expect(!after.open)
                #expect(SlackAppPost(encoded: after.post)?.acknowledgedBy?.userID == "U0ALICE")
            }
        }
    }

    @Test func aClickNeverReopensAPostARecoveryClosed() async throws {
        let store = try DeliveryStore(
            path: TestFiles.temporaryDirectory().appendingPathComponent("state.sqlite").path)
        let key = "sync|id_pg"
        try await store.recordPost("first", incident: key, destination: "d", open: true, at: Date())
        try await store.closePost(incident: key, destination: "d", at: Date())
        // The click read the post while it was open; its write over it does nothing now.
        #expect(
            try await !store.replacePost(
                "acknowledged", incident: key, destination: "d", open: true, at: Date(),
                expecting: "first"))
        let kept = try #require(try await store.post(incident: key, destination: "d"))
        #expect(kept.post == "first")
        #expect(!kept.open)
    }

    @Test func aSendsPostIsMergedWithAClickThatCameInBetween() {
        let destination = SlackAppDestination(
            options: SlackAppOptions(token: FakeSlackWebAPI.token), transport: CurlTransport(),
            logger: .init(label: "test"))
        let given = SlackAppPost(SlackMessageRef(channel: "C1", ts: "1.1"), failure: ["status": "FAILURE"])
        var clicked = given
        clicked.mutedBy = SlackActor(userID: "U0BOB", name: "bob")
        clicked.mutedUntil = Date(timeIntervalSince1970: 1_800_000_000)
        var answered = given
        answered.failure = ["status": "FAILURE_WITH_TASK"]
        let merged = SlackAppPost(
            encoded: destination.mergePost(answered.encoded, given: given.encoded, current: clicked.encoded))
        #expect(merged?.failure == ["status": "FAILURE_WITH_TASK"])
        #expect(merged?.mutedBy?.userID == "U0BOB")
    }
}
