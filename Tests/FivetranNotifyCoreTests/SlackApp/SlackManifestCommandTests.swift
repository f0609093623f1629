import FivetranNotifyCore
import Foundation
import Testing

/// `slack manifest`, run as a person runs it.
@Suite struct SlackManifestCommandTests {
    private func manifest(_ harness: CommandHarness) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(harness.output.stdout.utf8))
    }

    @Test func printsScopesBotUserAndTheActionsURLOnThatHost() async throws {
        let harness = CommandHarness()
        let status = await harness.run(["slack", "manifest", "--public-url", "https://alerts.example.com/fivetran"])
        #expect(status == 0)
        let json = try manifest(harness)
        #expect(
            json["oauth_config"]?["scopes"]?["bot"] == .array([.string("chat:write"), .string("chat:write.public")]))
        #expect(json["features"]?["bot_user"]?["display_name"] == .string("fivetran-notify"))
        #expect(json["settings"]?["interactivity"]?["is_enabled"] == .bool(true))
        #expect(
            json["settings"]?["interactivity"]?["request_url"] == .string("https://alerts.example.com/slack/actions"))
        #expect(json["settings"]?["socket_mode_enabled"] == .bool(false))
        #expect(json["display_information"]?["name"] == .string("fivetran-notify"))
        #expect(harness.output.stderr.contains("From a manifest"))
        #expect(harness.output.stderr.contains("SLACK_SIGNING_SECRET"))
    }

    @Test func theActionsPathComesFromTheFlagElseTheConfigAndKeepsThePort() async throws {
        let flag = CommandHarness()
        #expect(
            await flag.run([
                "slack", "manifest", "--public-url", "https://alerts.example.com:8443", "--actions-path",
                "/hooks/slack",
            ]) == 0)
        #expect(
            try manifest(flag)["settings"]?["interactivity"]?["request_url"]
                == .string("https://alerts.example.com:8443/hooks/slack"))

        let config = CommandHarness()
        try config.writeConfig("[slack]\nactions_path = \"/from/config\"\n")
        #expect(await config.run(["slack", "manifest", "--public-url", "https://alerts.example.com"]) == 0)
        #expect(
            try manifest(config)["settings"]?["interactivity"]?["request_url"]
                == .string("https://alerts.example.com/from/config"))

        let alias = CommandHarness()
        try alias.writeConfig("[slack]\nactions_path = \"/from/config\"\n")
        #expect(
            await alias.run([
                "slack", "manifest", "--public-url", "https://alerts.example.com", "--slack-actions-path", "/flag",
            ]) == 0)
        #expect(
            try manifest(alias)["settings"]?["interactivity"]?["request_url"]
                == .string("https://alerts.example.com/flag"))
    }

    @Test func plainHTTPIsAcceptedForThisMachineOnly() async throws {
        let local = CommandHarness()
        #expect(await local.run(["slack", "manifest", "--public-url", "http://127.0.0.1:8080"]) == 0)
        #expect(
            try manifest(local)["settings"]?["interactivity"]?["request_url"]
                == .string("http://127.0.0.1:8080/slack/actions"))
    }

    @Test(arguments: [
        ("http://alerts.example.com", "must be https://"),
        ("alerts.example.com", "is not a URL"),
        ("ftp://alerts.example.com", "must be https://"),
        ("https://user:pw@alerts.example.com", "must not carry a user or password"),
    ])
    func aBadPublicURLIsAUsageErrorWithASentence(url: String, sentence: String) async {
        let harness = CommandHarness()
        #expect(await harness.run(["slack", "manifest", "--public-url", url]) == 64)
        #expect(harness.output.stderr.contains(sentence), "\(harness.output.stderr)")
        #expect(harness.output.stdout.isEmpty)
    }

    @Test(arguments: ["slack/actions", "/a b", "/x?y=1", "//evil.example.com/x", "/a/../b"])
    func aBadActionsPathIsAUsageError(path: String) async {
        let harness = CommandHarness()
        #expect(
            await harness.run([
                "slack", "manifest", "--public-url", "https://alerts.example.com", "--actions-path", path,
            ])
                == 64)
        #expect(harness.output.stderr.contains("is not a URL path"), "\(harness.output.stderr)")
    }

    @Test func aPublicURLIsRequired() async {
        let harness = CommandHarness()
        #expect(await harness.run(["slack", "manifest"]) == 64)
        #expect(harness.output.stderr.contains("--public-url"))
    }
}
