import Foundation
import Testing

@testable import FivetranNotifyCore

/// The Web API client over the real CurlTransport against the fake Slack Web API.
@Suite struct SlackWebAPIClientTests {
    private func client(_ slack: FakeSlackWebAPI, token: String = FakeSlackWebAPI.token) -> SlackWebAPIClient {
        SlackWebAPIClient(
            baseURL: slack.apiURL + "/", token: token, transport: CurlTransport(), timeout: .seconds(10),
            now: { Date(timeIntervalSince1970: 1_800_000_000) })
    }

    private let message = SlackMessage(
        text: "Sync failed: salesforce_prod", blocks: [SlackMessage.section("*Sync failed* — salesforce_prod")])

    @Test func aPostSendsTheBearerTokenAsJSONAndReturnsChannelAndTS() async throws {
        try await FakeSlackWebAPI.with { slack in
            let sent = try await client(slack).postMessage(message, to: FakeSlackWebAPI.channel).get()
            #expect(sent == SlackSent(message: SlackMessageRef(channel: "C0ALERTS", ts: "1800000000.000100")))
            let call = try #require(slack.calls.first)
            #expect(call.method == "chat.postMessage")
            #expect(call.headers["authorization"] == "Bearer \(FakeSlackWebAPI.token)")
            #expect(call.headers["content-type"] == "application/json; charset=utf-8")
            #expect(call.json["channel"] == .string("C0ALERTS"))
            #expect(call.json["text"] == .string("Sync failed: salesforce_prod"))
            #expect(call.json["blocks"]?.arrayValue?.count == 1)
            #expect(call.json["unfurl_links"] == .bool(false))
            #expect(call.json["unfurl_media"] == .bool(false))
            #expect(call.json["thread_ts"] == nil)
            #expect(call.json["reply_broadcast"] == nil)
        }
    }

    @Test func aPostToAChannelNameReturnsTheChannelID() async throws {
        try await FakeSlackWebAPI.with { slack in
            let sent = try await client(slack).postMessage(message, to: "#alerts").get()
            #expect(sent.message.channel == "C0ALERTS")
            #expect(slack.messages.count == 1)
        }
    }

    @Test func aReplyGoesToTheParentsThreadAndMayBeBroadcast() async throws {
        try await FakeSlackWebAPI.with { slack in
            let api = client(slack)
            let parent = try await api.postMessage(message, to: "C0ALERTS").get().message
            let quiet = try await api.postMessage(message, to: parent.channel, inThreadOf: parent.ts).get().message
            let loud = try await api.postMessage(
                message, to: parent.channel, inThreadOf: parent.ts, broadcast: true
            ).get().message
            #expect(slack.message(ts: quiet.ts)?.threadTS == parent.ts)
            #expect(slack.message(ts: quiet.ts)?.broadcast == false)
            #expect(slack.message(ts: loud.ts)?.threadTS == parent.ts)
            #expect(slack.message(ts: loud.ts)?.broadcast == true)
            #expect(slack.calls[2].json["reply_broadcast"] == .bool(true))
            #expect(slack.calls[1].json["reply_broadcast"] == nil)
            #expect(slack.calls[1].json["thread_ts"] == .string(parent.ts))
        }
    }

    @Test func anUpdateReplacesTextAndBlocksInPlace() async throws {
        try await FakeSlackWebAPI.with { slack in
            let api = client(slack)
            let parent = try await api.postMessage(message, to: "C0ALERTS").get().message
            let recovered = SlackMessage(
                text: "Recovered — salesforce_prod", blocks: [SlackMessage.header("Recovered — salesforce_prod")])
            let sent = try await api.updateMessage(parent, to: recovered).get()
            #expect(sent == SlackSent(message: parent))
            let stored = try #require(slack.message(ts: parent.ts))
            #expect(stored.edits == 1)
            #expect(stored.text == "Recovered — salesforce_prod")
            #expect(stored.blocks == recovered.blocks)
            #expect(slack.calls[1].json["ts"] == .string(parent.ts))
            #expect(slack.calls[1].json["channel"] == .string("C0ALERTS"))
            #expect(slack.messages.count == 1)
        }
    }

    @Test func anUpdateOfAMessageThatIsGoneSaysPostANewOne() async throws {
        try await FakeSlackWebAPI.with { slack in
            let api = client(slack)
            let parent = try await api.postMessage(message, to: "C0ALERTS").get().message
            slack.deleteMessage(ts: parent.ts)
            let deleted = await api.updateMessage(parent, to: message)
            #expect(deleted.failure?.kind == .messageGone)
            #expect(deleted.failure?.error == "message_not_found")
            slack.script(.error("cant_update_message"))
            let notOurs = await api.updateMessage(parent, to: message)
            #expect(notOurs.failure?.kind == .messageGone)
            #expect(notOurs.failure?.error == "cant_update_message")
            let reply = await api.postMessage(message, to: "C0ALERTS", inThreadOf: parent.ts)
            #expect(reply.failure?.kind == .messageGone)
        }
    }

    /// Each permanent error keeps the message as failed with the one-line fix, and never shows the token.
    @Test(arguments: [
        ("channel_not_found", "/invite @fivetran-notify"),
        ("not_in_channel", "invite the app to the channel: /invite @fivetran-notify"),
        ("is_archived", "unarchive it"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("not_authed", "SLACK_BOT_TOKEN"),
        ("account_inactive", "Reinstall the app"),
        ("token_revoked", "Reinstall the app: the token was revoked"),
        ("token_expired", "turn off token rotation"),
        ("missing_scope", "chat:write"),
        ("restricted_action", "who may post there"),
        ("some_future_error", "kept as failed"),
    ])
    func permanentErrorsAreKeptWithTheirFix(code: String, fix: String) async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(.error(code, extra: code == "missing_scope" ? ["needed": "chat:write"] : [:]))
            let failure = try #require(await client(slack).postMessage(message, to: "C0ALERTS").failure)
            #expect(failure.kind == .permanent)
            #expect(failure.error == code)
            #expect(failure.sentence.contains(fix), "\(failure.sentence)")
            #expect(!failure.sentence.contains(FakeSlackWebAPI.token))
            #expect(!failure.sentence.contains("\n"))
            #expect(failure.sendOutcome == .permanent(status: 200, reason: failure.sentence))
        }
    }

    @Test func aWrongTokenIsNamedByItsLastFourCharactersOnly() async throws {
        try await FakeSlackWebAPI.with { slack in
            let wrong = "xoxb-9999-8888-secretPartQRST"
            let failure = try #require(await client(slack, token: wrong).postMessage(message, to: "C0ALERTS").failure)
            #expect(failure.error == "invalid_auth")
            #expect(failure.sentence.contains("…QRST"))
            #expect(!failure.sentence.contains("secretPart"))
            #expect(failure.exitCode == ExitStatus.credentials)
            #expect(slack.messages.isEmpty)
        }
    }

    @Test func rateLimitsHonourRetryAfter() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(.rateLimited(retryAfter: "7"), .rateLimited(retryAfter: nil), .error("ratelimited"))
            let api = client(slack)
            let first = try #require(await api.postMessage(message, to: "C0ALERTS").failure)
            #expect(first.kind == .rateLimited(retryAfter: .seconds(7)))
            #expect(first.status == 429)
            #expect(first.sendOutcome == .rateLimited(retryAfter: .seconds(7)))
            let second = try #require(
                await api.updateMessage(SlackMessageRef(channel: "C0ALERTS", ts: "1.2"), to: message).failure)
            #expect(second.kind == .rateLimited(retryAfter: nil))
            let third = try #require(await api.postMessage(message, to: "C0ALERTS").failure)
            #expect(third.kind == .rateLimited(retryAfter: nil))
            #expect(slack.messages.isEmpty)
        }
    }

    @Test func theFreePlansMessageLimitWaitsLong() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(.error("message_limit_exceeded"))
            let failure = try #require(await client(slack).postMessage(message, to: "C0ALERTS").failure)
            #expect(failure.kind == .rateLimited(retryAfter: SlackAPIFailure.messageLimitWait))
        }
    }

    @Test func serverErrorsAndSlacksOwnFailuresAreRetried() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(
                .raw(status: 503, body: "<html>upstream</html>"), .error("internal_error"), .error("fatal_error"),
                .raw(status: 200, body: "<html>captive portal</html>"))
            let api = client(slack)
            for expected in ["HTTP 503", "internal_error", "fatal_error", "HTTP 200"] {
                let failure = try #require(await api.postMessage(message, to: "C0ALERTS").failure)
                #expect(failure.kind == .transient, "\(expected)")
                #expect(failure.error == expected)
                if case .transient = failure.sendOutcome {} else { Issue.record("\(expected) is not transient") }
            }
        }
    }

    @Test func noAnswerAtAllIsRetried() async throws {
        let api = SlackWebAPIClient(
            baseURL: "http://127.0.0.1:1/api", token: FakeSlackWebAPI.token, transport: CurlTransport())
        let failure = try #require(await api.postMessage(message, to: "C0ALERTS").failure)
        #expect(failure.kind == .transient)
        #expect(failure.status == 0)
        #expect(!failure.sentence.contains(FakeSlackWebAPI.token))
    }

    @Test func aWrongAPIURLIsPermanentAndSaysWhereToLook() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(.raw(status: 404, body: "Not Found", contentType: "text/plain"))
            let failure = try #require(await client(slack).postMessage(message, to: "C0ALERTS").failure)
            #expect(failure.kind == .permanent)
            #expect(failure.sentence.contains("SLACK_API_URL"))
        }
    }

    @Test func aRefusedLayoutIsSentOnceAsPlainText() async throws {
        try await FakeSlackWebAPI.with { slack in
            let bad = SlackMessage(text: "Sync failed: pg", blocks: [.object(["type": .string("invalid")])])
            let sent = try await client(slack).postMessage(bad, to: "C0ALERTS").get()
            #expect(sent.plainTextOnly)
            #expect(slack.calls.count == 2)
            #expect(slack.calls[1].json["blocks"] == nil)
            #expect(slack.calls[1].json["text"] == .string("Sync failed: pg"))
            #expect(slack.message(ts: sent.message.ts)?.blocks == nil)
        }
    }

    @Test func aRefusedPlainTextIsNotTriedAgain() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(.error("msg_too_long"), .error("msg_too_long"))
            let api = client(slack)
            let post = try #require(await api.postMessage(message, to: "C0ALERTS").failure)
            #expect(post.kind == .refusedContent)
            #expect(slack.calls.count == 2)
            slack.script(.error("invalid_blocks"))
            let update = await api.updateMessage(SlackMessageRef(channel: "C0ALERTS", ts: "9.9"), to: message)
            #expect(update.failure?.error == "message_not_found")
            #expect(slack.calls.count == 4)
            #expect(slack.calls[3].json["blocks"] == nil)
        }
    }

    @Test func anOkWithoutAStringTSIsNotResent() async throws {
        try await FakeSlackWebAPI.with { slack in
            slack.script(
                .raw(
                    status: 200, body: #"{"ok":true,"channel":"C0ALERTS","ts":1800000000.0001}"#,
                    contentType: "application/json"))
            let failure = try #require(await client(slack).postMessage(message, to: "C0ALERTS").failure)
            #expect(failure.kind == .permanent)
            #expect(failure.error == "no_ts")
        }
    }

    @Test func authTestNamesTheWorkspaceAndTheBot() async throws {
        try await FakeSlackWebAPI.with { slack in
            let identity = try await client(slack).authTest().get()
            #expect(identity.teamID == FakeSlackWebAPI.teamID)
            #expect(identity.userID == FakeSlackWebAPI.botUserID)
            #expect(identity.botID == "B0BOT")
            #expect(slack.calls.first?.method == "auth.test")
            let refused = await client(slack, token: "xoxb-not-the-right-one").authTest()
            #expect(refused.failure?.error == "invalid_auth")
        }
    }

    @Test func theLinkOfAMessage() {
        let ref = SlackMessageRef(channel: "C0ALERTS", ts: "1503435956.000247")
        #expect(ref.link == "https://slack.com/archives/C0ALERTS/p1503435956000247")
        #expect(SlackWebAPIClient.redacted("xoxb-123-456-abcdEFGH") == "…EFGH")
        #expect(SlackWebAPIClient.redacted("short") == "…")
    }
}

extension Result {
    /// The failure, or nil for a success.
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

/// Answers to the clicker alone, and the calls of a dry run.
@Suite struct SlackEphemeralAndDryRunTests {
    @Test func theClickerAloneIsToldThroughTheResponseURL() async throws {
        try await FakeSlackWebAPI.with { slack in
            let api = SlackWebAPIClient(baseURL: slack.apiURL, token: FakeSlackWebAPI.token, transport: CurlTransport())
            let url = slack.responseURL("click1")
            try await api.respondEphemeral(SlackAppLayout.Ephemeral.noLongerTracked, to: url).get()
            let response = try #require(slack.responses("click1").first)
            #expect(response.json["response_type"] == .string("ephemeral"))
            #expect(response.json["replace_original"] == .bool(false))
            #expect(response.json["text"] == .string("This alert is no longer tracked."))
            #expect(response.headers["authorization"] == nil)
            for _ in 0..<4 { _ = await api.respondEphemeral("again", to: url) }
            let usedUp = try #require(await api.respondEphemeral("sixth", to: url).failure)
            #expect(usedUp.kind == .permanent)
            #expect(usedUp.sentence.contains("127.0.0.1"))
            #expect(!usedUp.sentence.contains("click1"))
        }
    }

    @Test func aDryRunPrintsEachCallWithoutTheTokenAndThreadsWork() async throws {
        let captured = CapturedOutput()
        let api = SlackWebAPIClient(
            token: FakeSlackWebAPI.token, transport: DryRunSlackWebAPITransport(output: captured.output))
        let message = SlackMessage(text: "Sync failed: pg")
        let parent = try await api.postMessage(message, to: "C0ALERTS").get().message
        #expect(parent == SlackMessageRef(channel: "C0ALERTS", ts: "0000000000.000001"))
        let reply = try await api.postMessage(message, to: parent.channel, inThreadOf: parent.ts).get().message
        #expect(reply.ts == "0000000000.000002")
        #expect(try await api.updateMessage(parent, to: message).get().message == parent)
        let lines = captured.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix(#"chat.postMessage C0ALERTS {"channel":"C0ALERTS""#))
        #expect(lines[1].contains(#""thread_ts":"0000000000.000001""#))
        #expect(lines[2].hasPrefix("chat.update C0ALERTS "))
        #expect(!captured.stdout.contains(FakeSlackWebAPI.token))
    }
}
