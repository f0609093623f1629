import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The shared state of any number of listeners in one PostgreSQL (ha.md), through postgres-nio's
/// pooled `PostgresClient`, every value bound as a parameter. The same API, decisions and SQL shape as
/// the SQLite `DeliveryStore` (each of its files has a `PostgresStore` twin with the same functions in
/// the same order), plus what a cluster needs:
///
/// - **A 200 means committed:** `record` returns once its transaction's COMMIT returned; the
///   deduplication key is one unique index, so a delivery answered by one node is a duplicate on all.
///   Deliveries arriving together are stored in one transaction (group commit, as in SQLite), and noise
///   control for a connector runs under a transaction-scoped advisory lock on its subject, so two nodes
///   never decide about one incident at once.
/// - **Claims with a lease:** a message is claimed with `FOR UPDATE SKIP LOCKED` under this process's
///   unique id (`nodeId`) until `leaseUntil`; a heartbeat renews this process's claims and leases and
///   settles the expired claims of dead nodes, so another node sends their messages within
///   `claimLease` plus one heartbeat.
/// - **One sender per destination:** `holdDestination` gives one process a destination's lease, so
///   pacing and digest formation hold for the whole cluster.
/// - **Outages:** every operation has a deadline; while PostgreSQL cannot be reached `writeProblem` says
///   so (deliveries get 503, `/healthz` is not 200), one line is logged per outage and one on recovery,
///   and the heartbeat reconnects with a fresh pool as soon as the server answers again.
public final class PostgresStore: StateStore {
    public let url: PostgresURL
    /// This process's unique id: what its claims and leases are held under (never shared, even by
    /// two nodes with the same name on one machine).
    public let nodeId: String
    public let nodeName: String?
    public let messagesQueued = WakeSignal()
    public let clicksRecorded = WakeSignal()
    let claimLease: Duration
    let heartbeat: Duration
    let timeout: Duration
    let logger: Logger
    private let policy: Locked<NoticePolicy>
    let audiences = Locked<[DestinationKind: NoticeAudience]>([:])
    private let pool: Mutex<Pool>
    /// The outage going on (what failed, and when it was noted), nil while the database can be used.
    private let outage = Mutex<(text: String, since: ContinuousClock.Instant)?>(nil)
    private let heartbeatTask = Mutex<Task<Void, Never>?>(nil)
    private let committer = Mutex<GroupCommitter<IncomingDelivery, RecordOutcome>?>(nil)
    /// The messages this process's dispatcher has claimed (or is claiming) and not yet settled: the
    /// only claims the heartbeat renews.
    let heldClaims = Mutex<Set<Int64>>([])

    /// A running client and the task that runs it.
    private struct Pool {
        var client: PostgresClient
        var task: Task<Void, Never>
    }

    /// postgres-nio's own lines stay out of the listener's log.
    static let silent = Logger(label: "fivetran-notify.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects, creates or migrates the schema, and starts the heartbeat.
    /// - Parameters:
    ///   - claimLease: how long a claim or destination lease holds without renewal (ha.md: within 30 s).
    ///   - timeout: the deadline of every operation (a delivery is answered 503 after it).
    /// - Throws: `NotifyError` saying in a sentence what is wrong with the database, never the password.
    public static func open(
        url: PostgresURL, nodeName: String? = nil, policy: NoticePolicy = NoticePolicy(),
        claimLease: Duration = .seconds(20), timeout: Duration = .seconds(4), logger: Logger
    ) async throws -> PostgresStore {
        let store = try PostgresStore(
            url: url, nodeName: nodeName, policy: policy, claimLease: claimLease, timeout: timeout, logger: logger)
        do {
            let configuration = try url.connectionConfiguration()
            try await store.withDeadline(.seconds(12)) { _ in
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: 0, logger: Self.silent)
                do {
                    try await PostgresSchema.migrate(connection, redactedURL: url.redacted)
                    try await connection.close()
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
        } catch let error as NotifyError {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw NotifyError(
                "Cannot use the database \(url.redacted): \(PostgresFailure.text(error)). Check the URL (--database, "
                    + "FIVETRAN_NOTIFY_DATABASE_URL or database_url in config.toml), that PostgreSQL runs there and "
                    + "accepts this user.")
        }
        store.startHeartbeat()
        return store
    }

    private init(
        url: PostgresURL, nodeName: String?, policy: NoticePolicy, claimLease: Duration, timeout: Duration,
        logger: Logger
    ) throws {
        self.url = url
        self.nodeName = nodeName
        nodeId = "\(nodeName ?? "node")/\(getpid())/\(UUID().uuidString.prefix(8).lowercased())"
        self.policy = Locked(policy)
        self.claimLease = claimLease
        heartbeat = min(.seconds(5), claimLease / 4)
        self.timeout = timeout
        self.logger = logger
        pool = Mutex(try Self.makePool(url))
        committer.withLock {
            $0 = GroupCommitter(maxBatch: 256, writers: 2) { [weak self] items in
                guard let self else { throw NotifyError("The delivery store is closed.") }
                return try await self.commit(items)
            }
        }
    }

    private static func makePool(_ url: PostgresURL) throws -> Pool {
        let client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: silent)
        return Pool(client: client, task: Task { await client.run() })
    }

    public func close() async {
        await committer.withLock { $0 }?.close()
        heartbeatTask.withLock { $0?.cancel() }
        let task = pool.withLock { $0.task }
        task.cancel()
        await task.value
    }

    // MARK: Running work

    /// The client in use now.
    var client: PostgresClient { pool.withLock { $0.client } }

    /// Runs `work` on the client, failing with `PostgresFailure.timedOut` after `deadline` even when
    /// the work does not stop when cancelled (a postgres-nio query in flight has no cancellation
    /// handler: it waits for the server's answer or the connection's end): the work is cancelled and
    /// left to end in the background, nothing waits for it.
    func withDeadline<T: Sendable>(
        _ deadline: Duration? = nil, _ work: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = self.client
        let limit = deadline ?? timeout
        return try await Deadline.run(limit, timedOut: PostgresFailure.timedOut(limit)) { try await work(client) }
    }

    /// Runs `work` in one transaction on a pooled connection, within the deadline. The result is
    /// returned only after COMMIT returned.
    @discardableResult
    func transaction<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        let started = ContinuousClock.now
        do {
            let result = try await withDeadline { client in
                try await client.withConnection { connection in try await Self.inTransaction(connection, work) }
            }
            noteReachable(askedAt: started)
            return result
        } catch {
            noteFailure(error)
            throw error
        }
    }

    /// Runs one read (a single statement: its own snapshot) within the deadline.
    func read<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await withDeadline { client in
                try await client.withConnection { connection in try await work(connection) }
            }
            noteReachable(askedAt: started)
            return result
        } catch {
            noteFailure(error)
            throw error
        }
    }

    /// BEGIN, `work`, COMMIT; ROLLBACK when `work` throws (its error is rethrown as it is).
    static func inTransaction<T>(_ connection: PostgresConnection, _ work: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try await connection.run("BEGIN")
        do {
            let result = try await work(connection)
            try await connection.run("COMMIT")
            return result
        } catch {
            _ = try? await connection.run("ROLLBACK")
            throw error
        }
    }

    // MARK: Health

    public var writeProblem: String? { outage.withLock { $0?.text } }
    public var lostReason: String? { nil }
    public var outageLogged: Bool { writeProblem != nil }

    public func failureText(_ error: any Error) -> String {
        "the database \(url.redacted) \(PostgresFailure.text(error))"
    }

    /// An operation failed: when it is the database being unreachable (not a refused statement),
    /// the outage starts (logged once).
    private func noteFailure(_ error: any Error) {
        guard PostgresFailure.isUnavailable(error) else { return }
        let text = PostgresFailure.text(error)
        let started = outage.withLock { current -> Bool in
            defer { current = current ?? (text, ContinuousClock.now) }
            return current == nil
        }
        if started {
            logger.error(
                """
                the database \(url.redacted) cannot be used (\(text)): deliveries are answered 503 and /healthz \
                reports it; reconnecting by itself
                """)
        }
    }

    /// An operation asked at `askedAt` succeeded: the outage ends, unless it was asked before the
    /// outage was noted (an answer already on its way when the connection was cut says nothing about
    /// now; taking it for a recovery would make one cut two outages, and let a failure in between be
    /// logged on its own).
    private func noteReachable(askedAt: ContinuousClock.Instant) {
        let ended = outage.withLock { current -> Bool in
            guard let since = current?.since, askedAt > since else { return false }
            current = nil
            return true
        }
        if ended { logger.info("the database \(url.redacted) can be used again; deliveries are stored") }
    }

    /// Every `heartbeat`: renews this process's claims and leases, settles expired ones, and during
    /// an outage reconnects (with a fresh pool, so recovery never waits on a long backoff).
    private func startHeartbeat() {
        let task = Task { [weak self] in
            var failures = 0
            while !Task.isCancelled {
                guard let self else { return }
                let beat = self.heartbeat
                do {
                    if self.writeProblem != nil, failures > 0 {
                        try await self.reconnect()
                    }
                    try await self.renewAndSettle()
                    failures = 0
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                }
                // Backoff during an outage: the beat, then up to twice it.
                let wait = failures == 0 ? beat : beat * min(2, failures)
                try? await Task.sleep(for: wait)
            }
        }
        heartbeatTask.withLock { $0 = task }
    }

    /// During an outage: a fresh pool (its backoff starts again) in place of the old one, once it
    /// gets through.
    private func reconnect() async throws {
        let fresh = try Self.makePool(url)
        let client = fresh.client
        do {
            _ = try await withDeadline { _ in try await client.query("SELECT 1", logger: Self.silent).collect() }
        } catch {
            fresh.task.cancel()
            throw error
        }
        let old = pool.withLock { current in
            defer { current = fresh }
            return current.task
        }
        old.cancel()
    }

    /// Renews the claims this process's dispatcher holds and this process's destination leases; lets
    /// go of dead nodes' expired claims (sent again by whoever takes them) the way a single listener
    /// settles claims at start.
    ///
    /// A claim of this process that its dispatcher does not hold is one whose answer it never had (the
    /// connection lost before COMMIT's answer came back, or the answer after the deadline): renewing
    /// it would keep its message from ever being sent, and the dispatcher's next try at it finds it
    /// claimed. It expires at once and is settled as any expired claim. Only one older than this
    /// transaction is: the set of held claims is read after BEGIN, so a claim made since is newer.
    func renewAndSettle() async throws {
        let me = nodeId
        let lease = claimLease.seconds
        try await transaction { [self] connection in
            let held = Array(heldClaims.withLock { $0 })
            // Rows another transaction is changing right now are skipped, not waited for: waiting would
            // leave them locked by this transaction even when they no longer match (PostgreSQL keeps the
            // lock of a rechecked row), and a claim (SKIP LOCKED) in that moment would be refused. A
            // skipped renewal is made at the next beat; the lease lasts four.
            try await connection.run(
                """
                UPDATE message SET leaseUntil = \(unescaped: Self.now) + \(lease)
                WHERE id IN (SELECT id FROM message WHERE claim != 0 AND claimedBy = \(me) AND id = ANY(\(held))
                    FOR UPDATE SKIP LOCKED)
                """)
            try await connection.run(
                """
                UPDATE message SET leaseUntil = \(unescaped: Self.now) - 1
                WHERE id IN (SELECT id FROM message WHERE claim != 0 AND claimedBy = \(me) AND NOT (id = ANY(\(held)))
                    AND leaseUntil < \(unescaped: Self.now) + \(lease) FOR UPDATE SKIP LOCKED)
                """)
            try await connection.run(
                "UPDATE destination_lease SET leaseUntil = \(unescaped: Self.now) + \(lease) WHERE holder = \(me)")
            try await Self.settleExpiredClaims(connection)
        }
    }

    /// The database's clock, in seconds since 1970: leases are judged by one clock for every node. The
    /// transaction's start, so every statement of one transaction judges a lease at the same instant
    /// (a claim cannot expire between "withdraw the ended ones" and "release the rest").
    static let now = "extract(epoch from transaction_timestamp())"

    // MARK: Policy

    public func setPolicy(_ policy: NoticePolicy) { self.policy.set(policy) }
    public var noticePolicy: NoticePolicy { policy.value }

    public func setCapabilities(_ capabilities: [DestinationKind: DestinationCapabilities]) {
        audiences.set(
            capabilities.mapValues {
                NoticeAudience(alwaysHearsResolves: $0.alwaysHearsResolves, takesReminders: $0.takesReminders)
            })
    }

    static func audience(of target: String, in audiences: [DestinationKind: NoticeAudience]) -> NoticeAudience {
        DeliveryStore.audience(of: target, in: audiences)
    }

    // MARK: Deliveries

    public func record(_ delivery: IncomingDelivery) async throws -> RecordOutcome {
        guard let committer = committer.withLock({ $0 }) else { throw NotifyError("The delivery store is closed.") }
        return try await committer.submit(delivery)
    }

    /// Records these deliveries as one group commit, as if they had arrived together (tests show a
    /// batch decides like one delivery at a time).
    func recordTogether(_ items: [IncomingDelivery]) async throws -> [RecordOutcome] { try await commit(items) }

    /// One group commit: the deliveries waiting together, stored and decided in one transaction.
    private func commit(_ items: [IncomingDelivery]) async throws -> [RecordOutcome] {
        let policy = self.policy.value
        let audiences = self.audiences.value
        let outcomes = try await transaction { connection in
            try await Self.insert(items, policy: policy, audiences: audiences, connection)
        }
        if outcomes.contains(where: {
            if case .stored(_, .some) = $0 { return true }
            return false
        }) {
            messagesQueued.signal()
        }
        return outcomes
    }

    /// Stores the deliveries (the first of one deduplication key in the batch; the rest, and those
    /// already stored by any node, are duplicates), takes the advisory locks of their subjects, and
    /// applies noise control to each, in arrival order, with what `PostgresIntakeBatch` read once for
    /// all. Keys are inserted and locks taken in sorted order, so two batches (of this node's two
    /// writers, or of two nodes) never wait on each other in a circle.
    private static func insert(
        _ items: [IncomingDelivery], policy: NoticePolicy, audiences: [DestinationKind: NoticeAudience],
        _ connection: PostgresConnection
    ) async throws -> [RecordOutcome] {
        var fresh: [IncomingDelivery] = []
        var seen = Set<String>()
        for item in items where seen.insert(item.deduplicationKey).inserted { fresh.append(item) }
        var ids: [String: Int64] = [:]
        for (key, id) in try await connection.run(PostgresIntakeStatements.InsertDeliveries(items: fresh)) {
            ids[key] = id
        }
        let stored = fresh.filter { ids[$0.deduplicationKey] != nil }
        guard !stored.isEmpty else { return items.map { _ in .duplicate } }
        try await connection.run(
            PostgresIntakeStatements.LockNames(names: Array(Set(stored.map { "incident:" + $0.subject }))))
        let batch = try await PostgresIntakeBatch(connection, items: stored)
        var messages: [String: Int64?] = [:]
        for item in stored {
            let deliveryId = ids[item.deduplicationKey]!
            messages[item.deduplicationKey] = try await applyNoiseControl(
                item, deliveryId: deliveryId, policy: policy, audiences: audiences, batch)
        }
        try await batch.finish()
        var answered = Set<String>()
        return items.map { item in
            let key = item.deduplicationKey
            guard let id = ids[key], answered.insert(key).inserted else { return .duplicate }
            return .stored(deliveryId: id, messageId: messages[key] ?? nil)
        }
    }

    public func deliveries(ids: [Int64]) async throws -> [StoredDelivery] {
        guard !ids.isEmpty else { return [] }
        return try await read { connection in
            try await connection.run(
                """
                SELECT id, event, subject, status, body, receivedAt FROM delivery WHERE id = ANY(\(ids)) ORDER BY id
                """
            ).map { row in
                let (id, event, subject, status, body, receivedAt) = try row.decode(
                    (Int64, String, String, String?, Data, Double).self)
                return StoredDelivery(
                    id: id, event: event, subject: subject, status: status, body: body,
                    receivedAt: Date(timeIntervalSince1970: receivedAt))
            }
        }
    }

    public func deliveryCount() async throws -> Int {
        try await read { connection in
            try await connection.run("SELECT COUNT(*) FROM delivery").first?.decode(Int.self) ?? 0
        }
    }

    public func countsByKind() async throws -> [DestinationKind: QueueCounts] {
        try await read { connection in
            var counts: [DestinationKind: QueueCounts] = [:]
            for row in try await connection.run(
                "SELECT destination, state, COUNT(*) FROM message GROUP BY destination, state")
            {
                let (destination, state, n) = try row.decode((String, String, Int).self)
                let kind = TargetReference.kind(ofStored: destination)
                switch MessageState(rawValue: state) {
                case .pending: counts[kind, default: QueueCounts()].pending += n
                case .delivered: counts[kind, default: QueueCounts()].delivered += n
                case .failed: counts[kind, default: QueueCounts()].failed += n
                case .held, nil: break
                }
            }
            return counts
        }
    }

    public func countsByDestination() async throws -> [String: QueueCounts] {
        try await read { connection in
            var counts: [String: QueueCounts] = [:]
            for row in try await connection.run(
                "SELECT destination, state, COUNT(*) FROM message GROUP BY destination, state")
            {
                let (destination, state, n) = try row.decode((String, String, Int).self)
                switch MessageState(rawValue: state) {
                case .pending: counts[destination, default: QueueCounts()].pending += n
                case .delivered: counts[destination, default: QueueCounts()].delivered += n
                case .failed: counts[destination, default: QueueCounts()].failed += n
                case .held, nil: break
                }
            }
            return counts
        }
    }

    public func counts() async throws -> QueueCounts {
        try await read { connection in
            var counts = QueueCounts()
            for row in try await connection.run("SELECT state, COUNT(*) FROM message GROUP BY state") {
                let (state, n) = try row.decode((String, Int).self)
                switch MessageState(rawValue: state) {
                case .pending: counts.pending = n
                case .delivered: counts.delivered = n
                case .failed: counts.failed = n
                case .held, nil: break
                }
            }
            return counts
        }
    }

    @discardableResult
    public func prune(before cutoff: Date) async throws -> Int {
        let limit = cutoff.timeIntervalSince1970
        let delivered = MessageState.delivered.rawValue
        return try await transaction { connection in
            try await connection.run("DELETE FROM message WHERE state = \(delivered) AND createdAt < \(limit)")
            try await connection.run("DELETE FROM mute WHERE until <= \(limit)")
            let removed = try await connection.run(
                """
                DELETE FROM delivery WHERE receivedAt < \(limit)
                    AND NOT EXISTS (SELECT 1 FROM message_delivery WHERE message_delivery.delivery = delivery.id)
                    AND NOT EXISTS (SELECT 1 FROM incident WHERE incident.lastDeliveryId = delivery.id)
                RETURNING id
                """
            ).count
            try await connection.run(
                """
                DELETE FROM incident_order WHERE lastCreated < \(limit)
                    AND NOT EXISTS (SELECT 1 FROM incident
                        WHERE incident.family = incident_order.family AND incident.subject = incident_order.subject)
                """)
            return removed
        }
    }

    // MARK: Cluster

    public func sentByNode() async throws -> [String: Int] {
        try await read { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.run(
                "SELECT sentBy, COUNT(*) FROM message WHERE sentBy IS NOT NULL GROUP BY sentBy")
            {
                let (node, count) = try row.decode((String, Int).self)
                counts[node] = count
            }
            return counts
        }
    }

    public func senders(incidents: [String]) async throws -> [String: String] {
        guard !incidents.isEmpty else { return [:] }
        return try await read { connection in
            var found: [String: String] = [:]
            for row in try await connection.run(
                """
                SELECT message_incident.incident, message.sentBy FROM message_incident
                JOIN message ON message.id = message_incident.message
                WHERE message_incident.incident = ANY(\(incidents)) AND message.sentBy IS NOT NULL
                ORDER BY message.deliveredAt
                """)
            {
                let (incident, node) = try row.decode((String, String).self)
                found[incident] = node
            }
            return found
        }
    }

    public func holdDestination(_ target: String) async throws -> Bool {
        let me = nodeId
        let lease = claimLease.seconds
        return try await transaction { connection in
            try await !connection.run(
                """
                INSERT INTO destination_lease (destination, holder, leaseUntil)
                VALUES (\(target), \(me), \(unescaped: Self.now) + \(lease))
                ON CONFLICT (destination) DO UPDATE SET holder = excluded.holder, leaseUntil = excluded.leaseUntil
                WHERE destination_lease.holder = excluded.holder OR destination_lease.leaseUntil < \(unescaped: Self.now)
                RETURNING holder
                """
            ).isEmpty
        }
    }

    public func releaseDestination(_ target: String) async throws {
        let me = nodeId
        try await transaction { connection in
            try await connection.run(
                "DELETE FROM destination_lease WHERE destination = \(target) AND holder = \(me)")
        }
    }

    public func holdSingleton(_ name: String, lease: Duration) async throws -> Bool {
        let me = nodeId
        let person = nodeName
        let seconds = lease.seconds
        return try await transaction { connection in
            try await !connection.run(
                """
                INSERT INTO singleton_lease (name, holder, nodeName, leaseUntil)
                VALUES (\(name), \(me), \(person), \(unescaped: Self.now) + \(seconds))
                ON CONFLICT (name) DO UPDATE
                SET holder = excluded.holder, nodeName = excluded.nodeName, leaseUntil = excluded.leaseUntil
                WHERE singleton_lease.holder = excluded.holder OR singleton_lease.leaseUntil < \(unescaped: Self.now)
                RETURNING holder
                """
            ).isEmpty
        }
    }
}

extension PostgresConnection {
    /// Runs one statement and reads every row it returns.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: PostgresStore.silent).collect()
    }
}
