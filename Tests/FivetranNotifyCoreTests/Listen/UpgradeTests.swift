import Foundation
import GRDB
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// A state directory written by the 0.1.0 release (`Fixtures/upgrade-0.1.0`, made by
    /// `scripts/make-upgrade-fixture.py`) is taken over in place by this build: what it held is
    /// delivered, what was delivered is not sent again, the failed message stays failed and
    /// replayable, the open incidents and the mute survive.
    @Suite struct UpgradeTests {
        /// The fixture's queue: 2 delivered, 1 failed (Slack 404), 3 alerts, a reminder and a recovery
        /// pending, written while Slack answered 500.
        static let pendingConnectors = ["events_s3", "crm_salesforce", "ads_google"]

        @Test func aStateDirectoryFromTheLastReleaseDeliversWhatItHeld() async throws {
            try await FakeSlack.with(default: .ok) { slack in
                let home = TestFiles.temporaryDirectory()
                let state = try Self.copyFixture(into: home, slackURL: slack.url)

                try await ListenProcess.with(
                    home: home, state: state, slackURL: slack.url, arguments: ["--remind-every", "365d"]
                ) { listener in
                    let allPosted = await eventually(within: .seconds(20)) { slack.delivered.count >= 5 }
                    #expect(allPosted, "stderr: \(listener.stderr)")
                    let texts = slack.delivered.map(\.text)
                    for connector in Self.pendingConnectors {
                        #expect(texts.filter { $0.contains(connector) }.count == 1, "\(connector): \(texts)")
                    }
                    // The reminder for orders_pg and the recovery of billing_pg, queued by 0.1.0.
                    #expect(texts.filter { $0.contains("orders pg") || $0.contains("orders_pg") }.count == 1)
                    #expect(texts.filter { $0.contains("billing pg") || $0.contains("billing_pg") }.count == 1)
                    // The refused one stays failed; nothing delivered before is sent again.
                    #expect(!texts.contains { $0.contains("legacy_mysql") || $0.contains("legacy mysql") })
                    listener.kill(SIGTERM)
                    #expect(await listener.waitForExit() == 0, "stderr: \(listener.stderr)")
                    #expect(slack.delivered.count == 5, "\(slack.delivered.map(\.text))")
                }

                let status = try Self.statusJSON(home: home, state: state)
                #expect(status["pending"] as? Int == 0)
                #expect(status["failed"] as? Int == 1)
                #expect(status["delivered"] as? Int == 7)
                let mutes = status["mutes"] as? [[String: Any]] ?? []
                #expect(mutes.contains { $0["value"] as? String == "quiet_connector" }, "\(mutes)")
                let failing = (status["failing"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                for connector in Self.pendingConnectors + ["orders_pg", "legacy_mysql"] {
                    #expect(failing.contains(connector), "\(connector) not in \(failing)")
                }
                #expect(!failing.contains("billing_pg"))
            }
        }

        /// Copies the fixture into a new state directory, pointing what it queued at the fake Slack.
        static func copyFixture(into home: URL, slackURL: String) throws -> URL {
            let state = home.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let file = state.appendingPathComponent(DeliveryStore.fileName)
            try TestFiles.fixture("upgrade-0.1.0/\(DeliveryStore.fileName)").write(to: file)
            let queue = try DatabaseQueue(path: file.path)
            try queue.write { db in
                try db.execute(sql: "UPDATE message SET destination = ?", arguments: [slackURL])
                try db.execute(sql: "UPDATE incident SET destination = ?", arguments: [slackURL])
            }
            try queue.close()
            return state
        }

        /// `fivetran-notify status --json` of the real binary, parsed.
        static func statusJSON(home: URL, state: URL) throws -> [String: Any] {
            let process = Process()
            process.executableURL = ListenProcess.executable
            process.arguments = ["status", "--json", "--state-dir", state.path]
            process.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
    }
}
