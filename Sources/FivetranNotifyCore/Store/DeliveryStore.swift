import Foundation
import GRDB

/// The durable queue: every verified delivery and every Slack message still to post, in SQLite
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
public final class DeliveryStore: Sendable {
    /// The file name inside the state directory.
    public static let fileName = "fivetran-notify.sqlite"

    let pool: DatabasePool
    public let path: String
    private let committer: GroupCommitter<IncomingDelivery, RecordOutcome>
    /// Signalled whenever a message is queued (or re-queued), so the dispatcher wakes at once.
    public let messagesQueued: WakeSignal

    /// Opens (creating when needed) the store in a state directory, which is created 0700 if missing.
    /// - Throws: `NotifyError` naming the directory and the remedy when it cannot be written.
    public static func open(stateDirectory: URL, policy: NoticePolicy = NoticePolicy()) throws -> DeliveryStore {
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
        let path = stateDirectory.appendingPathComponent(fileName).path
        do {
            return try DeliveryStore(path: path, policy: policy)
        } catch let error as NotifyError {
            throw error
        } catch let error as DatabaseError where unusableFileCodes.contains(error.resultCode) {
            throw NotifyError(
                "The listener state \(path) cannot be used: \(reasonText(error)). Move it away to start with an "
                    + "empty queue (alerts still queued in it would not be sent), or point --state-dir elsewhere.")
        } catch {
            throw unwritable(directory, reason: reasonText(error))
        }
    }

    /// SQLite's answers for a file that is there and writable but not a usable database.
    private static let unusableFileCodes: [ResultCode] = [.SQLITE_NOTADB, .SQLITE_CORRUPT]

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

    /// Why a write failed, in words for the operator: what happened and, where it is clear, what to do.
    public func failureText(_ error: any Error) -> String {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_FULL {
            return "the disk holding \(path) is full; free space there"
        }
        return "SQLite: \(Self.reasonText(error))"
    }

    private static func reasonText(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return (error as NSError).localizedDescription
    }

    /// Opens the database file itself (tests may use any path).
    /// - Parameter policy: when repeats stay quiet, reminders go out and recoveries are told.
    public init(path: String, policy: NoticePolicy = NoticePolicy()) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "fivetran-notify"
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        // 1 MiB of page cache per connection instead of SQLite's 2 MiB: the writer mostly touches the last
        // pages of each table and index (see DeduplicationKey), and misses are served by the OS's cache.
        // Measured: 1.5 MB less peak memory under load, same throughput.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -1024") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB turns WAL on with synchronous = NORMAL, which may lose the last commits on power loss.
        // FULL fsyncs the WAL on every commit: a 200 means the delivery is on disk.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
            try db.execute(sql: "PRAGMA journal_size_limit = 16777216")
        }
        try Self.migrator.migrate(pool)
        // The queue holds Slack webhook URLs (secrets): owner-only, whatever the umask.
        for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        self.pool = pool
        let signal = WakeSignal()
        messagesQueued = signal
        committer = GroupCommitter { items in
            let outcomes = try await pool.write { db in try Self.insert(items, policy: policy, db) }
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
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw NotifyError(
                    "No listener state in \(stateDirectory.path): `fivetran-notify listen` has not run with this "
                        + "state directory. Pass --state-dir if it uses another.")
            }
        }
        let store = try open(stateDirectory: stateDirectory)
        do {
            let result = try await work(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    // MARK: Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE delivery (
                        id INTEGER PRIMARY KEY,
                        dedupKey TEXT NOT NULL UNIQUE,
                        event TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        status TEXT,
                        body BLOB NOT NULL,
                        receivedAt DOUBLE NOT NULL,
                        forwarded INTEGER NOT NULL
                    );
                    CREATE INDEX delivery_receivedAt ON delivery(receivedAt);
                    CREATE TABLE message (
                        id INTEGER PRIMARY KEY,
                        destination TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL,
                        deliveryIds TEXT NOT NULL,
                        payload BLOB,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt DOUBLE NOT NULL,
                        lastError TEXT,
                        createdAt DOUBLE NOT NULL,
                        deliveredAt DOUBLE
                    );
                    CREATE INDEX message_state ON message(state, destination, id);
                    """)
        }
        migrator.registerMigration("v2 noise control") { db in
            try Self.createMuteTable(db)
            try Self.createIncidentTables(db)
        }
        migrator.registerMigration("v3 time-first deduplication keys") { db in
            try Self.moveCreatedFirst(db)
        }
        migrator.registerMigration("v4 digest incidents") { db in
            try Self.createDigestIncidentTable(db)
        }
        migrator.registerMigration("v5 messages being posted") { db in
            // sending: 0 queued; 1 being posted (see `claim`); 2 being posted while its incident ended:
            // withdrawn if the post fails, followed by `followUp` (a rendered "Recovered") if it succeeds.
            try db.execute(
                sql: """
                    ALTER TABLE message ADD COLUMN sending INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE message ADD COLUMN followUp BLOB;
                    """)
        }
        return migrator
    }

    /// Rewrites composite keys stored before v3 (`event|connector|sync|created`) in today's order
    /// (`created|event|connector|sync`), so a redelivery of an event stored earlier is still a duplicate.
    static func moveCreatedFirst(_ db: Database) throws {
        let update = try db.makeStatement(sql: "UPDATE delivery SET dedupKey = ? WHERE id = ?")
        let rows = try Row.fetchAll(db, sql: "SELECT id, dedupKey FROM delivery WHERE dedupKey LIKE '%|%'")
        for row in rows {
            let parts = (row["dedupKey"] as String).split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4 else { continue }
            let key = [parts[3], parts[0], parts[1], parts[2]].joined(separator: "|")
            try update.execute(arguments: [key, row["id"] as Int64])
        }
    }

    // MARK: Deliveries

    /// Stores a verified delivery (and queues its Slack message when it has a destination), returning
    /// once that is committed to disk. A delivery whose deduplication key is already stored changes
    /// nothing and returns `.duplicate`.
    public func record(_ delivery: IncomingDelivery) async throws -> RecordOutcome {
        try await committer.submit(delivery)
    }

    /// How many group commits (transactions) `record` has made: fewer than the deliveries under load.
    var groupCommitCount: Int { committer.batchCount }

    private static func insert(_ items: [IncomingDelivery], policy: NoticePolicy, _ db: Database) throws
        -> [RecordOutcome]
    {
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
                item.destination == nil ? 0 : 1,
            ])
            guard db.changesCount > 0 else {
                outcomes.append(.duplicate)
                continue
            }
            let deliveryId = db.lastInsertedRowID
            let messageId = try applyNoiseControl(item, deliveryId: deliveryId, policy: policy, db)
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

    // MARK: Messages

    /// The destinations that have pending messages.
    public func destinationsWithPendingMessages() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM message WHERE state = 'pending'")
        }
    }

    /// Pending messages for one destination, oldest first.
    public func pendingMessages(destination: String, limit: Int = 1000) async throws -> [OutgoingMessage] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM message WHERE state = 'pending' AND destination = ? ORDER BY id LIMIT ?",
                arguments: [destination, limit]
            ).map(Self.message)
        }
    }

    /// Every message in a state (all destinations), oldest first.
    public func messages(state: MessageState, limit: Int = 10_000) async throws -> [OutgoingMessage] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM message WHERE state = ? ORDER BY id LIMIT ?",
                arguments: [state.rawValue, limit]
            ).map(Self.message)
        }
    }

    /// `message.deliveryIds` holds the ids a message is about as comma-separated text.
    static func deliveryIdsText(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ",")
    }

    static func deliveryIds(fromText text: String) -> [Int64] {
        text.split(separator: ",").compactMap { Int64($0) }
    }

    private static func message(_ row: Row) -> OutgoingMessage {
        OutgoingMessage(
            id: row["id"], destination: row["destination"],
            kind: MessageKind(rawValue: row["kind"]) ?? .alert,
            state: MessageState(rawValue: row["state"]) ?? .pending,
            deliveryIds: deliveryIds(fromText: row["deliveryIds"]), payload: row["payload"], attempts: row["attempts"],
            nextAttemptAt: Date(timeIntervalSince1970: row["nextAttemptAt"]), lastError: row["lastError"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]))
    }

    /// The dispatcher is about to post this message. While it is being posted, a recovery of its
    /// connector cannot withdraw it (Slack may be showing it already); see `markDelivered` and
    /// `recordFailedAttempt`. Returns false when the message is no longer pending (withdrawn or folded
    /// into a digest since it was read): it must not be posted.
    public func claim(_ id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE message SET sending = 1 WHERE id = ? AND state = 'pending'", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Settles posts cut short by a stop or crash, when a listener starts: each is posted again, unless
    /// its incident ended meanwhile (then it is withdrawn).
    public func releaseClaims() async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM message WHERE state = 'pending' AND sending = 2")
            try db.execute(sql: "UPDATE message SET sending = 0, followUp = NULL WHERE sending != 0")
        }
    }

    /// Slack said `ok`: the message is never posted again. If its incident ended while it was being
    /// posted, the "Recovered" kept for that case is queued now.
    public func markDelivered(_ id: Int64, at date: Date) async throws {
        let followed = try await pool.write { db -> Bool in
            let row = try Row.fetchOne(
                db, sql: "SELECT destination, deliveryIds, followUp FROM message WHERE id = ?", arguments: [id])
            try db.execute(
                sql: """
                    UPDATE message SET state = 'delivered', sending = 0, followUp = NULL, attempts = attempts + 1,
                        deliveredAt = ?
                    WHERE id = ?
                    """,
                arguments: [date.timeIntervalSince1970, id])
            guard let row, let followUp = row["followUp"] as Data? else { return false }
            _ = try Self.queueMessage(
                .resolved, destination: row["destination"], deliveryIds: Self.deliveryIds(fromText: row["deliveryIds"]),
                payload: followUp, at: date, db)
            return true
        }
        if followed { messagesQueued.signal() }
    }

    /// An attempt failed; the dispatcher retries it after its backoff (`nextAttemptAt` records when, for
    /// the operator; after a restart it is retried at once). Or, when its incident ended while it
    /// was being posted, it is withdrawn (Slack never showed it). Returns whether it is still queued.
    @discardableResult
    public func recordFailedAttempt(_ id: Int64, error: String, nextAttemptAt: Date) async throws -> Bool {
        try await pool.write { db in
            if try Self.withdrawIfEnded(id, db) { return false }
            try db.execute(
                sql: """
                    UPDATE message SET sending = 0, attempts = attempts + 1, lastError = ?, nextAttemptAt = ?
                    WHERE id = ?
                    """,
                arguments: [error, nextAttemptAt.timeIntervalSince1970, id])
            return true
        }
    }

    /// Slack refused the message for good: it is kept, visibly failed, and not retried by itself
    /// (unless its incident ended while it was being posted: then it is withdrawn).
    /// Returns whether it was kept.
    @discardableResult
    public func markFailed(_ id: Int64, error: String) async throws -> Bool {
        try await pool.write { db in
            if try Self.withdrawIfEnded(id, db) { return false }
            try db.execute(
                sql: """
                    UPDATE message SET state = 'failed', sending = 0, attempts = attempts + 1, lastError = ?
                    WHERE id = ?
                    """,
                arguments: [error, id])
            return true
        }
    }

    /// Deletes the message if its incident ended while it was being posted; returns whether it did.
    private static func withdrawIfEnded(_ id: Int64, _ db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM message WHERE id = ? AND sending = 2", arguments: [id])
        return db.changesCount > 0
    }

    /// Replaces pending single alerts with the parts of a digest, in one transaction: the digest parts
    /// carry their rendered payloads and every delivery id, the alerts they stand for are removed.
    /// Returns the new digest messages. Alerts that are no longer pending are left alone (and the
    /// digest is not formed) so nothing is posted twice.
    public func replaceWithDigest(
        messageIds: [Int64], destination: String, parts: [Data], deliveryIds: [Int64], at date: Date
    ) async throws -> [OutgoingMessage] {
        try await pool.write { db in
            let stillPending =
                try SQLRequest<Int>(
                    literal:
                        "SELECT COUNT(*) FROM message WHERE state = 'pending' AND kind = 'alert' AND id IN \(messageIds)"
                ).fetchOne(db) ?? 0
            guard stillPending == messageIds.count else { return [] }
            let incidents = try Self.incidents(ofMessages: messageIds, db)
            try db.execute(literal: "DELETE FROM message WHERE id IN \(messageIds)")
            var created: [OutgoingMessage] = []
            for part in parts {
                let id = try Self.queueMessage(
                    .digest, destination: destination, deliveryIds: deliveryIds, payload: part, at: date, db)
                try Self.link(message: id, toIncidents: incidents, db)
                created.append(
                    OutgoingMessage(
                        id: id, destination: destination, kind: .digest, state: .pending,
                        deliveryIds: deliveryIds, payload: part, attempts: 0, nextAttemptAt: date, lastError: nil,
                        createdAt: date))
            }
            return created
        }
    }

    /// Inserts a pending message and returns its id. `payload` is the JSON to post when it was rendered
    /// ahead of time; `incident` ties it to a connector's incident (see noise control).
    static func queueMessage(
        _ kind: MessageKind, destination: String, deliveryIds: [Int64], payload: Data? = nil,
        incident: String? = nil, at date: Date, _ db: Database
    ) throws -> Int64 {
        let time = date.timeIntervalSince1970
        try db.cachedStatement(
            sql: """
                INSERT INTO message (destination, kind, state, deliveryIds, payload, attempts, nextAttemptAt,
                    createdAt, incident)
                VALUES (?, ?, 'pending', ?, ?, 0, ?, ?, ?)
                """
        ).execute(
            arguments: [
                destination, kind.rawValue, deliveryIdsText(deliveryIds), payload, time, time, incident,
            ])
        return db.lastInsertedRowID
    }

    /// Puts permanently failed messages back in the queue (after the operator fixed a URL).
    @discardableResult
    public func requeueFailed(now: Date) async throws -> Int {
        let count = try await pool.write { db in
            try db.execute(
                sql: "UPDATE message SET state = 'pending', nextAttemptAt = ? WHERE state = 'failed'",
                arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
        if count > 0 { messagesQueued.signal() }
        return count
    }

    /// Message counts by state.
    public func counts() async throws -> QueueCounts {
        try await pool.read { db in
            var counts = QueueCounts()
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM message GROUP BY state") {
                let n: Int = row["n"]
                switch MessageState(rawValue: row["state"]) {
                case .pending: counts.pending = n
                case .delivered: counts.delivered = n
                case .failed: counts.failed = n
                case nil: break
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
                sql: "DELETE FROM message WHERE state = 'delivered' AND createdAt < ?", arguments: [limit])
            try db.execute(sql: "DELETE FROM mute WHERE until <= ?", arguments: [limit])
            // Delivery ids still referenced by a kept message, or that an open incident shows as its
            // latest failure (`status`).
            var kept = Set(try String.fetchAll(db, sql: "SELECT deliveryIds FROM message").flatMap(Self.deliveryIds))
            kept.formUnion(try Int64.fetchAll(db, sql: "SELECT lastDeliveryId FROM incident"))
            let old = try Int64.fetchAll(db, sql: "SELECT id FROM delivery WHERE receivedAt < ?", arguments: [limit])
            var removed = 0
            let delete = try db.cachedStatement(sql: "DELETE FROM delivery WHERE id = ?")
            for id in old where !kept.contains(id) {
                try delete.execute(arguments: [id])
                removed += 1
            }
            return removed
        }
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return removed
    }
}
