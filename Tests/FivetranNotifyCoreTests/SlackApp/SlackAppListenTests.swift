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
            let wall = HandWallClock()
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake), now: wall.now,
                dispatcher: { $0.pollInterval = .milliseconds(50) }
            ) { listener throws in
                let names = ["a", "b", "c", "d", "e", "f"]
                let (digest, members) = try await listener.stormIntoOneDigest(on: fake, names)
                // A connector the digest names: its incident's message is the digest.
                let member = try #require(members.first)
                let parents = fake.messages.filter { $0.threadTS == nil }.count
                // One connector of the digest recovers: said in the digest's thread, counted on the digest.
                wall.advance(hours: 1)
                #expect(try await listener.post(sync(member, 9, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { fake.messages.contains { $0.threadTS == digest.ts } })
                let reply = try #require(fake.messages.last { $0.threadTS == digest.ts })
                #expect(reply.text.contains("Recovered — \(member)"))
                #expect(reply.broadcast == false)
                #expect(fake.message(ts: digest.ts)?.edits == 1)
                #expect(fake.message(ts: digest.ts)?.text.contains("1 of \(members.count) recovered") == true)
                #expect(fake.messages.filter { $0.threadTS == nil }.count == parents)
            }
        }
    }

    @Test func aDigestCountsItsRecoveriesAtMostOnceAMinuteAndTurnsGreenWhenAllHave() async throws {
        try await FakeSlackWebAPI.with { fake in
            for _ in 0..<40 { fake.script(.raw(status: 503, body: "down")) }
            let wall = HandWallClock()
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake), now: wall.now,
                dispatcher: { $0.pollInterval = .milliseconds(50) }
            ) { listener throws in
                let names = ["a", "b", "c", "d", "e", "f", "g", "h"]
                let (digest, members) = try await listener.stormIntoOneDigest(on: fake, names)
                // At least the digest threshold: failures that arrive after it formed go on their own.
                #expect(members.count >= 5)
                let parents = fake.messages.filter { $0.threadTS == nil }.count
                let m = members.count
                func updates() -> [FakeSlackWebAPI.Call] {
                    fake.calls.filter { $0.method == "chat.update" && $0.json["ts"]?.stringValue == digest.ts }
                }
                // Two recover within the minute after the digest was posted: they wait for it to pass,
                // then are told together, with one update of the digest.
                for (n, name) in members.prefix(2).enumerated() {
                    #expect(
                        try await listener.post(sync(name, 20 + n, status: "SUCCESSFUL", reason: nil)).status == 200)
                }
                #expect(await eventually { try await listener.store.counts().pending == 2 })
                #expect(updates().isEmpty)
                wall.advance(hours: 61.0 / 3600)
                #expect(await eventually { updates().count == 1 })
                #expect(await eventually { try await listener.store.counts().pending == 0 })
                #expect(fake.message(ts: digest.ts)?.text.contains("2 of \(m) recovered") == true)
                // The rest recover at once: held for a minute since that update, then one more update, green.
                for (n, name) in members.dropFirst(2).enumerated() {
                    #expect(
                        try await listener.post(sync(name, 30 + n, status: "SUCCESSFUL", reason: nil)).status == 200)
                }
                #expect(await eventually { try await listener.store.counts().pending == members.count - 2 })
                #expect(updates().count == 1)
                wall.advance(hours: 61.0 / 3600)
                #expect(await eventually { updates().count == 2 })
                #expect(await eventually { try await listener.store.counts().pending == 0 })
                let green = try #require(fake.message(ts: digest.ts))
                #expect(green.text.contains("All \(m) recovered"))
                let blocks = String(decoding: try JSONEncoder().encode(green.blocks ?? []), as: UTF8.self)
                #expect(blocks.contains(":large_green_circle:"))
                #expect(!blocks.contains("\"actions\""))
                // Every name is told in the thread: two replies, one per update.
                let replies = fake.messages.filter { $0.threadTS == digest.ts }
                #expect(replies.count == 2)
                let told = replies.map { String(decoding: try! JSONEncoder().encode($0.blocks ?? []), as: UTF8.self) }
                    .joined()
                for name in members { #expect(told.contains(name)) }
                #expect(replies.last?.text.contains("all \(m) recovered") == true)
                // No new top-level message; every member's post and the digest's are closed.
                #expect(fake.messages.filter { $0.threadTS == nil }.count == parents)
                let posts = try await listener.store.posts(incidents: members.map { "sync|id_\($0)" })
                #expect(posts.values.allSatisfy { !$0.open })
                #expect(posts.count == members.count)
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

    @Test func aNewParentIsKeptEvenWhenTheReplyAfterItFailsSoTheRetryDoesNotPostItTwice() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                let first = try #require(fake.messages.first)
                fake.deleteMessage(ts: first.ts)
                // The update finds the parent gone, the new parent is posted, the reply under it fails.
                fake.script(.pass, .pass, .raw(status: 503, body: "down"))
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let parents = fake.messages.filter { $0.threadTS == nil }
                #expect(parents.count == 1)
                let parent = try #require(parents.first)
                #expect(parent.text.contains("Recovered — pg"))
                #expect(fake.messages.filter { $0.threadTS == parent.ts }.count == 1)
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
