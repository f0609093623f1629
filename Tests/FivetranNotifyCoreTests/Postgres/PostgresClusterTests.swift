import Foundation
import Logging
import PostgresNIO
import Testing

@testable import FivetranNotifyCore

/// What several listeners on one PostgreSQL promise together (ha.md), with two `PostgresStore`
/// instances on one database as two nodes.
@Suite struct PostgresClusterTests {
    static let target = "https://hooks.example/x"

    func twoNodes(claimLease: Duration = .seconds(1)) async throws -> (StoreLocation, PostgresStore, PostgresStore) {
        let location = try await StoreLocation.make(.postgres)
        let a = try #require(try await location.open(nodeName: "node-a", claimLease: claimLease) as? PostgresStore)
        let b = try #require(try await location.open(nodeName: "node-b", claimLease: claimLease) as? PostgresStore)
        return (location, a, b)
    }

    /// Polls `condition` until it holds (10 s at most).
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aDeliveryAnsweredByOneNodeIsADuplicateOnTheOther() async throws {
        let (_, a, b) = try await twoNodes()
        #expect(try await a.record(storeIncoming("x")) != .duplicate)
        #expect(try await b.record(storeIncoming("x")) == .duplicate)
        // The same redelivery reaching both at once is stored once.
        async let first = a.record(storeIncoming("y"))
        async let second = b.record(storeIncoming("y"))
        let outcomes = try await [first, second]
        #expect(outcomes.filter { $0 == .duplicate }.count == 1)
        #expect(try await a.deliveryCount() == 2)
        #expect(try await b.counts() == QueueCounts(pending: 2))
        await a.close()
        await b.close()
    }

    @Test func aClaimHoldsWhileItsNodeLivesAndIsTakenOverWhenItDies() async throws {
        let (_, a, b) = try await twoNodes()
        _ = try await a.record(storeIncoming("x"))
        let message = try #require(try await a.pendingMessages(destination: Self.target).first)
        #expect(try await a.claim(message.id))
        #expect(try await b.claim(message.id) == false)
        // Node a lives (its heartbeat renews the claim): past its lease, b still cannot take it.
        try await Task.sleep(for: .seconds(1.5))
        try await b.releaseClaims()
        #expect(try await b.claim(message.id) == false)
        // Node a dies without settling anything: b takes the message once the lease ran out.
        await a.close()
        #expect(
            try await eventually {
                try await b.releaseClaims()
                return try await b.claim(message.id)
            })
        try await b.markDelivered(message.id, at: Date())
        #expect(try await b.counts() == QueueCounts(delivered: 1))
        await b.close()
    }

    /// A claim that reached the database while its answer did not (the connection lost before COMMIT's
    /// reply, or the reply after the deadline): its node's dispatcher never held it, so the heartbeat
    /// lets go of it instead of renewing it, and the message is sent after all.
    @Test func aClaimWhoseAnswerWasLostIsLetGoWhileItsNodeLives() async throws {
        let (location, a, b) = try await twoNodes()
        _ = try await a.record(storeIncoming("x"))
        _ = try await a.record(storeIncoming("y"))
        let pending = try await a.pendingMessages(destination: Self.target)
        let (lost, held) = (pending[0].id, pending[1].id)
        #expect(try await a.claim(held))
        try await location.execute(
            """
            UPDATE message SET claim = \(MessageClaim.sending.rawValue), claimedBy = '\(a.nodeId)',
                leaseUntil = extract(epoch from now()) + 1 WHERE id = \(lost)
            """, on: a)
        #expect(try await a.claim(lost) == false)
        #expect(try await eventually { try await a.claim(lost) })
        // The claim a's dispatcher holds is still renewed: past its lease, b cannot take it.
        try await Task.sleep(for: .seconds(1.5))
        try await b.releaseClaims()
        #expect(try await b.claim(held) == false)
        await a.close()
        await b.close()
    }

    /// A server that stops answering without closing the connection (a partition, a failover whose
    /// old primary vanished): a store call still ends at its deadline, though postgres-nio's query in
    /// flight on that connection is never interrupted.
    @Test func aStoreCallEndsAtItsDeadlineWhenTheServerStopsAnswering() async throws {
        let database = try await TestPostgres.database()
        let server = try await TestPostgres.shared()
        let relay = try TCPRelay(to: server.port)
        let url = try PostgresURL(
            database.url.replacingOccurrences(of: ":\(server.port)/", with: ":\(relay.port)/"))
        let store = try await PostgresStore.open(
            url: url, nodeName: "frozen", timeout: .seconds(1), logger: TestPostgres.quiet)
        // Pooled connections, open and idle: the calls below take them and their queries go unanswered.
        let calls = 4
        let counted = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<calls { group.addTask { try await store.deliveryCount() } }
            return try await group.reduce(0, +)
        }
        #expect(counted == 0)
        relay.freeze()
        let started = ContinuousClock.now
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<calls {
                group.addTask { (try? await store.deliveryCount()) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == calls)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(store.writeProblem != nil)
        // The abandoned queries may never end: stopping the store does not wait for them.
        _ = await Deadline.run(within: .seconds(5)) { await store.close() }
    }

    @Test func oneNodeAtATimeSendsToADestination() async throws {
        // Leases long enough that a loaded machine never lets one run out between two lines.
        let (_, a, b) = try await twoNodes(claimLease: .seconds(4))
        #expect(try await a.holdDestination(Self.target))
        #expect(try await a.holdDestination(Self.target))
        #expect(try await b.holdDestination(Self.target) == false)
        // Another destination is free.
        #expect(try await b.holdDestination("https://hooks.example/other"))
        // Given up (a's queue for it is empty): b takes it at once.
        try await a.releaseDestination(Self.target)
        #expect(try await b.holdDestination(Self.target))
        #expect(try await a.holdDestination(Self.target) == false)
        // b dies holding it: a takes it once the lease ran out, never before.
        await b.close()
        #expect(try await a.holdDestination(Self.target) == false)
        #expect(try await eventually { try await a.holdDestination(Self.target) })
        await a.close()
    }

    @Test func aSingletonRunsOnOneNodeAndIsTakenOverWhenItsNodeDies() async throws {
        let (_, a, b) = try await twoNodes()
        #expect(try await a.holdSingleton("watch", lease: .seconds(1)))
        #expect(try await b.holdSingleton("watch", lease: .seconds(1)) == false)
        #expect(try await b.holdSingleton("prune", lease: .seconds(1)))
        // a renews it by running again; once it stops, b takes it after the lease.
        #expect(try await a.holdSingleton("watch", lease: .seconds(1)))
        await a.close()
        #expect(try await eventually { try await b.holdSingleton("watch", lease: .seconds(1)) })
        await b.close()
    }

    /// Which process holds a singleton's lease now.
    static func holder(of name: String, in store: PostgresStore) async throws -> String? {
        try await store.client.query(
            "SELECT holder FROM singleton_lease WHERE name = \(name)", logger: TestPostgres.quiet
        ).collect().first?.decode(String.self)
    }

    /// ha.md: the pruner runs on one node at a time and another takes over within about one interval
    /// of its death (not two).
    @Test func thePrunerIsTakenOverWithinAboutOneInterval() async throws {
        let (_, a, b) = try await twoNodes()
        let interval = Duration.seconds(1)
        let logger = Logger(label: "pruner-test")
        let first = StorePruner(store: a, interval: interval, clock: .live, logger: logger)
        let second = StorePruner(store: b, interval: interval, clock: .live, logger: logger)
        // The hourly pruner: a dead node's lease lasts at most a minute past the hour, and a standby asks
        // every 30 s, so the takeover comes within about one interval (not two).
        let hourly = StorePruner(store: a, interval: .seconds(3600), clock: .live, logger: logger)
        #expect(hourly.lease == .seconds(3660) && hourly.standbyPoll == .seconds(30))
        let running = Task { try await first.run() }
        #expect(try await eventually { try await Self.holder(of: "prune", in: b) == a.nodeId })
        let standby = Task { try await second.run() }
        running.cancel()
        await a.close()
        let died = ContinuousClock.now
        // b's pruner holds the lease once a's ran out: a's lease plus one standby poll at most.
        #expect(try await eventually { try await Self.holder(of: "prune", in: b) == b.nodeId })
        #expect(ContinuousClock.now - died < first.lease + second.standbyPoll + .seconds(2))
        standby.cancel()
        await b.close()
    }

    @Test func aDatabaseWithANewerSchemaIsRefusedWithASentence() async throws {
        let location = try await StoreLocation.make(.postgres)
        let store = try #require(try await location.open() as? PostgresStore)
        try await store.client.query("UPDATE fivetran_notify_schema SET version = 99", logger: TestPostgres.quiet)
        await store.close()
        await #expect {
            _ = try await location.open()
        } throws: { error in
            let message = (error as? NotifyError)?.message ?? ""
            return message.contains("newer version") && message.contains("schema 99")
                && message.contains("Upgrade fivetran-notify") && !message.contains(TestPostgres.password)
        }
        // Nodes starting together migrate once, without a race.
        let fresh = try await StoreLocation.make(.postgres)
        let nodes = try await withThrowingTaskGroup(of: (any StateStore).self) { group in
            for index in 0..<4 { group.addTask { try await fresh.open(nodeName: "n\(index)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(nodes.count == 4)
        for node in nodes { await node.close() }
    }

    @Test func thePasswordNeverAppearsInErrorsOrInTheURLShown() async throws {
        let database = try await TestPostgres.database()
        let url = try PostgresURL(database.url)
        #expect(url.redacted.contains("****") && !url.redacted.contains(TestPostgres.password))
        var wrong = url
        wrong.password = "not-the-\(TestPostgres.password)"
        var unreachable = url
        unreachable.port = 1
        var missing = url
        missing.database = "no_such_db"
        for bad in [wrong, unreachable, missing] {
            do {
                let store = try await PostgresStore.open(url: bad, logger: TestPostgres.quiet)
                await store.close()
                Issue.record("opened \(bad.redacted)")
            } catch {
                let message = (error as? NotifyError)?.message ?? "\(error)"
                #expect(message.hasPrefix("Cannot use the database postgres://\(TestPostgres.user):****@"))
                #expect(!message.contains(TestPostgres.password))
                #expect(!message.contains(bad.password ?? "-"))
            }
        }
    }

    @Test func urlsAreReadAsTheSpecSays() throws {
        let url = try PostgresURL("postgresql://app:s%40cret@db.example:6432/notify?sslmode=require")
        #expect(url.host == "db.example" && url.port == 6432 && url.user == "app" && url.database == "notify")
        #expect(url.password == "s@cret")
        #expect(url.sslMode == .require)
        #expect(url.redacted == "postgres://app:****@db.example:6432/notify?sslmode=require")
        #expect(try PostgresURL("postgres://app@db/notify").sslMode == .prefer)
        #expect(try PostgresURL("postgres://app@db/notify").port == 5432)
        for bad in [
            "mysql://app:pw@db/notify", "postgres://app:pw@db", "postgres://:pw@db/notify",
            "postgres://app:pw@db/notify?sslmode=verify-ca", "postgres://app:pw@db/notify?sslmode=verify-full",
        ] {
            #expect {
                _ = try PostgresURL(bad)
            } throws: { error in
                let message = (error as? NotifyError)?.message ?? ""
                return !message.isEmpty && !message.contains("pw@")
            }
        }
    }
}

extension PostgresClusterTests {
    /// The test server offers TLS with the fixture certificate (CN 127.0.0.1, its own CA).
    @Test func sslmodeRequireAndVerifyFullUseTLSAndVerifyFullRefusesAnotherCA() async throws {
        let database = try await TestPostgres.database()
        let tls = { (query: String) in
            try PostgresURL(database.url.replacingOccurrences(of: "sslmode=disable", with: query))
        }
        let trusted = TLSFixture.localhost.caFile
        for url in [try tls("sslmode=require"), try tls("sslmode=verify-full&sslrootcert=\(trusted)")] {
            let store = try await PostgresStore.open(url: url, logger: TestPostgres.quiet)
            let encrypted = try await store.client.query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: TestPostgres.quiet
            ).collect().first?.decode(Bool.self)
            #expect(encrypted == true, "\(url.redacted)")
            await store.close()
        }
        let other = try tls("sslmode=verify-full&sslrootcert=\(TLSFixture.other.caFile)")
        await #expect {
            _ = try await PostgresStore.open(url: other, logger: TestPostgres.quiet)
        } throws: { error in
            let message = (error as? NotifyError)?.message ?? ""
            return message.contains("Cannot use the database") && message.contains("certificate")
                && !message.contains(TestPostgres.password)
        }
        let plain = try await PostgresStore.open(url: try tls("sslmode=disable"), logger: TestPostgres.quiet)
        let unencrypted = try await plain.client.query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: TestPostgres.quiet
        ).collect().first?.decode(Bool.self)
        #expect(unencrypted == false)
        await plain.close()
    }

    /// Through a relay that refuses TLS, as a server (or pooler) without it does.
    @Test func sslmodePreferFallsBackAndRequireRefusesAServerWithoutTLS() async throws {
        let database = try await TestPostgres.database()
        let server = try await TestPostgres.shared()
        let relay = try TCPRelay(to: server.port, refusingTLS: true)
        let url = { (mode: String) in
            try PostgresURL(
                database.url.replacingOccurrences(of: ":\(server.port)/", with: ":\(relay.port)/")
                    .replacingOccurrences(of: "sslmode=disable", with: "sslmode=\(mode)"))
        }
        let store = try await PostgresStore.open(url: try url("prefer"), logger: TestPostgres.quiet)
        #expect(try await store.deliveryCount() == 0)
        await store.close()
        await #expect {
            _ = try await PostgresStore.open(url: try url("require"), logger: TestPostgres.quiet)
        } throws: { error in
            let message = (error as? NotifyError)?.message ?? ""
            return message.contains("does not offer TLS") && message.contains("sslmode=require")
                && !message.contains(TestPostgres.password)
        }
    }
}
