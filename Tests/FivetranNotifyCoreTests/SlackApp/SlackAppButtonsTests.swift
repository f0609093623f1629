import Foundation
import Testing

@testable import FivetranNotifyCore

/// The buttons of the Slack app mode through a real listener: signed clicks POSTed over real HTTP
/// (libcurl) to the actions path, recorded in SQLite before the 200, acted on against a fake Slack Web
/// API and a fake Fivetran API.
@Suite struct SlackAppButtonsTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"

    static func options(_ fake: FakeSlackWebAPI, allowedUsers: [String] = []) -> SlackAppOptions {
        SlackAppOptions(
            token: FakeSlackWebAPI.token, apiURL: fake.apiURL, signingSecret: secret, allowedUsers: allowedUsers,
            canResync: true)
    }

    static let channel = [DestinationTarget(kind: .slackApp, address: FakeSlackWebAPI.channel)]

    private static func failure(_ n: Int = 1, reason: String = "password rejected") -> Data {
        let body: JSONValue = [
            "event": "sync_end", "created": .string("2026-05-22T00:\(10 + n):00.000Z"),
            "connector_type": "postgres", "connector_id": "id_pg", "connector_name": "pg",
            "sync_id": .string("sync-\(n)"), "destination_group_id": "inappropriate_implode",
            "data": ["status": "FAILURE", "reason": .string(reason)],
        ]
        return try! JSONEncoder().encode(body)
    }

    /// A click on `parent` as Slack posts it, signed with `secret` now.
    private static func click(
        _ button: SlackButton, on parent: FakeSlackWebAPI.Message, fake: FakeSlackWebAPI, user: String = "U0ALICE",
        actionTS: String = "1800000100.123456"
    ) -> Data {
        SlackBlockActionTests.form(
            SlackBlockActionTests.payload(
                actionID: button.rawValue,
                value: SlackButtonValue(incident: "sync|id_pg", connection: "id_pg").encoded,
                responseURL: fake.responseURL()
            ) { object in
                object["container"] = [
                    "type": "message", "message_ts": .string(parent.ts), "channel_id": .string(parent.channel),
                    "is_ephemeral": false,
                ]
                object["message"] = ["type": "message", "ts": .string(parent.ts), "text": "Sync failed"]
                object["user"] = ["id": .string(user), "username": "alice", "name": "alice", "team_id": "T0FAKE"]
                object["actions"] = [
                    [
                        "type": "button", "action_id": .string(button.rawValue), "block_id": "b1",
                        "action_ts": .string(actionTS),
                        "value": .string(SlackButtonValue(incident: "sync|id_pg", connection: "id_pg").encoded),
                    ]
                ]
            })
    }

    private static func send(
        _ body: Data, to listener: ListenerHarness, path: String = "/slack/actions", secret: String = secret,
        timestamp: Int = Int(Date().timeIntervalSince1970), method: String = "POST"
    ) async throws -> HTTPResponse {
        let stamp = String(timestamp)
        let signature = SlackRequestVerifier.signature(body: body, timestamp: stamp, signingSecret: secret)
        return try await CurlTransport().send(
            HTTPRequest(
                method: method, url: listener.baseURL + path,
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", stamp),
                    ("X-Slack-Signature", signature),
                ], body: method == "POST" ? body : nil))
    }

    /// A listener with one failure posted; returns its parent.
    private static func withParent(
        _ fake: FakeSlackWebAPI, options: SlackAppOptions, fivetranAPI: FivetranAPIClient? = nil,
        _ body: (ListenerHarness, FakeSlackWebAPI.Message) async throws -> Void
    ) async throws {
        try await ListenerHarness.with(
            slackURL: nil, destinations: channel, slackApp: options, fivetranAPI: fivetranAPI
        ) { listener throws in
            #expect(try await listener.post(failure()).status == 200)
            #expect(await eventually { try await listener.store.counts().delivered == 1 })
            let parent = try #require(fake.messages.first)
            try await body(listener, parent)
        }
    }

    private static func text(_ message: FakeSlackWebAPI.Message?) -> String {
        String(decoding: (try? JSONEncoder().encode(message?.blocks ?? [])) ?? Data(), as: UTF8.self)
    }

    @Test func aFailureParentHasAcknowledgeMuteAndResyncButtons() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake)) { _, parent in
                let blocks = Self.text(parent)
                #expect(blocks.contains(SlackButton.acknowledge.rawValue))
                #expect(blocks.contains(SlackButton.mute.rawValue))
                #expect(blocks.contains("Mute 4h"))
                #expect(blocks.contains(SlackButton.resync.rawValue))
            }
        }
    }

    @Test func acknowledgeIsAnsweredAtOnceActsOnceAndShowsWho() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake)) { listener, parent throws in
                let click = Self.click(.acknowledge, on: parent, fake: fake)
                let answer = try await Self.send(click, to: listener)
                #expect(answer.status == 200)
                #expect(answer.body.isEmpty)
                // Slack retried the same click: it acts once.
                #expect(try await Self.send(click, to: listener).status == 200)
                #expect(await eventually { fake.message(ts: parent.ts)?.edits == 1 })
                let updated = Self.text(fake.message(ts: parent.ts))
                #expect(updated.contains("Acknowledged by <@U0ALICE>"))
                #expect(updated.contains(SlackButton.unacknowledge.rawValue))
                #expect(await eventually { fake.messages.contains { $0.threadTS == parent.ts } })
                let reply = try #require(fake.messages.first { $0.threadTS == parent.ts })
                #expect(reply.text.contains("Acknowledged by <@U0ALICE>"))
                try await Task.sleep(for: .milliseconds(200))
                #expect(fake.message(ts: parent.ts)?.edits == 1)
                #expect(fake.messages.filter { $0.threadTS == parent.ts }.count == 1)
                // `status` shows who acknowledged it and links to the message.
                let report = try await StatusReport.load(
                    from: listener.store, now: Date(), describePost: SlackAppDestination.summary(ofPost:))
                let link = SlackMessageRef(channel: parent.channel, ts: parent.ts).link
                #expect(report.text(now: Date()).contains("pg: \(link) (acknowledged by @alice)"))
                let json = try ReportJSON.encode(report)
                #expect(json.contains("\"acknowledged_by\" : \"@alice\""))
                #expect(json.contains(link.replacingOccurrences(of: "/", with: "\\/")) || json.contains(link))
            }
        }
    }

    @Test func anAcknowledgedIncidentGetsNoReminderAndAChangeEndsTheAcknowledgement() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake)) { listener, parent throws in
                #expect(
                    try await Self.send(Self.click(.acknowledge, on: parent, fake: fake), to: listener).status == 200)
                #expect(await eventually { fake.message(ts: parent.ts)?.edits == 1 })
                #expect(await eventually { fake.messages.contains { $0.threadTS == parent.ts } })
                // A changed reason: the parent shows Acknowledge again and the channel sees the change.
                #expect(try await listener.post(Self.failure(2, reason: "disk full")).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let updated = Self.text(fake.message(ts: parent.ts))
                #expect(updated.contains(SlackButton.acknowledge.rawValue))
                #expect(!updated.contains("Acknowledged by"))
                #expect(fake.messages.contains { $0.threadTS == parent.ts && $0.broadcast })
                let post = try await listener.store.post(incident: "sync|id_pg", destination: "route:slack_app")
                #expect(post.flatMap { SlackAppPost(encoded: $0.post) }?.acknowledgedBy == nil)
            }
        }
    }

    @Test func acknowledgeAlsoAcknowledgesThePagerDutyAlertOfTheSameRoute() async throws {
        try await FakePagerDuty.with { pagerDuty in
            try await FakeSlackWebAPI.with { fake in
                let destinations =
                    Self.channel + [DestinationTarget(kind: .pagerduty, address: PagerDutyDestinationTests.routingKey)]
                try await ListenerHarness.with(
                    slackURL: nil, destinations: destinations, pagerDutyURL: pagerDuty.baseURL,
                    slackApp: Self.options(fake)
                ) { listener throws in
                    #expect(try await listener.post(Self.failure()).status == 200)
                    #expect(await eventually { try await listener.store.counts().delivered == 2 })
                    let parent = try #require(fake.messages.first)
                    #expect(
                        try await Self.send(Self.click(.acknowledge, on: parent, fake: fake), to: listener).status
                            == 200)
                    #expect(await eventually { pagerDuty.posts.count == 2 })
                    let event = try JSONDecoder().decode(JSONValue.self, from: pagerDuty.posts[1].body)
                    #expect(event["event_action"]?.stringValue == "acknowledge")
                    #expect(event["dedup_key"]?.stringValue == "fivetran-notify/sync|id_pg")
                    #expect(event["routing_key"]?.stringValue == PagerDutyDestinationTests.routingKey)
                }
            }
        }
    }

    @Test func muteAddsARealMuteListedLikeAnyOther() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake)) { listener, parent throws in
                #expect(try await Self.send(Self.click(.mute, on: parent, fake: fake), to: listener).status == 200)
                #expect(await eventually { !((try? await listener.store.activeMutes(at: Date())) ?? []).isEmpty })
                let mute = try #require(try await listener.store.activeMutes(at: Date()).first)
                #expect(mute.target == .connector("id_pg"))
                #expect(mute.reason == "from Slack by @alice")
                #expect(abs(mute.until.timeIntervalSinceNow - 4 * 3600) < 120)
                #expect(await eventually { Self.text(fake.message(ts: parent.ts)).contains("Muted by <@U0ALICE>") })
            }
        }
    }

    @Test func resyncStartsASyncAndSaysSoInTheThread() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "id_pg")
            let client = FivetranAPIClient(
                baseURL: api.apiURL, apiKey: FakeFivetranAPI.apiKey, apiSecret: FakeFivetranAPI.apiSecret,
                transport: CurlTransport(), timeout: .seconds(10))
            try await FakeSlackWebAPI.with { fake in
                try await Self.withParent(fake, options: Self.options(fake), fivetranAPI: client) {
                    listener, parent throws in
                    #expect(
                        try await Self.send(Self.click(.resync, on: parent, fake: fake), to: listener).status == 200)
                    #expect(await eventually { fake.messages.contains { $0.threadTS == parent.ts } })
                    let reply = try #require(fake.messages.first { $0.threadTS == parent.ts })
                    #expect(reply.text.contains("Sync started by <@U0ALICE>"))
                    #expect(api.requests.contains { $0.path == "/v1/connections/id_pg/sync" })
                }
            }
        }
    }

    @Test func aClickFromSomeoneNotAllowedChangesNothingAndTellsThem() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake, allowedUsers: ["U0BOB"])) {
                listener, parent throws in
                #expect(
                    try await Self.send(Self.click(.acknowledge, on: parent, fake: fake), to: listener).status == 200)
                #expect(await eventually { !fake.responses().isEmpty })
                let told = try #require(fake.responses().first)
                #expect(told.json["text"]?.stringValue == SlackAppLayout.Ephemeral.notAllowed)
                #expect(told.json["response_type"]?.stringValue == "ephemeral")
                #expect(fake.message(ts: parent.ts)?.edits == 0)
                #expect(listener.logs.stderr.contains("U0ALICE"))
            }
        }
    }

    @Test func badSignaturesStaleClicksAndOtherMethodsAreRefused() async throws {
        try await FakeSlackWebAPI.with { fake in
            try await Self.withParent(fake, options: Self.options(fake)) { listener, parent throws in
                let click = Self.click(.acknowledge, on: parent, fake: fake)
                #expect(try await Self.send(click, to: listener, secret: "another-apps-secret-0000").status == 401)
                #expect(
                    try await Self.send(click, to: listener, timestamp: Int(Date().timeIntervalSince1970) - 400).status
                        == 401)
                #expect(
                    try await Self.send(click, to: listener, timestamp: Int(Date().timeIntervalSince1970) + 400).status
                        == 401)
                #expect(try await Self.send(Data("payload=%7B".utf8), to: listener).status == 400)
                #expect(try await Self.send(click, to: listener, method: "GET").status == 405)
                let metrics = String(decoding: try await listener.get("/metrics").body, as: UTF8.self)
                #expect(metrics.contains("fivetran_notify_slack_actions_rejected_total"))
                try await Task.sleep(for: .milliseconds(200))
                #expect(fake.message(ts: parent.ts)?.edits == 0)
                #expect(try await listener.store.pendingClicks().isEmpty)
            }
        }
    }

    @Test func withoutASigningSecretThereAreNoButtonsAndTheActionsPathIs404() async throws {
        try await FakeSlackWebAPI.with { fake in
            let options = SlackAppOptions(token: FakeSlackWebAPI.token, apiURL: fake.apiURL)
            try await Self.withParent(fake, options: options) { listener, parent throws in
                #expect(!Self.text(parent).contains(SlackButton.acknowledge.rawValue))
                let click = Self.click(.acknowledge, on: parent, fake: fake)
                #expect(try await Self.send(click, to: listener).status == 404)
            }
        }
    }
}
