import Foundation
import Testing

@testable import FivetranNotifyCore

/// Two real `listen` processes on one PostgreSQL database (ha.md), posting to a fake Slack on
/// 127.0.0.1: deliveries go to both, one is SIGKILLed in the middle, and every connector is still
/// named, with nothing posted twice but the message the dead node may have had in flight.
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
