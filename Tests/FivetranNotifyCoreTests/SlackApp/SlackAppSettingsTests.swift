import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

/// slack-app.md "Settings": how `listen` reads the bot token, channels and `[slack]`, and the refusals
/// at start, through the real command line.
@Suite struct SlackAppSettingsTests {
    static let token = "xoxb-1111-2222-settingsTokenQRST"

    private func harness() -> CommandHarness {
        let harness = CommandHarness()
        harness.environment["FIVETRAN_SIGNING_KEY"] = ListenerHarness.key
        return harness
    }

    @Test func aRouteWithBothAWebhookAndAChannelIsRefusedNamingIt() async throws {
        let harness = harness()
        harness.environment["SLACK_BOT_TOKEN"] = Self.token
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/X"
        try harness.writeConfig(
            """
            [[route]]
            name = "finance"
            match = { connector_id = ["a"] }
            slack_webhook_url = "https://hooks.slack.com/services/T0/B0/Y"
            slack_channel = "C0FINANCE"
            """)
        #expect(await harness.run(["listen", "--port", "0"]) == 64)
        #expect(harness.output.stderr.contains("route \"finance\""))
        #expect(harness.output.stderr.contains("slack_webhook_url"))
        #expect(harness.output.stderr.contains("slack_channel"))
    }

    @Test func theDefaultRouteWithBothIsRefusedToo() async throws {
        let harness = harness()
        harness.environment["SLACK_BOT_TOKEN"] = Self.token
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/X"
        #expect(await harness.run(["listen", "--port", "0", "--slack-channel", "#alerts"]) == 64)
        #expect(harness.output.stderr.contains("default route"))
    }

    @Test func aChannelWithoutATokenIsRefusedNamingTheThreeWays() async throws {
        let harness = harness()
        harness.environment["SLACK_CHANNEL"] = "C0ALERTS"
        #expect(await harness.run(["listen", "--port", "0"]) == 64)
        let says = harness.output.stderr
        #expect(says.contains("no Slack bot token"))
        #expect(says.contains("--slack-bot-token"))
        #expect(says.contains("SLACK_BOT_TOKEN"))
        #expect(says.contains("slack_bot_token"))
    }

    @Test func aTokenWithoutAnyChannelIsRefused() async throws {
        let harness = harness()
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/X"
        #expect(await harness.run(["listen", "--port", "0", "--slack-bot-token", Self.token]) == 64)
        #expect(harness.output.stderr.contains("no route names a Slack channel"))
        #expect(!harness.output.stderr.contains(Self.token))
    }

    @Test func theDeliveryPathCannotBeTheActionsPath() async throws {
        let harness = harness()
        harness.environment["SLACK_BOT_TOKEN"] = Self.token
        harness.environment["SLACK_SIGNING_SECRET"] = "8f742231b10e8888abcd99yyyzzz85a5"
        harness.environment["SLACK_CHANNEL"] = "C0ALERTS"
        #expect(await harness.run(["listen", "--port", "0", "--path", "/slack/actions"]) == 64)
        #expect(harness.output.stderr.contains("--slack-actions-path"))
        #expect(!harness.output.stderr.contains("8f742231b10e8888abcd99yyyzzz85a5"))
    }

    @Test func settingsComeFromTheConfigFileWithTheirDefaults() throws {
        let url = TestFiles.temporaryDirectory().appendingPathComponent("config.toml")
        let text = """
            slack_bot_token_env = "MY_TOKEN"
            slack_signing_secret = "8f742231b10e8888abcd99yyyzzz85a5"
            [slack]
            api_url = "http://127.0.0.1:9/api"
            mute_for = "30m"
            allowed_users = ["U024BE7LH"]
            actions_path = "/hooks/slack"
            """
        let config = try ConfigFile.parse(text, url: url)
        let options = try #require(
            try SlackAppSettings.resolve(
                flags: SlackAppFlags(), environment: ["MY_TOKEN": Self.token], config: config, canResync: true))
        #expect(options.token == Self.token)
        #expect(options.apiURL == "http://127.0.0.1:9/api")
        #expect(options.muteFor == .seconds(1800))
        #expect(options.allowedUsers == ["U024BE7LH"])
        #expect(options.actionsPath == "/hooks/slack")
        #expect(options.hasButtons)
        #expect(!options.description.contains(Self.token))
        #expect(!options.description.contains("8f742231b10e8888abcd99yyyzzz85a5"))
        let defaults = try #require(
            try SlackAppSettings.resolve(
                flags: SlackAppFlags(botToken: Self.token), environment: [:], config: nil, canResync: false))
        #expect(defaults.muteFor == .seconds(4 * 3600))
        #expect(defaults.actionsPath == "/slack/actions")
        #expect(defaults.apiURL == "https://slack.com/api")
        #expect(!defaults.hasButtons)
        let none = try SlackAppSettings.resolve(flags: SlackAppFlags(), environment: [:], config: nil, canResync: false)
        #expect(none.map { _ in true } == nil)
    }

    @Test func aTokenThatIsNotABotTokenIsRefusedWithoutPrintingIt() {
        #expect {
            _ = try SlackAppSettings.resolve(
                flags: SlackAppFlags(botToken: "xoxp-user-token-secret-1234"), environment: [:], config: nil,
                canResync: false)
        } throws: { error in
            let text = "\(error)"
            return text.contains("xoxb-") && !text.contains("xoxp-user-token-secret-1234")
        }
    }
}

/// `route test` on a Slack channel with the bot token, through the real command and libcurl against a
/// fake Slack Web API.
@Suite struct SlackAppRouteTestTests {
    @Test func routeTestPostsThenUpdatesInPlaceAndSaysWhereClicksGo() async throws {
        try await FakeSlackWebAPI.with { fake in
            let harness = CommandHarness()
            harness.environment["SLACK_BOT_TOKEN"] = FakeSlackWebAPI.token
            harness.environment["SLACK_CHANNEL"] = FakeSlackWebAPI.channel
            harness.environment["SLACK_API_URL"] = fake.apiURL
            harness.environment["SLACK_SIGNING_SECRET"] = "8f742231b10e8888abcd99yyyzzz85a5"
            #expect(await harness.run(["route", "test"]) == 0, "\(harness.output.stderr)")
            let parents = fake.messages.filter { $0.threadTS == nil }
            #expect(parents.count == 1)
            let parent = try #require(parents.first)
            #expect(parent.edits == 1)
            #expect(parent.text.contains("Recovered"))
            let out = harness.output.stdout
            #expect(
                out.contains(
                    "slack_app channel C0ALERTS: token of Fake works; posted (https://slack.com/archives/C0ALERTS/p"))
            #expect(out.contains("updated in place as recovered"))
            #expect(out.contains("/slack/actions"))
            #expect(!out.contains(FakeSlackWebAPI.token))
        }
    }

    @Test func routeTestChecksTheTokenFirstAndSaysABadOneInOneSentence() async throws {
        try await FakeSlackWebAPI.with { fake in
            let harness = CommandHarness()
            harness.environment["SLACK_BOT_TOKEN"] = "xoxb-1111-2222-revokedTokenQRST"
            harness.environment["SLACK_CHANNEL"] = FakeSlackWebAPI.channel
            harness.environment["SLACK_API_URL"] = fake.apiURL
            #expect(await harness.run(["route", "test"]) == 1)
            #expect(fake.calls.map(\.method) == ["auth.test"])
            let line = try #require(harness.output.stdout.split(separator: "\n").first { $0.contains("C0ALERTS") })
            #expect(line.contains("bot token refused by auth.test"))
            #expect(line.contains("invalid_auth"))
            #expect(!harness.output.stdout.contains("revokedTokenQRST"))
        }
    }

    @Test func routeTestNamesTheWorkspaceOfAWorkingToken() async throws {
        try await FakeSlackWebAPI.with { fake in
            let harness = CommandHarness()
            harness.environment["SLACK_BOT_TOKEN"] = FakeSlackWebAPI.token
            harness.environment["SLACK_CHANNEL"] = FakeSlackWebAPI.channel
            harness.environment["SLACK_API_URL"] = fake.apiURL
            #expect(await harness.run(["route", "test"]) == 0)
            #expect(fake.calls.first?.method == "auth.test")
            #expect(harness.output.stdout.contains("token of Fake works"))
        }
    }

    @Test func routeTestSaysWhatSlackRefused() async throws {
        try await FakeSlackWebAPI.with { fake in
            let harness = CommandHarness()
            harness.environment["SLACK_BOT_TOKEN"] = FakeSlackWebAPI.token
            harness.environment["SLACK_CHANNEL"] = "#nowhere"
            harness.environment["SLACK_API_URL"] = fake.apiURL
            #expect(await harness.run(["route", "test"]) == 1)
            #expect(harness.output.stdout.contains("refused"))
            #expect(harness.output.stdout.contains("channel"))
        }
    }
}

/// `listen --dry-run` with a Slack channel: the Web API calls are printed (method, channel, body), never
/// the token, and the thread and update of a later notice refer to the printed post.
@Suite struct SlackAppDryRunTests {
    @Test func dryRunPrintsTheWebAPICallsWithoutTheToken() async throws {
        let output = CapturedOutput()
        let destination = SlackAppDestination(
            options: SlackAppOptions(token: FakeSlackWebAPI.token),
            transport: DryRunSlackWebAPITransport(output: output.output),
            logger: Logger(label: "test"), dryRun: true)
        let target = DestinationTarget(kind: .slackApp, address: "#alerts", dryRun: true).encoded
        #expect(destination.handles(TargetReference(kind: .slackApp, route: .defaultRoute, dryRun: true).encoded))
        #expect(!destination.handles(TargetReference(kind: .slackApp, route: .defaultRoute).encoded))
        let failure = Delivery(
            raw: [
                "event": "sync_end", "connector_id": "id_pg", "connector_name": "pg", "created": "2026-05-22T00:10:00Z",
                "data": ["status": "FAILURE", "reason": "password rejected"],
            ])
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let alert = Notice(id: 1, kind: .alert, deliveries: [failure], createdAt: now)
        let body = try #require(destination.render(alert, now: now).first)
        let (outcome, post) = await destination.send(body, to: target, post: nil)
        #expect(outcome == .delivered)
        let printed = output.stdout
        #expect(printed.hasPrefix("chat.postMessage #alerts {"))
        #expect(printed.contains("password rejected"))
        #expect(!printed.contains(FakeSlackWebAPI.token))
        var recovery = Notice(id: 2, kind: .resolved, deliveries: [failure], createdAt: now)
        recovery.failures = 1
        recovery.since = now
        let second = try #require(destination.render(recovery, now: now).first)
        #expect(await destination.send(second, to: target, post: post).0 == .delivered)
        #expect(output.stdout.contains("chat.update"))
    }
}
