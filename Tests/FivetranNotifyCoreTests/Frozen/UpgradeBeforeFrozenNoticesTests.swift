import Foundation
import GRDB
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// A state directory of the schema before notices were frozen and targets referenced (v7, the
    /// release before this one) upgrades in place: a digest it had partly sent posts every connector
    /// it names, and a message it kept as failed goes, when replayed, to the running listener's
    /// destination rather than the URL it stored.
    @Suite struct UpgradeBeforeFrozenNoticesTests {
        static let connectors = (0..<300).map { "conn_\($0)" }

        /// Writes a v7 state file: 300 failures (no names), a digest of them whose part 1 was accepted
        /// before the stop, and one failed alert; both stored with yesterday's literal Slack URL.
        static func writeV7State(at directory: URL) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: directory.appendingPathComponent(DeliveryStore.fileName).path)
            try StoreSchema.migrator.migrate(queue, upTo: "v7 incident order")
            let yesterday = "http://127.0.0.1:9/services/OLD/URL/gone"
            let now = Date().timeIntervalSince1970
            try queue.write { db in
                for (index, connector) in Self.connectors.enumerated() {
                    let body =
                        #"{"event":"sync_end","created":"2026-05-22T01:12:44.102Z","connector_type":"postgres","#
                        + #""connector_id":"\#(connector)","sync_id":"s\#(index)","destination_group_id":"grp","#
                        + #""data":{"status":"FAILURE","reason":"password authentication failed"}}"#
                    try db.execute(
                        sql: """
                            INSERT INTO delivery (id, dedupKey, event, subject, status, body, receivedAt, forwarded)
                            VALUES (?, ?, 'sync_end', ?, 'FAILURE', ?, ?, 1)
                            """, arguments: [index + 1, "k\(index)", connector, Data(body.utf8), now])
                }
                try db.execute(
                    sql: """
                        INSERT INTO message (id, destination, kind, state, attempts, nextAttemptAt, createdAt, partsSent)
                        VALUES (1, ?, 'digest', 'pending', 1, ?, ?, 1), (2, ?, 'alert', 'failed', 1, ?, ?, 0)
                        """, arguments: [yesterday, now, now, yesterday, now, now])
                for index in Self.connectors.indices {
                    try db.execute(
                        sql: "INSERT INTO message_delivery (message, delivery) VALUES (1, ?)", arguments: [index + 1])
                }
                try db.execute(sql: "INSERT INTO message_delivery (message, delivery) VALUES (2, 1)")
            }
            try queue.close()
        }

        @Test func aPartlySentDigestAndAFailedMessageAreSentAfterTheUpgrade() async throws {
            try await FakeSlack.with { slack in
                let state = TestFiles.temporaryDirectory().appendingPathComponent("state")
                try Self.writeV7State(at: state)
                try await ListenerHarness.with(
                    slackURL: slack.url, stateDirectory: state, dispatcher: { $0.pacingInterval = .milliseconds(1) }
                ) { listener throws in
                    #expect(await eventually { try await listener.store.counts().pending == 0 })
                    let said = slack.delivered.map(\.text).joined()
                    let missing = Self.connectors.filter { !said.contains("\($0)") }
                    #expect(missing.count == 0, "never posted: \(missing.count) of 300")
                    #expect(try await listener.store.counts().failed == 1)

                    let posted = slack.delivered.count
                    let replayed = try await listener.store.requeueFailed(now: Date())
                    #expect(replayed.requeued == 1)
                    #expect(await eventually { slack.delivered.count == posted + 1 })
                    #expect(slack.delivered.last?.text.contains("conn_0") == true)
                    // Slack's answer is recorded a moment after the fake saw the post.
                    #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 2) })
                }
            }
        }
    }
}
