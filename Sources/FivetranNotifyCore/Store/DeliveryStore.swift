import Foundation
import GRDB
import Synchronization

/// The durable queue: every verified delivery and every notice still to send (the outbox), in SQLite
/// (`<state dir>/fivetran-notify.sqlite`, WAL journal).
///
/// Durability: the writer connection runs with `synchronous = FULL`, so every commit fsyncs the WAL
/// before it returns; `record` returns only after its transaction committed, which is what lets the
/// listener answer 200. Concurrent `record` calls are committed together by one writer task
/// (`GroupCommitter`), one transaction and one fsync per batch.
///
/// Checkpoints are SQLite's automatic ones on the writer (every 1,000 WAL pages, which also lets the
/// WAL restart from its beginning), with `journal_size_limit` trimming the WAL file afterwards, plus a
/// truncating checkpoint after each prune. (A background checkpointer on a second connection was
/// measured and brought nothing at 64 connections; the automatic checkpoint is short.) A crash at any
/// point loses nothing: the WAL holds every commit until it is checkpointed.
public final class DeliveryStore: StateStore {
    /// The file name inside the state directory.
    public static let fileName = "fivetran-notify.sqlite"

    let pool: DatabasePool
    public let path: String
    private let committer: GroupCommitter<IncomingDelivery, RecordOutcome>
    /// Signalled whenever a message is queued (or re-queued), so the dispatcher wakes at once.
    public let messagesQueued: WakeSignal
    /// Signalled whenever a click is recorded, so whoever acts on clicks wakes at once.
    public let clicksRecorded = WakeSignal()
    /// When repeats stay quiet, reminders go out and recoveries are told; replaced on SIGHUP.
    private let policy: Locked<NoticePolicy>
    /// What each kind of destination takes of an incident's notices (its declared capabilities).
    let audiences: Locked<[DestinationKind: NoticeAudience]>
    /// Why the store can no longer keep what it is given (its file was deleted or replaced), if so.
    private let lost = Mutex<String?>(nil)
    /// Why writing fails now, as the write probe and the last `record` saw it (nil: it works).
    private let writeProblems = Mutex<(probe: String?, record: String?)>((nil, nil))

    /// Opens (creating when needed) the store in a state directory, which is created 0700 if missing.
    /// - Throws: `NotifyError` naming the directory and the remedy when it cannot be written.
    public static func open(stateDirectory: URL, policy: NoticePolicy = NoticePolicy()) throws -> DeliveryStore {
        try prepare(stateDirectory: stateDirectory)
        let path = stateDirectory.appendingPathComponent(fileName).path
        do {
            return try DeliveryStore(path: path, policy: policy)
        } catch let error as NotifyError {
            throw error
        } catch let error as DatabaseError where unusableFileCodes.contains(error.resultCode) {
            throw NotifyError(
                "The listener state \(path) cannot be used: \(reasonText(error)). Move it away to start with an "
                    + "empty queue (alerts still queued in it would not be sent), or point --state-dir elsewhere.")
        } catch let error as DatabaseError where busyOrBrokenCodes.contains(error.resultCode.primaryResultCode) {
            throw StoreFailure.error(error, path: path)
        } catch {
            throw unwritable(stateDirectory.path, reason: reasonText(error))
        }
    }

    /// Makes sure the state directory exists (0700 when created) and can be written.
    /// - Throws: `NotifyError` naming the directory and the remedy.
    public static func prepare(stateDirectory: URL) throws {
        let directory = stateDirectory.path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    at: stateDirectory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw unwritable(directory, reason: "it cannot be created (\(creationFailure(stateDirectory)))")
            }
        } else if !isDirectory.boolValue {
            throw unwritable(directory, reason: "it exists and is not a directory")
        }
        // Root ignores permission bits in access(2), so probe with a real file.
        let probe = stateDirectory.appendingPathComponent(".write-test-\(getpid())").path
        let fd = Foundation.open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd < 0 {
            throw unwritable(directory, reason: String(cString: strerror(errno)).lowercased())
        }
        Foundation.close(fd)
        unlink(probe)
    }

    /// SQLite's answers for a file that is there and writable but not a usable database.
    private static let unusableFileCodes: [ResultCode] = [.SQLITE_NOTADB, .SQLITE_CORRUPT]
    /// SQLite's answers for a usable file it could not work on now: locked, full, failing disk.
    private static let busyOrBrokenCodes: [ResultCode] = [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR]

    private static func unwritable(_ directory: String, reason: String) -> NotifyError {
        NotifyError(
            "The state directory \(directory) is not writable: \(reason). Deliveries cannot be stored there, "
                + "so listen will not start. Fix its permissions or choose another with --state-dir.")
    }

    /// Why a directory could not be created, in words: the nearest existing ancestor is a file, or
    /// the system's reason for refusing to create the next directory below it.
    private static func creationFailure(_ url: URL) -> String {
        var child = url.standardizedFileURL
        var parent = child.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        while parent.path != child.path
            && !FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory)
        {
            child = parent
            parent = parent.deletingLastPathComponent()
        }
        if !isDirectory.boolValue { return "\(parent.path) is a file, not a directory" }
        if mkdir(child.path, 0o700) != 0 { return "\(child.path): \(String(cString: strerror(errno)).lowercased())" }
        rmdir(child.path)
        return "permission denied"
    }

    /// Why a read or write failed, in words for the operator: what happened and what to do.
    public func failureText(_ error: any Error) -> String {
        StoreFailure.text(error, path: path)
    }

    private static func reasonText(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return StoreFailure.reason(error) }
        return (error as NSError).localizedDescription
    }

    /// Opens the database file itself (tests may use any path).
    /// - Parameter policy: when repeats stay quiet, reminders go out and recoveries are told.
    /// - Parameter readOnly: open an existing file only to read it (`status`, `mute list` on a state
    ///   directory they cannot write): no pragma, no migration, no mode change.
    public init(path: String, policy: NoticePolicy = NoticePolicy(), readOnly: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "fivetran-notify"
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        configuration.readonly = readOnly
        // 1 MiB of page cache per connection instead of SQLite's 2 MiB: the writer mostly touches the last
        // pages of each table and index (see DeduplicationKey), and misses are served by the OS's cache.
        // Measured: 1.5 MB less peak memory under load, same throughput.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -1024") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        if readOnly {
            guard try pool.read({ db in try StoreSchema.migrator.hasCompletedMigrations(db) }) else {
                throw NotifyError(
                    "The listener state \(path) was written by an older version and this directory cannot be "
                        + "written to upgrade it; run `fivetran-notify listen` on it once, or read a writable copy.")
            }
        } else {
            // GRDB turns WAL on with synchronous = NORMAL, which may lose the last commits on power loss.
            // FULL fsyncs the WAL on every commit: a 200 means the delivery is on disk.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
                try db.execute(sql: "PRAGMA journal_size_limit = 16777216")
            }
            try StoreSchema.migrator.migrate(pool)
            // The queue holds destination URLs (secrets): owner-only, whatever the umask.
            for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        }
        self.pool = pool
        let policyBox = Locked(policy)
        self.policy = policyBox
        let audienceBox = Locked<[DestinationKind: NoticeAudience]>([:])
        audiences = audienceBox
        let signal = WakeSignal()
        messagesQueued = signal
        committer = GroupCommitter { items in
            let current = policyBox.value
            let audiences = audienceBox.value
            let outcomes = try await pool.write { db in
                try Self.insert(items, policy: current, audiences: audiences, db)
            }
            if outcomes.contains(where: {
                if case .stored(_, .some) = $0 { return true }
                return false
            }) {
                signal.signal()
            }
            return outcomes
        }
    }

    /// Stops the writer task once queued deliveries are committed.
    public func close() async {
        await committer.close()
    }

    /// Runs `work` with the store of a state directory and closes it afterwards, whatever `work` does
    /// (for the short-lived commands: mute, status, replay).
    public static func withStore<T>(
        stateDirectory: URL, mustExist: Bool = false, _ work: (DeliveryStore) async throws -> T
    ) async throws -> T {
        if mustExist {
            let file = stateDirectory.appendingPathComponent(fileName)
            guard FileManager.default.fileExists(atPath: file.path) else { throw noState(in: stateDirectory) }
        }
        return try await using(try open(stateDirectory: stateDirectory), work)
    }

    /// The error of a command that needs a listener's state where there is none.
    public static func noState(in stateDirectory: URL) -> NotifyError {
        NotifyError(
            "No listener state in \(stateDirectory.path): `fivetran-notify listen` has not run with this "
                + "state directory. Pass --state-dir if it uses another.")
    }

    /// Runs `work` with the store of a state directory only to read it (`status`, `mute list`): a
    /// directory it may not write (a backup copy, a read-only mount, another user's) is read in place,
    /// else from a private copy; nothing is created there. Nil when the directory holds no state.
    public static func withReadingStore<T>(stateDirectory: URL, _ work: (DeliveryStore) async throws -> T)
        async throws -> T?
    {
        let file = stateDirectory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        if (try? prepare(stateDirectory: stateDirectory)) != nil {
            return try await withStore(stateDirectory: stateDirectory, work)
        }
        if let store = try? DeliveryStore(path: file.path, readOnly: true),
            (try? await store.counts()) != nil
        {
            return try await using(store, work)
        }
        // SQLite cannot read a WAL file in place without its shared-memory file: read a copy.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fivetran-notify-read-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        try FileManager.default.createDirectory(
            at: copy, withIntermediateDirectories: true,
            attributes: [
                .posixPermissions: 0o700
            ])
        defer { try? FileManager.default.removeItem(at: copy) }
        do {
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: file.path + suffix) {
                try FileManager.default.copyItem(
                    atPath: file.path + suffix, toPath: copy.appendingPathComponent(fileName).path + suffix)
            }
        } catch {
            throw NotifyError(
                "The listener state \(file.path) cannot be read: \(reasonText(error)). Run this as the user "
                    + "that runs listen, or pass --state-dir.")
        }
        let store = try DeliveryStore(path: copy.appendingPathComponent(fileName).path, readOnly: false)
        return try await using(store, work)
    }

    /// Runs `work` with `store`, closing it afterwards whatever happens; SQLite's errors in words.
    private static func using<T>(_ store: DeliveryStore, _ work: (DeliveryStore) async throws -> T) async throws
        -> T
    {
        do {
            let result = try await work(store)
            await store.close()
            return result
        } catch let error as DatabaseError {
            await store.close()
            throw StoreFailure.error(error, path: store.path)
        } catch {
            await store.close()
            throw error
        }
    }

    // MARK: Deliveries

    /// Stores a verified delivery (and queues its notice when it has a destination), returning
    /// once that is committed to disk. A delivery whose deduplication key is already stored changes
    /// nothing and returns `.duplicate`.
    public func record(_ delivery: IncomingDelivery) async throws -> RecordOutcome {
        if let reason = lostReason { throw NotifyError("\(reason); restart listen") }
        do {
            let outcome = try await committer.submit(delivery)
            writeProblems.withLock { $0.record = nil }
            return outcome
        } catch let error as DatabaseError where Self.writeFailureCodes.contains(error.resultCode.primaryResultCode) {
            let text = failureText(error)
            writeProblems.withLock { $0.record = text }
            throw error
        }
    }

    /// Why the state cannot be written now (disk full, read-only, file gone), in words; nil while it can.
    /// `/healthz` is not 200 while this is set.
    public var writeProblem: String? {
        if let reason = lostReason { return reason }
        return writeProblems.withLock { $0.probe ?? $0.record }
    }

    /// What the write probe found (`StateWriteProbe`): nil when writing worked. A working probe also
    /// clears the last `record`'s failure, so health recovers without traffic.
    func setProbeProblem(_ problem: String?) {
        writeProblems.withLock { problems in
            problems.probe = problem
            if problem == nil { problems.record = nil }
        }
    }

    /// SQLite's answers that mean the state cannot be written (as opposed to a busy lock).
    private static let writeFailureCodes: [ResultCode] = [
        .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN,
    ]

    /// Replaces the noise-control policy for deliveries stored from now on (config.toml reloaded).
    public func setPolicy(_ policy: NoticePolicy) { self.policy.set(policy) }

    /// The noise-control policy in force (what SIGHUP last set).
    public var noticePolicy: NoticePolicy { policy.value }

    /// Tells the store what each kind of destination takes (from the destinations' capabilities):
    /// noise control and `requeueFailed` follow it without naming any destination.
    public func setCapabilities(_ capabilities: [DestinationKind: DestinationCapabilities]) {
        audiences.set(
            capabilities.mapValues {
                NoticeAudience(alwaysHearsResolves: $0.alwaysHearsResolves, takesReminders: $0.takesReminders)
            })
    }

    /// What the destination of a stored target takes.
    func audience(of target: String) -> NoticeAudience {
        Self.audience(of: target, in: audiences.value)
    }

    static func audience(of target: String, in audiences: [DestinationKind: NoticeAudience]) -> NoticeAudience {
        audiences[TargetReference.kind(ofStored: target)] ?? NoticeAudience()
    }

    /// Set when the state file was pulled away: nothing given to the store now would be kept.
    public var lostReason: String? { lost.withLock { $0 } }

    func markLost(_ reason: String) { lost.withLock { $0 = $0 ?? reason } }

    /// How many group commits (transactions) `record` has made: fewer than the deliveries under load.
    var groupCommitCount: Int { committer.batchCount }

    /// Records these deliveries as one group commit, as if they had arrived together (tests show a
    /// batch decides like one delivery at a time).
    func recordTogether(_ items: [IncomingDelivery]) async throws -> [RecordOutcome] {
        let policy = self.policy.value
        let audiences = self.audiences.value
        return try await pool.write { db in try Self.insert(items, policy: policy, audiences: audiences, db) }
    }

    private static func insert(
        _ items: [IncomingDelivery], policy: NoticePolicy, audiences: [DestinationKind: NoticeAudience],
        _ db: Database
    ) throws -> [RecordOutcome] {
        let insertDelivery = try db.cachedStatement(
            sql: """
                INSERT INTO delivery (dedupKey, event, subject, status, body, receivedAt, forwarded)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedupKey) DO NOTHING
                """)
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(items.count)
        for item in items {
            let received = item.receivedAt.timeIntervalSince1970
            try insertDelivery.execute(arguments: [
                item.deduplicationKey, item.event, item.subject, item.status, item.body, received,
                item.destinations.isEmpty ? 0 : 1,
            ])
            guard db.changesCount > 0 else {
                outcomes.append(.duplicate)
                continue
            }
            let deliveryId = db.lastInsertedRowID
            let messageId = try applyNoiseControl(
                item, deliveryId: deliveryId, policy: policy, audiences: audiences, db)
            outcomes.append(.stored(deliveryId: deliveryId, messageId: messageId))
        }
        return outcomes
    }

    /// The stored deliveries with these ids, in id order.
    public func deliveries(ids: [Int64]) async throws -> [StoredDelivery] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            var result: [StoredDelivery] = []
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
                let rows = try SQLRequest<Row>(
                    literal:
                        "SELECT id, event, subject, status, body, receivedAt FROM delivery WHERE id IN \(part) ORDER BY id"
                ).fetchAll(db)
                result += rows.map { row in
                    StoredDelivery(
                        id: row["id"], event: row["event"], subject: row["subject"], status: row["status"],
                        body: row["body"], receivedAt: Date(timeIntervalSince1970: row["receivedAt"]))
                }
            }
            return result.sorted { $0.id < $1.id }
        }
    }

    /// How many deliveries are stored.
    public func deliveryCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery") ?? 0 }
    }

    /// Message counts by state.
    /// Queue counts per destination kind (only the kinds that have messages).
    public func countsByKind() async throws -> [DestinationKind: QueueCounts] {
        try await pool.read { db in
            var counts: [DestinationKind: QueueCounts] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT destination, state, COUNT(*) AS n FROM message GROUP BY destination, state")
            for row in rows {
                let kind = TargetReference.kind(ofStored: row["destination"])
                let n: Int = row["n"]
                switch MessageState(rawValue: row["state"]) {
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
        try await pool.read { db in
            var counts: [String: QueueCounts] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT destination, state, COUNT(*) AS n FROM message GROUP BY destination, state")
            for row in rows {
                let destination: String = row["destination"]
                let n: Int = row["n"]
                switch MessageState(rawValue: row["state"]) {
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
        try await pool.read { db in
            var counts = QueueCounts()
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM message GROUP BY state") {
                let n: Int = row["n"]
                switch MessageState(rawValue: row["state"]) {
                case .pending: counts.pending = n
                case .delivered: counts.delivered = n
                case .failed: counts.failed = n
                case .held, nil: break
                }
            }
            return counts
        }
    }

    /// Deletes delivered messages, deliveries received and mutes ended before `cutoff` (a delivery is
    /// kept while any message about it is pending or failed, while an open incident shows it, and for
    /// deduplication until the cutoff), then checkpoints the WAL. Returns how many deliveries were removed.
    @discardableResult
    public func prune(before cutoff: Date) async throws -> Int {
        let limit = cutoff.timeIntervalSince1970
        let removed = try await pool.write { db -> Int in
            try db.execute(
                sql: "DELETE FROM message WHERE state = ? AND createdAt < ?",
                arguments: [MessageState.delivered.rawValue, limit])
            try db.execute(sql: "DELETE FROM mute WHERE until <= ?", arguments: [limit])
            // Kept: deliveries a kept message is about, or that an open incident shows as its latest
            // failure (`status`).
            try db.execute(
                sql: """
                    DELETE FROM delivery WHERE receivedAt < ?
                        AND id NOT IN (SELECT delivery FROM message_delivery)
                        AND id NOT IN (SELECT lastDeliveryId FROM incident)
                    """, arguments: [limit])
            let removed = db.changesCount
            // The order of incidents no delivery can reach any more (older ones are stale on arrival).
            try db.execute(
                sql: """
                    DELETE FROM incident_order WHERE lastCreated < ?
                        AND NOT EXISTS (SELECT 1 FROM incident
                            WHERE incident.family = incident_order.family AND incident.subject = incident_order.subject)
                    """, arguments: [limit])
            return removed
        }
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return removed
    }

    // MARK: Cluster (one node: it holds everything)

    public func holdDestination(_ target: String) async throws -> Bool { true }
    public func releaseDestination(_ target: String) async throws {}
    public func holdSingleton(_ name: String, lease: Duration) async throws -> Bool { true }
    public var nodeName: String? { nil }
    public var outageLogged: Bool { false }
    public func sentByNode() async throws -> [String: Int] { [:] }
    public func senders(incidents: [String]) async throws -> [String: String] { [:] }
}
