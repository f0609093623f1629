import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// One listener per state directory, and a state file pulled away is noticed, never written on.
    @Suite struct OneOwnerTests {
        @Test func aSecondListenerOnTheSameStateDirectoryRefusesAndTouchesNothing() async throws {
            try await FakeSlack.with { slack in
                let home = TestFiles.temporaryDirectory()
                let state = home.appendingPathComponent("state")
                try await ListenProcess.with(home: home, state: state, slackURL: slack.url) { first in
                    let second = try OperatorMistakeTests.run(
                        ["listen", "--dry-run", "--port", "0"], stateDirectory: state)
                    #expect(second.status == 1, "\(second.stderr)")
                    #expect(
                        second.stderr.contains(
                            "another listener (pid \(first.process.processIdentifier)) is using \(state.path)"),
                        "\(second.stderr)")
                    // The first goes on as before.
                    #expect(try await first.post(Samples.syncEnd(connector: "still_served")).status == 200)
                    #expect(await eventually { slack.delivered.contains { $0.text.contains("still_served") } })
                    // status works beside it.
                    let status = try OperatorMistakeTests.run(["status"], stateDirectory: state)
                    #expect(status.status == 0, "\(status.stderr)")
                }
            }
        }

        @Test func aDeletedStateFileIsNoticedAndAnswered503() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener throws in
                #expect(try await listener.post(Samples.syncEnd(connector: "before")).status == 200)
                let file = listener.stateDirectory.appendingPathComponent(DeliveryStore.fileName)
                try FileManager.default.removeItem(at: file)
                #expect(await eventually { listener.logs.stderr.contains("was deleted: deliveries are answered 503") })
                #expect(try await listener.post(Samples.syncEnd(connector: "after")).status == 503)
                let health = try await listener.get("/healthz")
                #expect(health.status == 503)
                #expect(health.text.contains("state_file_lost"))
            }
        }

        @Test func theRealListenerNoticesADeletedStateFileWithinTenSeconds() async throws {
            let home = TestFiles.temporaryDirectory()
            let state = home.appendingPathComponent("state")
            try await ListenProcess.with(
                home: home, state: state, slackURL: "http://127.0.0.1:9/hook", arguments: ["--dry-run"]
            ) { listener in
                #expect(try await listener.post(Samples.syncEnd(connector: "before")).status == 200)
                try FileManager.default.removeItem(at: state.appendingPathComponent(DeliveryStore.fileName))
                let answered503 = await eventually(within: .seconds(10)) {
                    try await listener.post(Samples.syncEnd(connector: "after")).status == 503
                }
                #expect(answered503, "stderr: \(listener.stderr)")
                #expect(listener.stderr.contains("was deleted: deliveries are answered 503"))
            }
        }

        @Test func aReplacedStateFileIsNoticedToo() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener throws in
                let file = listener.stateDirectory.appendingPathComponent(DeliveryStore.fileName)
                let copy = listener.stateDirectory.appendingPathComponent("copy")
                try FileManager.default.copyItem(at: file, to: copy)
                #expect(rename(copy.path, file.path) == 0)
                #expect(
                    await eventually {
                        listener.logs.stderr.contains("was replaced by another file: deliveries are answered 503")
                    })
                #expect(try await listener.post(Samples.syncEnd(connector: "after")).status == 503)
            }
        }
    }
}
