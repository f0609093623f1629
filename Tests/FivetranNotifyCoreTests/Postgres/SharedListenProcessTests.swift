import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Two real `listen` processes on one PostgreSQL database (ha.md), posting to a fake Slack on
    /// 127.0.0.1: deliveries go to both, one is SIGKILLed in the middle, and every connector is still
    /// named, with nothing posted twice but the message the dead node may have had in flight. With the
    /// other process tests, one at a time (`ListenSuites` is serialized): they load the machine.
    @Suite struct SharedListenProcessTests {
        @Test func twoListenersOneDiesNothingIsLostAndOnlyItsInFlightPostCanRepeat() async throws {
            let database = try await TestPostgres.database()
            try await FakeSlack.with(default: .ok) { slack in
                let names = (1...30).map { String(format: "ha_conn_%02d", $0) }
                let homeA = TestFiles.temporaryDirectory()
                let homeB = TestFiles.temporaryDirectory()
                try await ListenProcess.with(
                    home: homeA, state: homeA.appendingPathComponent("state"), slackURL: slack.url,
                    arguments: ["--database", database.url, "--node-name", "node-a"]
                ) { a in
                    try await ListenProcess.with(
                        home: homeB, state: homeB.appendingPathComponent("state"), slackURL: slack.url,
                        arguments: ["--database", database.url, "--node-name", "node-b"]
                    ) { b in
                        #expect(a.stderr.contains("[node-a]"))
                        #expect(!a.stderr.contains(TestPostgres.password) && !b.stderr.contains(TestPostgres.password))
                        #expect(a.stderr.contains("****"))
                        for (index, name) in names.prefix(20).enumerated() {
                            let node = index.isMultiple(of: 2) ? a : b
                            let response = try await node.post(Samples.syncEnd(connector: name))
                            #expect(response.status == 200)
                        }
                        // A redelivery answered by the other node is a duplicate there.
                        let again = try await b.post(Samples.syncEnd(connector: names[0]))
                        #expect(again.status == 200)
                        a.kill(SIGKILL)
                        #expect(await a.waitForExit() != nil)
                        for name in names.suffix(10) {
                            let response = try await b.post(Samples.syncEnd(connector: name))
                            #expect(response.status == 200)
                        }
                        let allNamed = await eventually(within: .seconds(60)) {
                            names.allSatisfy { name in slack.delivered.contains { $0.text.contains(name) } }
                        }
                        #expect(allNamed, "stderr a: \(a.stderr)\nstderr b: \(b.stderr)")
                        let texts = slack.delivered.map(\.text)
                        // Sent twice: only a repeat of one whole post (the one in flight when a died).
                        let repeats = Dictionary(grouping: texts, by: { $0 }).values.map { $0.count - 1 }.reduce(0, +)
                        #expect(repeats <= 1, "\(texts)")
                        for name in names {
                            #expect(Set(texts.filter { $0.contains(name) }).count == 1, "\(name)")
                        }
                        b.kill(SIGTERM)
                        #expect(await b.waitForExit() == 0, "stderr: \(b.stderr)")
                    }
                }
            }
        }
    }
}

extension ListenSuites.SharedListenProcessTests {
    /// ha.md "PostgreSQL unavailable": 503 and a non-200 /healthz within 10 s of the database going away,
    /// one log line for the outage and one for the recovery, serving again within 30 s of its return,
    /// without a restart.
    @Test func theDatabaseGoingAwayIs503UntilItIsBackWithOneLineEachWay() async throws {
        let database = try await TestPostgres.database()
        let server = try await TestPostgres.shared()
        let relay = try TCPRelay(to: server.port)
        let url = database.url.replacingOccurrences(of: ":\(server.port)/", with: ":\(relay.port)/")
        try await FakeSlack.with(default: .ok) { slack in
            let home = TestFiles.temporaryDirectory()
            try await ListenProcess.with(
                home: home, state: home.appendingPathComponent("state"), slackURL: slack.url,
                arguments: ["--database", url, "--node-name", "solo"]
            ) { node in
                #expect(try await node.post(Samples.syncEnd(connector: "before_pg")).status == 200)
                relay.cut()
                let cutAt = ContinuousClock.now
                let down = await eventually(within: .seconds(10)) {
                    (try? await node.get("/healthz").status).map { $0 != 200 } ?? false
                }
                #expect(down)
                let refused = try await node.post(Samples.syncEnd(connector: "during_pg"))
                #expect(refused.status == 503)
                #expect(ContinuousClock.now - cutAt < .seconds(15), "stderr: \(node.stderr)")
                try await Task.sleep(for: .seconds(3))  // an outage lasting a few polls logs once
                try relay.restore()
                let back = await eventually(within: .seconds(30)) {
                    (try? await node.get("/healthz").status) == 200
                }
                #expect(back, "stderr: \(node.stderr)")
                let accepted = try await node.post(Samples.syncEnd(connector: "during_pg"))
                #expect(accepted.status == 200)
                // Sending resumes by itself (a send recorded during the outage retries with backoff), the
                // message queued before the cut included: a claim of it that reached the database while its
                // answer was lost is let go by the heartbeat, not renewed for ever.
                let resumed = await eventually(within: .seconds(40)) {
                    ["before_pg", "during_pg"].allSatisfy { name in slack.delivered.contains { $0.text.contains(name) }
                    }
                }
                if !resumed {
                    // What the outbox holds then: which message is stuck, and under whose claim.
                    let rows = try await server.superuser(database: database.name) { connection in
                        try await connection.query(
                            "SELECT id, destination, state, claim, claimedBy, leaseUntil FROM message ORDER BY id",
                            logger: TestPostgres.quiet
                        ).collect().map { row in
                            let (id, destination, state, claim, by, lease) = try row.decode(
                                (Int64, String, String, Int, String?, Double?).self)
                            return "\(id) \(destination) \(state) claim=\(claim) by=\(by ?? "-") lease=\(lease ?? 0)"
                        }
                    }
                    Issue.record("nothing sent after the cut; messages: \(rows); stderr: \(node.stderr)")
                }
                // One line each way per outage: the lines alternate, outage first, recovery last. (On a
                // loaded machine one cut may be seen as two outages — a pooled connection may answer once
                // in between — but never as two lines for one.)
                let states = node.stderr.split(separator: "\n").compactMap { line -> Bool? in
                    if line.contains("cannot be used (") { return false }
                    if line.contains("can be used again") { return true }
                    return nil
                }
                #expect(!states.isEmpty && states.first == false && states.last == true, "\(node.stderr)")
                #expect(zip(states, states.dropFirst()).allSatisfy { $0 != $1 }, "\(node.stderr)")
                #expect(!node.stderr.contains("cannot read the outbox"), "\(node.stderr)")
                #expect(!node.stderr.contains(TestPostgres.password))
            }
        }
    }
}
