import Foundation
import Testing

@testable import FivetranNotifyCore

/// The buttons of a storm's digest through a real listener: the digest posted with Acknowledge and Mute
/// against a fake Slack Web API, signed clicks POSTed over real HTTP (libcurl) to the actions path, and
/// what they do to every connector the digest names.
@Suite struct SlackAppDigestButtonsTests {
    static func options(_ fake: FakeSlackWebAPI) -> SlackAppOptions {
        SlackAppOptions(
            token: FakeSlackWebAPI.token, apiURL: fake.apiURL, signingSecret: SlackAppButtonsTests.secret,
            canResync: true)
    }

    static let channel = [DestinationTarget(kind: .slackApp, address: FakeSlackWebAPI.channel)]

    /// The buttons of a message as Slack shows them.
    private static func buttons(_ message: FakeSlackWebAPI.Message?) -> [JSONValue] {
        (message?.blocks ?? []).filter { $0["type"]?.stringValue == "actions" }
            .flatMap { $0["elements"]?.arrayValue ?? [] }
    }

    private static func text(_ message: FakeSlackWebAPI.Message?) -> String {
        String(decoding: (try? JSONEncoder().encode(message?.blocks ?? [])) ?? Data(), as: UTF8.self)
    }

    /// A click on the digest's `button` as Slack posts it (with the message as the clicker saw it), signed
    /// at `now` (the listener's clock).
    private static func click(
        _ button: SlackButton, on digest: FakeSlackWebAPI.Message, fake: FakeSlackWebAPI, listener: ListenerHarness,
        actionTS: String, now: Date
    ) async throws -> HTTPResponse {
        let value = buttons(digest).first { $0["action_id"]?.stringValue == button.rawValue }?["value"]?.stringValue
        let body = SlackBlockActionTests.form(
            SlackBlockActionTests.payload(actionID: button.rawValue, value: value, responseURL: fake.responseURL()) {
                object in
                object["container"] = [
                    "type": "message", "message_ts": .string(digest.ts), "channel_id": .string(digest.channel),
                    "is_ephemeral": false,
                ]
                object["message"] = [
                    "type": "message", "ts": .string(digest.ts), "text": .string(digest.text),
                    "blocks": .array(digest.blocks ?? []),
                ]
                object["user"] = ["id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0FAKE"]
                object["actions"] = [
                    [
                        "type": "button", "action_id": .string(button.rawValue), "block_id": "b1",
                        "action_ts": .string(actionTS), "value": value.map(JSONValue.string) ?? .null,
                    ]
                ]
            })
        let stamp = String(Int(now.timeIntervalSince1970))
        let signature = SlackRequestVerifier.signature(
            body: body, timestamp: stamp, signingSecret: SlackAppButtonsTests.secret)
        return try await CurlTransport().send(
            HTTPRequest(
                method: "POST", url: listener.baseURL + "/slack/actions",
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", stamp),
                    ("X-Slack-Signature", signature),
                ], body: body))
    }

    @Test func acknowledgeOnADigestStopsItsConnectorsRemindersAndStaysShownUntilGreen() async throws {
        try await FakeSlackWebAPI.with { fake in
            for _ in 0..<40 { fake.script(.raw(status: 503, body: "down")) }
            let wall = HandWallClock()
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake),
                policy: NoticePolicy(remindEvery: .seconds(4 * 3600)), now: wall.now,
                dispatcher: { $0.pollInterval = .milliseconds(50) }
            ) { listener throws in
                let (digest, members) = try await listener.stormIntoOneDigest(on: fake, ["a", "b", "c", "d", "e", "f"])
                #expect(members.count >= 5)
                // Acknowledge and Mute, no Re-sync; they act on the digest.
                let ids = Self.buttons(digest).compactMap { $0["action_id"]?.stringValue }
                #expect(ids == [SlackButton.acknowledge.rawValue, SlackButton.mute.rawValue])
                let value = Self.buttons(digest).first?["value"]?.stringValue
                #expect(value.flatMap(SlackButtonValue.init(encoded:))?.incident?.hasPrefix("digest:") == true)

                let answer = try await Self.click(
                    .acknowledge, on: digest, fake: fake, listener: listener, actionTS: "1800000100.000001",
                    now: wall.now())
                #expect(answer.status == 200)
                #expect(await eventually { fake.message(ts: digest.ts)?.edits == 1 })
                let acknowledged = fake.message(ts: digest.ts)
                #expect(Self.text(acknowledged).contains("Acknowledged by <@U0ALICE>"))
                #expect(Self.text(acknowledged).contains(SlackButton.unacknowledge.rawValue))
                #expect(Self.text(acknowledged).contains(SlackButton.mute.rawValue))
                // Every name is still there.
                for name in members { #expect(Self.text(acknowledged).contains(name)) }
                #expect(await eventually { fake.messages.contains { $0.threadTS == digest.ts } })
                let reply = try #require(fake.messages.first { $0.threadTS == digest.ts })
                #expect(reply.text.contains("Acknowledged by <@U0ALICE>"))
                #expect(reply.text.contains("\(members.count) connectors"))
                // Each connector's incident is acknowledged.
                let posts = try await listener.store.posts(incidents: members.map { "sync|id_\($0)" })
                #expect(posts.count == members.count)
                #expect(
                    posts.values.allSatisfy {
                        SlackAppPost(encoded: $0.post)?.acknowledgedBy?.userID == "U0ALICE"
                    })

                // A connector keeps failing for five hours: its reminder is due, and says nothing.
                let member = try #require(members.first)
                let delivered = try await listener.store.counts().delivered
                for n in 0..<4 {
                    wall.advance(hours: 1.25)
                    #expect(try await listener.post(sync(member, 10 + n)).status == 200)
                }
                #expect(await eventually { try await listener.store.counts().delivered == delivered + 1 })
                #expect(!fake.messages.contains { $0.text.contains("Still failing") })

                // One recovers: "1 of N recovered", still acknowledged, still with its buttons.
                #expect(try await listener.post(sync(member, 20, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { fake.message(ts: digest.ts)?.edits == 2 })
                let progress = fake.message(ts: digest.ts)
                #expect(progress?.text.contains("1 of \(members.count) recovered") == true)
                #expect(Self.text(progress).contains("Acknowledged by <@U0ALICE>"))
                #expect(Self.text(progress).contains(SlackButton.unacknowledge.rawValue))

                // The rest recover: green, no buttons.
                for (n, name) in members.dropFirst().enumerated() {
                    #expect(
                        try await listener.post(sync(name, 30 + n, status: "SUCCESSFUL", reason: nil)).status == 200)
                }
                wall.advance(hours: 61.0 / 3600)
                #expect(await eventually { fake.message(ts: digest.ts)?.edits == 3 })
                let green = fake.message(ts: digest.ts)
                #expect(green?.text.contains("All \(members.count) recovered") == true)
                #expect(Self.buttons(green).isEmpty)
                #expect(!Self.text(green).contains("\"actions\""))
            }
        }
    }

    @Test func muteOnADigestMutesEachOfItsConnectorsForMuteFor() async throws {
        try await FakeSlackWebAPI.with { fake in
            for _ in 0..<40 { fake.script(.raw(status: 503, body: "down")) }
            let wall = HandWallClock()
            try await ListenerHarness.with(
                slackURL: nil, destinations: Self.channel, slackApp: Self.options(fake), now: wall.now,
                dispatcher: { $0.pollInterval = .milliseconds(50) }
            ) { listener throws in
                let (digest, members) = try await listener.stormIntoOneDigest(on: fake, ["a", "b", "c", "d", "e", "f"])
                #expect(members.count >= 5)
                let answer = try await Self.click(
                    .mute, on: digest, fake: fake, listener: listener, actionTS: "1800000100.000002",
                    now: wall.now())
                #expect(answer.status == 200)
                #expect(
                    await eventually {
                        ((try? await listener.store.activeMutes(at: wall.now())) ?? []).count == members.count
                    })
                let mutes = try await listener.store.activeMutes(at: wall.now())
                for name in members { #expect(mutes.contains { $0.target == .connector("id_\(name)") }) }
                #expect(mutes.allSatisfy { abs($0.until.timeIntervalSince(wall.now()) - 4 * 3600) < 120 })
                #expect(mutes.allSatisfy { $0.reason?.contains("from Slack by @alice") == true })
                #expect(await eventually { Self.text(fake.message(ts: digest.ts)).contains("Muted by <@U0ALICE>") })
                #expect(await eventually { fake.messages.contains { $0.threadTS == digest.ts } })
                let reply = try #require(fake.messages.first { $0.threadTS == digest.ts })
                #expect(reply.text.contains("\(members.count) connectors"))
                #expect(reply.text.contains("mute list"))
            }
        }
    }
}
