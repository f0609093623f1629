import Foundation
import Testing

@testable import FivetranNotifyCore

/// `mute`, `status` and `replay` on the shared database from any machine, and where its URL is read.
@Suite struct SharedStateCommandTests {
    @Test func aMuteAddedOnAnyMachineIsInTheSharedStateAndStatusReadsIt() async throws {
        let database = try await TestPostgres.database()
        let home = TestFiles.temporaryDirectory()
        let output = CapturedOutput()
        let context = CommandContext(environment: ["HOME": home.path], output: output.output)
        try await MuteCommands.add(
            target: .connector("quiet_pg"), for: .seconds(3600), reason: "upgrade", stateDirectory: nil,
            database: database.url, context: context)
        let node = try await PostgresStore.open(
            url: try PostgresURL(database.url), nodeName: "node-a", logger: TestPostgres.quiet)
        #expect(try await node.activeMutes(at: Date()).map(\.target) == [.connector("quiet_pg")])
        _ = try await node.record(try storeSyncEnd("broken_pg"))
        let alert = try #require(try await node.pendingMessages(destination: "https://hooks.example/x").first)
        #expect(try await node.claim(alert.id))
        try await node.markDelivered(alert.id, at: Date())
        await node.close()

        // From the environment this time: status sees the incident and the mute; no state directory made.
        let viaEnvironment = CommandContext(
            environment: ["HOME": home.path, DatabaseSettings.variable: database.url], output: output.output)
        try await StatusCommand.run(json: true, stateDirectory: nil, context: viaEnvironment)
        #expect(output.stdout.contains("broken_pg"))
        #expect(output.stdout.contains("quiet_pg"))
        #expect(output.stdout.contains(#""sent_by" : "node-a""#))
        try await StatusCommand.run(json: false, stateDirectory: nil, context: viaEnvironment)
        #expect(output.stdout.contains("Sent by node: node-a 1."))
        #expect(output.stdout.contains("broken_pg: last message sent by node-a"))
        try await ReplayCommand.replayFailed(stateDirectory: nil, context: viaEnvironment)
        #expect(output.stdout.contains("No failed messages to replay."))
        #expect(!output.stdout.contains(TestPostgres.password) && !output.stderr.contains(TestPostgres.password))
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".local/state").path))
    }

    @Test func theURLComesFromTheFlagTheEnvironmentOrConfigToml() throws {
        let url = "postgres://app:pw@db.example/notify"
        let file = URL(fileURLWithPath: "/tmp/config.toml")
        #expect(try DatabaseSettings.resolve(flag: url, environment: [:], config: nil)?.host == "db.example")
        #expect(try DatabaseSettings.resolve(flag: nil, environment: [:], config: nil) == nil)
        let env = [DatabaseSettings.variable: "postgres://app:pw@env.example/notify"]
        #expect(try DatabaseSettings.resolve(flag: nil, environment: env, config: nil)?.host == "env.example")
        let literal = try ConfigFile.parse(#"database_url = "postgres://app:pw@file.example/notify""#, url: file)
        #expect(try DatabaseSettings.resolve(flag: nil, environment: [:], config: literal)?.host == "file.example")
        let indirect = try ConfigFile.parse(#"database_url_env = "NOTIFY_DB""#, url: file)
        #expect(
            try DatabaseSettings.resolve(
                flag: nil, environment: ["NOTIFY_DB": "postgres://app:pw@indirect.example/notify"], config: indirect)?
                .host == "indirect.example")
        #expect(throws: NotifyError.self) {
            _ = try DatabaseSettings.resolve(flag: nil, environment: [:], config: indirect)
        }
        #expect {
            _ = try DatabaseSettings.resolve(flag: "postgres://app:pw@db.example", environment: [:], config: nil)
        } throws: { error in
            let message = (error as? NotifyError)?.message ?? ""
            return message.hasPrefix("--database:") && !message.contains("pw")
        }
    }

    /// `route list` and `route test` take `--database` (ha.md) and read each destination's pending and
    /// failed messages from the shared state, from any machine; a database that cannot be used is one
    /// sentence saying what happened and what to check, never the password.
    @Test func routeListShowsTheSharedStatesMessagesPerDestination() async throws {
        let database = try await TestPostgres.database()
        let node = try await PostgresStore.open(
            url: try PostgresURL(database.url), nodeName: "node-a", logger: TestPostgres.quiet)
        _ = try await node.record(storeIncoming("a", destination: "route:slack"))
        _ = try await node.record(storeIncoming("b", destination: "route:slack"))
        let stuck = try #require(try await node.pendingMessages(destination: "route:slack").first)
        #expect(try await node.claim(stuck.id))
        #expect(try await node.markFailed(stuck.id, error: "HTTP 404"))
        await node.close()

        let harness = CommandHarness()
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/SECRETdefault"
        #expect(await harness.run(["route", "list", "--database", database.url]) == 0)
        #expect(harness.output.stdout.contains("hooks.slack.com/…ault (1 pending, 1 failed)"))
        harness.environment[DatabaseSettings.variable] = database.url
        #expect(await harness.run(["route", "list", "--json"]) == 0)
        #expect(harness.output.stdout.contains(#""failed" : 1"#))
        #expect(!harness.output.stdout.contains(TestPostgres.password))
        #expect(!FileManager.default.fileExists(atPath: harness.paths.stateDirectory(given: nil).path))

        // Nothing listens on port 1: refused at once.
        let unreachable = "postgres://\(TestPostgres.user):\(TestPostgres.password)@127.0.0.1:1/notify?sslmode=disable"
        #expect(await harness.run(["route", "list", "--database", unreachable]) == 1)
        let error = harness.output.stderr
        #expect(error.contains("Cannot use the database postgres://\(TestPostgres.user):****@127.0.0.1:1/notify"))
        #expect(error.contains("connection refused") && error.contains("Check the URL"))
        #expect(!error.contains(TestPostgres.password))
    }
}
