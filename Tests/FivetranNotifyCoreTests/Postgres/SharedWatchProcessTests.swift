import Foundation
import PostgresNIO
import Testing

@testable import FivetranNotifyCore

@Suite enum SharedWatchSuites {
    /// ha.md "One sweep at a time" through real processes: two `listen` nodes with the account watch on
    /// one PostgreSQL database. Each node has a fake Fivetran API of its own (holding the same account),
    /// so the test can tell which node swept. It waits out a minute's interval and a lease, mostly idle,
    /// so it runs beside the other suites (not serialized with the `listen` ones): it must not add its
    /// 70 s to theirs.
    @Suite struct SharedWatchProcessTests {
        /// The shortest interval the config allows.
        static let every = WatchSettings.minimumEvery
        /// How long a standby node waits between asks for the lease (`AccountWatcher`), and the margin
        /// the sweeping node's lease has over the interval (`ListenerAssembly`).
        static let standbyPoll = Duration.seconds(5)
        static let leaseMargin = Duration.seconds(10)

        /// One broken connector is announced once by the one node that sweeps; the other node does not
        /// sweep while the first is alive. SIGKILLed, the sweeping node's lease runs out and the survivor
        /// sweeps — not before an interval has passed since the cluster's sweep, and within an interval
        /// (plus the lease's margin and the standby's poll) of the death —, announcing the connector that
        /// broke meanwhile and not again the one already open.
        @Test func oneNodeSweepsAndTheSurvivorTakesOverWithoutAnnouncingAgain() async throws {
            let database = try await TestPostgres.database()
            try await FakeFivetranAPI.with { apiA in
                try await FakeFivetranAPI.with { apiB in
                    let apis = ["node-a": apiA, "node-b": apiB]
                    for api in apis.values { Self.arrangeAccount(api) }
                    try await FakeSlack.with { slack in
                        try await Self.run(database: database, apis: apis, slack: slack)
                    }
                }
            }
        }

        private static func run(database: TestDatabase, apis: [String: FakeFivetranAPI], slack: FakeSlack)
            async throws
        {
            func posts(naming name: String) -> Int { slack.delivered.filter { $0.text.contains(name) }.count }
            // No sweep of the cluster can be older than this.
            let started = ContinuousClock.now
            try await node("node-a", database: database, api: apis["node-a"]!, slack: slack) { a in
                try await node("node-b", database: database, api: apis["node-b"]!, slack: slack) { b in
                    let nodes = ["node-a": a, "node-b": b]
                    let told = await eventually(within: .seconds(20)) { posts(naming: "orders_one") >= 1 }
                    #expect(told, "stderr a: \(a.process.stderr)\nstderr b: \(b.process.stderr)")
                    #expect(slack.delivered.first { $0.text.contains("orders_one") }?.text.contains("broken") == true)
                    // Sent and recorded as sent, so the kill below leaves nothing in flight to send again.
                    #expect(await eventually { try await Self.unsent(database) == 0 })

                    // One node swept: the lease names it, its fake was asked, the other's never.
                    let holder = try #require(try await Self.leaseHolder(database), "no node holds the watch")
                    let survivorName = holder == "node-a" ? "node-b" : "node-a"
                    let sweeper = try #require(nodes[holder])
                    let survivor = try #require(nodes[survivorName])
                    #expect(sweeper.api.connectionReads >= 1)
                    #expect(survivor.api.connectionReads == 0, "the standby node swept although the cluster just did")
                    #expect(posts(naming: "orders_one") == 1)

                    sweeper.process.kill(SIGKILL)
                    #expect(await sweeper.process.waitForExit() != nil)
                    let diedAt = ContinuousClock.now
                    // The survivor has still not swept, and a second connector breaks.
                    #expect(survivor.api.connectionReads == 0)
                    for api in apis.values { Self.breakConnection(api, "id_two") }

                    let bound = every + leaseMargin + standbyPoll + .seconds(5)
                    let tookOver = await eventually(within: bound) { survivor.api.connectionReads >= 1 }
                    let tookOverAt = ContinuousClock.now
                    #expect(tookOver, "stderr: \(survivor.process.stderr)")
                    // The cluster sweeps once per interval: the survivor waited for the dead node's lease.
                    #expect(tookOverAt - started >= every, "took over \(tookOverAt - started) after the start")
                    let toldNew = await eventually(within: .seconds(10)) { posts(naming: "orders_two") >= 1 }
                    #expect(toldNew, "stderr: \(survivor.process.stderr)")
                    #expect(ContinuousClock.now - diedAt <= bound, "\(ContinuousClock.now - diedAt) after the death")

                    // That sweep is done (both findings judged), and everything it queued has been sent:
                    // the connector already open was not announced again.
                    #expect(
                        await eventually {
                            guard WatchStatus.read(stateDirectory: survivor.state)?.findingsOpen == 2 else {
                                return false
                            }
                            return try await Self.unsent(database) == 0
                        })
                    #expect(posts(naming: "orders_one") == 1, "\(slack.delivered.map(\.text))")
                    #expect(posts(naming: "orders_two") == 1, "\(slack.delivered.map(\.text))")
                    let holderNow = try await Self.leaseHolder(database)
                    #expect(holderNow == survivorName)
                    survivor.process.kill(SIGTERM)
                    #expect(await survivor.process.waitForExit() == 0, "stderr: \(survivor.process.stderr)")
                }
            }
        }

        /// A listener of the cluster, its fake API and its state directory.
        struct Node {
            var process: ListenProcess
            var api: FakeFivetranAPI
            var state: URL
        }

        private static func node<Result>(
            _ name: String, database: TestDatabase, api: FakeFivetranAPI, slack: FakeSlack,
            _ body: (Node) async throws -> Result
        ) async throws -> Result {
            let home = TestFiles.temporaryDirectory()
            let state = home.appendingPathComponent("state")
            return try await ListenProcess.with(
                home: home, state: state, slackURL: slack.url,
                arguments: [
                    "--database", database.url, "--node-name", name, "--watch-every", WatchText.duration(every),
                ],
                environment: [
                    "FIVETRAN_API_KEY": FakeFivetranAPI.apiKey, "FIVETRAN_API_SECRET": FakeFivetranAPI.apiSecret,
                    "FIVETRAN_API_URL": api.apiURL,
                ]
            ) { process in
                try await body(Node(process: process, api: api, state: state))
            }
        }

        /// The account both fakes hold: one connector broken, one healthy (synced just now).
        private static func arrangeAccount(_ api: FakeFivetranAPI) {
            let now = ISO8601Timestamp.string(from: Date())
            api.addGroup(id: "grp_1", name: "Warehouse")
            api.addConnection(
                id: "id_one", schema: "orders_one", succeededAt: now, setupState: "broken",
                tasks: [["code": "reconnect", "message": "Reconnect your warehouse"]])
            api.addConnection(id: "id_two", schema: "orders_two", succeededAt: now)
        }

        private static func breakConnection(_ api: FakeFivetranAPI, _ id: String) {
            api.updateConnectionStatus(id) { status in
                status["setup_state"] = .string("broken")
                status["tasks"] = .array([.object(["code": .string("reconnect"), "message": .string("Reauthorize")])])
            }
        }

        /// The `--node-name` of the node holding the watch's lease.
        private static func leaseHolder(_ database: TestDatabase) async throws -> String? {
            try await TestPostgres.shared().superuser(database: database.name) { connection in
                try await connection.query(
                    "SELECT nodeName FROM singleton_lease WHERE name = 'watch'", logger: TestPostgres.quiet
                ).collect().first?.decode(String.self)
            }
        }

        /// Messages still to be sent (pending, or held for another's outcome).
        private static func unsent(_ database: TestDatabase) async throws -> Int {
            try await TestPostgres.shared().superuser(database: database.name) { connection in
                try await connection.query(
                    "SELECT COUNT(*) FROM message WHERE state IN ('pending', 'held')", logger: TestPostgres.quiet
                ).collect().first?.decode(Int.self) ?? 0
            }
        }
    }
}

extension FakeFivetranAPI {
    /// How many times the connections list was read (once per sweep).
    fileprivate var connectionReads: Int { requests.filter { $0.path == "/v1/connections" }.count }
}
