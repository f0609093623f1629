import FivetranNotifyCore
import Foundation
import Testing

@Suite struct SettingsTests {
    private let configURL = URL(fileURLWithPath: "/cfg/fivetran-notify/config.toml")

    private func config(_ text: String) throws -> ConfigFile {
        try ConfigFile.parse(text, url: configURL)
    }

    @Test func flagBeatsEnvironmentBeatsConfigBeatsDefault() throws {
        let file = try config(
            """
            api_key = "from-config"
            api_secret = "secret-config"
            api_url = "https://config.example.com/v1"
            slack_webhook_url = "https://hooks.slack.com/services/T/B/config"
            """)
        let environment = [
            "FIVETRAN_API_KEY": "from-env", "FIVETRAN_API_URL": "https://env.example.com/v1",
            "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/env",
        ]
        let settings = try Settings.resolve(
            flags: SettingFlags(apiURL: "https://flag.example.com/v1"), environment: environment, config: file,
            configFileURL: configURL)
        #expect(settings.apiURL == "https://flag.example.com/v1")
        #expect(settings.apiKey == "from-env")
        #expect(settings.apiSecret == "secret-config")
        #expect(settings.slackWebhookURL == "https://hooks.slack.com/services/T/B/env")
        #expect(settings.sources["api_url"] == .flag)
        #expect(settings.sources["api_key"] == .environment)
        #expect(settings.sources["api_secret"] == .config)

        let defaults = try Settings.resolve(
            flags: SettingFlags(), environment: [:], config: nil, configFileURL: configURL)
        #expect(defaults.apiURL == "https://api.fivetran.com/v1")
        #expect(defaults.sources["api_url"] == .default)
        #expect(defaults.apiKey == nil)
        #expect(defaults.slackWebhookURL == nil)
    }

    @Test func flagBeatsEnvironmentForCredentials() throws {
        let settings = try Settings.resolve(
            flags: SettingFlags(apiKey: "flag-key", apiSecret: "flag-secret"),
            environment: ["FIVETRAN_API_KEY": "env-key", "FIVETRAN_API_SECRET": "env-secret"],
            config: nil, configFileURL: configURL)
        #expect(try settings.credentials() == FivetranCredentials(apiKey: "flag-key", apiSecret: "flag-secret"))
    }

    @Test func alternativeVariableNamesAndEmptyValues() throws {
        let settings = try Settings.resolve(
            flags: SettingFlags(apiKey: ""),
            environment: [
                "FIVETRAN_API_KEY": "  ", "FIVETRAN_APIKEY": "alt-key", "FIVETRAN_APISECRET": "alt-secret\n",
            ],
            config: nil, configFileURL: configURL)
        #expect(try settings.credentials() == FivetranCredentials(apiKey: "alt-key", apiSecret: "alt-secret"))
    }

    @Test func missingCredentialsNameAllThreeWays() throws {
        let settings = try Settings.resolve(
            flags: SettingFlags(), environment: [:], config: nil, configFileURL: configURL)
        let error = #expect(throws: NotifyError.self) { try settings.credentials() }
        #expect(error?.exitCode == 77)
        let message = error?.message ?? ""
        for part in [
            "--api-key", "--api-secret", "FIVETRAN_API_KEY", "FIVETRAN_API_SECRET", "api_key", "api_secret",
            configURL.path,
        ] {
            #expect(message.contains(part), "missing \(part)")
        }

        let onlySecretMissing = try Settings.resolve(
            flags: SettingFlags(apiKey: "k"), environment: [:], config: nil, configFileURL: configURL)
        let partial = #expect(throws: NotifyError.self) { try onlySecretMissing.credentials() }
        #expect(partial?.message.contains("No Fivetran API secret given") == true)
        #expect(partial?.message.contains("--api-key") == false)
    }

    @Test func aBadAPIURLIsReportedWithItsSource() throws {
        let error = #expect(throws: NotifyError.self) {
            try Settings.resolve(
                flags: SettingFlags(), environment: ["FIVETRAN_API_URL": "api.fivetran.com"], config: nil,
                configFileURL: configURL)
        }
        #expect(error?.message.contains("FIVETRAN_API_URL") == true)
    }

    @Test func aConfigValueOfTheWrongTypeNamesFileAndLine() throws {
        let file = try config("# settings\napi_key = \"k\"\napi_secret = 42\n")
        let error = #expect(throws: NotifyError.self) {
            try Settings.resolve(flags: SettingFlags(), environment: [:], config: file, configFileURL: configURL)
        }
        #expect(error?.message.hasPrefix("\(configURL.path):3: api_secret must be a string, not an integer") == true)
    }

    // MARK: - config.toml

    @Test func aParseErrorNamesTheFileAndLine() throws {
        let error = #expect(throws: NotifyError.self) {
            try ConfigFile.parse("api_key = \"k\"\n\n[listen]\nremind_every = \n", url: configURL)
        }
        #expect(error?.message.hasPrefix("\(configURL.path):4:") == true)
        #expect(error?.message.contains("line 4") == true)
    }

    @Test func tablesAndArraysOfTablesAreExposedWithTheirLines() throws {
        let file = try config(
            """
            slack_webhook_url = "https://hooks.slack.com/services/T0/B0/XXXX"

            [listen]
            notify_resolved = true
            remind_every = "4h"
            events = ["sync_end", "dbt_run_failed"]

            [[route]]
            name = "finance"
            match = { destination_group_id = "grp_finance", connector_type = ["salesforce", "netsuite"] }
            slack_webhook_url_env = "SLACK_FINANCE_URL"

            [[route]]
            name = "dbt"
            match = { event = "dbt_run_failed" }
            slack_webhook_url = "https://hooks.slack.com/services/T0/B1/YYYY"
            """)
        #expect(file.topLevelKeys == ["listen", "route", "slack_webhook_url"])
        let listen = try #require(try file.table("listen"))
        #expect(listen["notify_resolved"] == .boolean(true))
        #expect(listen["events"] == .array([.string("sync_end"), .string("dbt_run_failed")]))
        let routes = try file.arrayOfTables("route")
        #expect(routes.count == 2)
        #expect(routes[0]["name"] == .string("finance"))
        #expect(
            routes[0]["match"]?.tableValue?["connector_type"] == .array([.string("salesforce"), .string("netsuite")]))
        #expect(routes[1]["match"]?.tableValue?["event"] == .string("dbt_run_failed"))

        #expect(file.line(of: .table("listen")) == 3)
        #expect(file.line(of: "remind_every", in: .table("listen")) == 5)
        #expect(file.line(of: .arrayOfTables("route", index: 1)) == 13)
        #expect(file.line(of: "slack_webhook_url", in: .arrayOfTables("route", index: 1)) == 16)
        #expect(file.line(of: "slack_webhook_url", in: .root) == 1)
        let error = file.error(
            "route \"dbt\": unknown key \"mach\"", key: "match", section: .arrayOfTables("route", index: 1))
        #expect(error.message == "\(configURL.path):15: route \"dbt\": unknown key \"mach\".")
        #expect(try file.arrayOfTables("absent").isEmpty)
        #expect(throws: NotifyError.self) { try file.table("slack_webhook_url") }
    }

    @Test func aMissingConfigFileIsNil() throws {
        let directory = TestFiles.temporaryDirectory()
        #expect(try ConfigFile.load(from: directory.appendingPathComponent("config.toml")) == nil)
    }

    @Test func aConfigFileOthersCanReadIsRefused() throws {
        let url = TestFiles.temporaryDirectory().appendingPathComponent("config.toml")
        try SecretFile.write("api_key = \"k\"\n", to: url)
        #expect(try ConfigFile.load(from: url)?.string("api_key") == "k")
        chmod(url.path, 0o640)
        let error = #expect(throws: NotifyError.self) { try ConfigFile.load(from: url) }
        #expect(error?.exitCode == 77)
        #expect(error?.message.contains("chmod 600") == true)
    }

    @Test func loadReadsTheConfigDirectoryOfTheContext() throws {
        let directory = TestFiles.temporaryDirectory()
        let environment = ["HOME": directory.path, "FIVETRAN_API_SECRET": "env-secret"]
        let paths = Paths(environment: environment)
        try SecretFile.write("api_key = \"cfg-key\"\napi_secret = \"cfg-secret\"\n", to: paths.configFile)
        let context = CommandContext(
            environment: environment, output: CapturedOutput().output)
        let settings = try Settings.load(flags: SettingFlags(), context: context)
        #expect(try settings.credentials() == FivetranCredentials(apiKey: "cfg-key", apiSecret: "env-secret"))
        #expect(settings.configFile?.topLevelKeys == ["api_key", "api_secret"])
    }
}
