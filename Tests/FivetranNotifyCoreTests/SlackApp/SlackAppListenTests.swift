import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

/// The Slack app mode through a real listener, real SQLite and a fake Slack Web API over real HTTP
/// (libcurl): living messages posted with the bot token, threaded and updated in place.
@Suite struct SlackAppListenTests {
    static func options(_ fake: FakeSlackWebAPI) -> SlackAppOptions {
        SlackAppOptions(token: FakeSlackWebAPI.token, apiURL: fake.apiURL)
    }

    static let channel = [DestinationTarget(kind: .slackApp, address: FakeSlackWebAPI.channel)]

    private static func posts(_ fake: FakeSlackWebAPI) -> [FakeSlackWebAPI.Call] {
        fake.calls.filter { $0.method == "chat.postMessage" }
    }

    @Test func aFailureIsPostedWithTheTokenAndItsMessageIsKeptWithTheIncident() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let calls = Self.posts(fake)
                #expect(calls.count == 1)
                #expect(calls.first?.headers["authorization"] == "Bearer \(FakeSlackWebAPI.token)")
                #expect(calls.first?.json["channel"]?.stringValue == FakeSlackWebAPI.channel)
                #expect(calls.first?.json["blocks"] != nil)
                #expect(calls.first?.json["thread_ts"] == nil)
                let message = try #require(fake.messages.first)
                let post = try #require(
                    try await listener.store.post(incident: "sync|id_pg", destination: "route:slack_app"))
                #expect(post.open)
                #expect(
                    SlackAppPost(encoded: post.post)?.ref == SlackMessageRef(channel: message.channel, ts: message.ts))
                // The token is never logged.
                #expect(!listener.logs.stderr.contains(FakeSlackWebAPI.token))
            }
        }
    }

    @Test func aRecoveryUpdatesTheParentInPlaceAndRepliesInItsThread() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let parent = try #require(fake.messages.first)
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let updated = try #require(fake.message(ts: parent.ts))
                #expect(updated.edits == 1)
                #expect(updated.text.contains("Recovered — pg"))
                #expect(updated.text.contains("1 failed sync"))
                // The last failure's reason is kept as context; the buttons are gone.
                let blocks = String(decoding: try JSONEncoder().encode(updated.blocks ?? []), as: UTF8.self)
                #expect(blocks.contains("password rejected"))
                #expect(!blocks.contains("\"actions\""))
                let replies = fake.messages.filter { $0.threadTS == parent.ts }
                #expect(replies.count == 1)
                #expect(replies.first?.broadcast == false)
                #expect(replies.first?.text.contains("Recovered") == true)
                // No new top-level message.
                #expect(fake.messages.filter { $0.threadTS == nil }.count == 1)
                let post = try await listener.store.post(incident: "sync|id_pg", destination: "route:slack_app")
                #expect(post?.open == false)
            }
        }
    }

    @Test func theParentOutlivesARestartAndTheRecoveryUpdatesIt() async throws {
        try await FakeSlackWebAPI.with { fake in
            let state = TestFiles.temporaryDirectory().appendingPathComponent("state")
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake), stateDirectory: state
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
            }
            let parent = try #require(fake.messages.first)
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake), stateDirectory: state
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                #expect(fake.message(ts: parent.ts)?.text.contains("Recovered — pg") == true)
                #expect(fake.messages.filter { $0.threadTS == nil }.count == 1)
            }
        }
    }

    @Test func aStormIsOneDigestAndItsConnectorsLaterNoticesGoToItsThread() async throws {
        try await FakeSlackWebAPI.with { fake in
            // Slack is down while the storm arrives: the failures wait together and fold into a digest.
            for _ in 0..<40 { fake.script(.raw(status: 503, body: "down")) }
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                for (n, name) in ["a", "b", "c", "d", "e", "f"].enumerated() {
                    #expect(try await listener.post(sync(name, n)).status == 200)
                }
                #expect(
                    await eventually {
                        let pending = try await listener.store.counts().pending
                        return pending == 0 && !fake.messages.isEmpty
                    })
                let digest = try #require(fake.messages.first { $0.threadTS == nil && $0.text.contains("failures") })
                // A connector the digest names: its incident's message is the digest.
                let posts = try await listener.store.posts(
                    incidents: ["a", "b", "c", "d", "e", "f"].map { "sync|id_\($0)" })
                let member = try #require(
                    ["a", "b", "c", "d", "e", "f"].first {
                        posts["sync|id_\($0)"].flatMap { SlackAppPost(encoded: $0.post) }?.ts == digest.ts
                    })
                let before = fake.messages.count
                // One connector of the digest recovers: said in the digest's thread, the digest unchanged.
                #expect(try await listener.post(sync(member, 9, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { fake.messages.count == before + 1 })
                let reply = try #require(fake.messages.last)
                #expect(reply.threadTS == digest.ts)
                #expect(reply.text.contains("Recovered — \(member)"))
                #expect(fake.message(ts: digest.ts)?.edits == 0)
            }
        }
    }

    @Test func withNotifyResolvedTheRecoveryReplyIsBroadcast() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake),
                policy: NoticePolicy(notifyResolved: true)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let reply = try #require(fake.messages.first { $0.threadTS != nil })
                #expect(reply.broadcast)
                #expect(fake.messages.filter { $0.threadTS == nil }.count == 1)
            }
        }
    }

    @Test func remindersGoToTheThreadNeverToTheChannel() async throws {
        try await FakeSlackWebAPI.with { fake in
            let clock = HandWallClock()
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake),
                policy: NoticePolicy(remindEvery: .seconds(4 * 3600)), now: clock.now
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let parent = try #require(fake.messages.first)
                for n in 2...5 {
                    clock.advance(hours: 1.25)
                    #expect(try await listener.post(sync("pg", n)).status == 200)
                }
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let reply = try #require(fake.messages.first { $0.threadTS == parent.ts })
                #expect(reply.text.contains("Still failing"))
                #expect(!reply.broadcast)
                #expect(fake.messages.filter { $0.threadTS == nil }.count == 1)
            }
        }
    }

    @Test func aChangedReasonIsABroadcastReplyAndUpdatesTheParent() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1, reason: "password rejected")).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let parent = try #require(fake.messages.first)
                #expect(try await listener.post(sync("pg", 2, reason: "disk full")).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let updated = try #require(fake.message(ts: parent.ts))
                #expect(updated.edits == 1)
                let blocks = String(decoding: try JSONEncoder().encode(updated.blocks ?? []), as: UTF8.self)
                #expect(blocks.contains("disk full"))
                let reply = try #require(fake.messages.first { $0.threadTS == parent.ts })
                #expect(reply.broadcast)
                #expect(fake.messages.filter { $0.threadTS == nil }.count == 1)
            }
        }
    }

    @Test func aDeletedParentFallsBackToANewMessageThatBecomesTheParent() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let first = try #require(fake.messages.first)
                fake.deleteMessage(ts: first.ts)
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let parents = fake.messages.filter { $0.threadTS == nil }
                #expect(parents.count == 1)
                let parent = try #require(parents.first)
                #expect(parent.ts != first.ts)
                #expect(parent.text.contains("Recovered — pg"))
                #expect(fake.messages.contains { $0.threadTS == parent.ts })
                let post = try await listener.store.post(incident: "sync|id_pg", destination: "route:slack_app")
                #expect(post.flatMap { SlackAppPost(encoded: $0.post) }?.ts == parent.ts)
                #expect(try await listener.store.counts().failed == 0)
            }
        }
    }

    @Test func aPermanentRefusalIsKeptAsFailedWithTheFix() async throws {
        try await FakeSlackWebAPI.with { fake in
            fake.script(.error("not_in_channel"))
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().failed == 1 })
                #expect(await eventually { listener.logs.stderr.contains("/invite") })
                #expect(Self.posts(fake).count == 1)
            }
        }
    }

    @Test func rateLimitsAndServerErrorsAreRetriedNeverDropped() async throws {
        try await FakeSlackWebAPI.with { fake in
            fake.script(.rateLimited(retryAfter: "3"), .raw(status: 503, body: "down"), .error("ratelimited"))
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(Self.posts(fake).count == 4)
                #expect(fake.messages.count == 1)
                #expect(listener.clock.sleeps.contains(.seconds(3)))
            }
        }
    }

    @Test func incomingWebhookRoutesAndAppRoutesLiveSideBySide() async throws {
        try await FakeSlack.with { slack in
            try await FakeSlackWebAPI.with { fake in
                let routes = [
                    Route(
                        name: "app", match: RouteMatch([.connectorId: ["id_pg"]]),
                        destinations: Self.channel)
                ]
                try await ListenerHarness.with(
                    slackURL: nil, destinations: [DestinationTarget(kind: .slack, address: slack.url)],
                    slackApp: Self.options(fake), routes: routes
                ) { listener throws in
                    #expect(try await listener.post(sync("pg", 1)).status == 200)
                    #expect(try await listener.post(sync("mysql", 2)).status == 200)
                    #expect(await eventually { try await listener.store.counts().delivered == 2 })
                    #expect(fake.messages.count == 1)
                    #expect(slack.delivered.count == 1)
                }
            }
        }
    }
}
