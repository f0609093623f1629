import Foundation
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
