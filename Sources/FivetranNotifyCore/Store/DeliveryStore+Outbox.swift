import Foundation
import GRDB

/// The outbox: notices waiting for their destination, read and settled by the dispatcher. Each write
/// is one transaction, so a crash leaves every message either still queued or recorded as sent.
extension DeliveryStore {
    /// The destination targets that have pending messages.
    public func destinationsWithPendingMessages() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT destination FROM message WHERE state = ?",
                arguments: [MessageState.pending.rawValue])
        }
    }

    /// Pending messages for one destination target, oldest first.
    public func pendingMessages(destination: String, limit: Int = 1000) async throws -> [OutgoingMessage] {
        try await pool.read { db in
            try Self.messages(
                db, where: "state = ? AND destination = ?",
                arguments: [MessageState.pending.rawValue, destination], limit: limit)
        }
    }

    /// Every message in a state (all destinations), oldest first.
    public func messages(state: MessageState, limit: Int = 10_000) async throws -> [OutgoingMessage] {
        try await pool.read { db in
            try Self.messages(db, where: "state = ?", arguments: [state.rawValue], limit: limit)
        }
    }

    private static func messages(
        _ db: Database, where condition: String, arguments: StatementArguments, limit: Int
    ) throws -> [OutgoingMessage] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM message WHERE \(condition) ORDER BY id LIMIT ?", arguments: arguments + [limit])
        let ids = rows.map { $0["id"] as Int64 }
        var deliveries: [Int64: [Int64]] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
            for link in try Row.fetchAll(
                db,
                SQLRequest<Row>(
                    literal:
                        "SELECT message, delivery FROM message_delivery WHERE message IN \(part) ORDER BY delivery"))
            {
                deliveries[link["message"], default: []].append(link["delivery"])
            }
        }
        return rows.map { row in
            let id: Int64 = row["id"]
            let since: Double? = row["since"]
            return OutgoingMessage(
                id: id, destination: row["destination"], kind: NoticeKind(rawValue: row["kind"]) ?? .alert,
                state: MessageState(rawValue: row["state"]) ?? .pending, deliveryIds: deliveries[id] ?? [],
                failures: row["failures"], since: since.map(Date.init(timeIntervalSince1970:)),
                legacyPayload: row["legacyPayload"], partsSent: row["partsSent"], attempts: row["attempts"],
                nextAttemptAt: Date(timeIntervalSince1970: row["nextAttemptAt"]), lastError: row["lastError"],
                createdAt: Date(timeIntervalSince1970: row["createdAt"]))
        }
    }

    /// The dispatcher is about to send this message. While it is being sent, a recovery of its
    /// incident cannot withdraw it (the destination may be showing it already); see `markDelivered` and
    /// `recordFailedAttempt`. Returns false when the message is no longer pending (withdrawn or folded
    /// into a digest since it was read) or is claimed already: it must not be sent.
    public func claim(_ id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE message SET claim = ? WHERE id = ? AND state = ? AND claim = ?",
                arguments: [
                    MessageClaim.sending.rawValue, id, MessageState.pending.rawValue, MessageClaim.none.rawValue,
                ])
            return db.changesCount > 0
        }
    }

    /// Settles sends cut short by a stop or crash, when a listener starts: each is sent again, unless
    /// its incident ended meanwhile (then it is withdrawn, with the "Recovered" held for it).
    public func releaseClaims() async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM message WHERE state = ? AND claim = ?",
                arguments: [MessageState.pending.rawValue, MessageClaim.sendingAfterIncidentEnded.rawValue])
            try db.execute(
                sql: "UPDATE message SET claim = ? WHERE claim != ?",
                arguments: [MessageClaim.none.rawValue, MessageClaim.none.rawValue])
        }
    }

    /// The bodies fixed for a message (`freeze`), in order; empty when none were fixed yet.
    public func frozenParts(_ id: Int64) async throws -> [Data] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM message_part WHERE message = ? ORDER BY part", arguments: [id])
        }
    }

    /// Fixes what a message says: its bodies, in order, stored once. When bodies were fixed already
    /// (by an earlier attempt), those are kept and returned: a retry, a restart or a replay sends what
    /// was decided first, and a digest's part counter always points into the same parts.
    /// `restartingParts`: the parts counted as sent were not fixed (an earlier release sent them), so
    /// the count starts again.
    public func freeze(_ id: Int64, parts: [Data], restartingParts: Bool = false) async throws -> [Data] {
        try await pool.write { db in
            let stored = try Data.fetchAll(
                db, sql: "SELECT body FROM message_part WHERE message = ? ORDER BY part", arguments: [id])
            guard stored.isEmpty else { return stored }
            if restartingParts {
                try db.execute(sql: "UPDATE message SET partsSent = 0 WHERE id = ?", arguments: [id])
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO message_part (message, part, body) VALUES (?, ?, ?)")
            for (index, body) in parts.enumerated() { try insert.execute(arguments: [id, index, body]) }
            return parts
        }
    }

    /// The destination accepted one more body of a message that has more to send (a digest in parts):
    /// it stays pending, and its next part goes out on its next turn.
    public func markPartSent(_ id: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE message SET partsSent = partsSent + 1, claim = ? WHERE id = ?",
                arguments: [MessageClaim.none.rawValue, id])
        }
    }

    /// The destination accepted the message: it is never sent again. If its incident ended while it
    /// was being sent, the "Recovered" held for that case is queued now.
    public func markDelivered(_ id: Int64, at date: Date) async throws {
        let released = try await pool.write { db -> Bool in
            try db.execute(
                sql: """
                    UPDATE message SET state = ?, claim = ?, attempts = attempts + 1, deliveredAt = ?
                    WHERE id = ?
                    """,
                arguments: [
                    MessageState.delivered.rawValue, MessageClaim.none.rawValue, date.timeIntervalSince1970, id,
                ])
            // Sent for good: its fixed bodies are never needed again.
            try db.cachedStatement(sql: "DELETE FROM message_part WHERE message = ?").execute(arguments: [id])
            try db.execute(
                sql: "UPDATE message SET state = ?, heldFor = NULL, nextAttemptAt = ? WHERE state = ? AND heldFor = ?",
                arguments: [
                    MessageState.pending.rawValue, date.timeIntervalSince1970, MessageState.held.rawValue, id,
                ])
            return db.changesCount > 0
        }
        if released { messagesQueued.signal() }
    }

    /// An attempt failed; the dispatcher retries it after its backoff (`nextAttemptAt` records when, for
    /// the operator; after a restart it is retried at once). Or, when its incident ended while it
    /// was being sent, it is withdrawn (nobody saw it). Returns whether it is still queued.
    @discardableResult
    public func recordFailedAttempt(_ id: Int64, error: String, nextAttemptAt: Date) async throws -> Bool {
        try await pool.write { db in
            if try Self.withdrawIfEnded(id, db) { return false }
            try db.execute(
                sql: """
                    UPDATE message SET claim = ?, attempts = attempts + 1, lastError = ?, nextAttemptAt = ?
                    WHERE id = ?
                    """,
                arguments: [MessageClaim.none.rawValue, error, nextAttemptAt.timeIntervalSince1970, id])
            return true
        }
    }

    /// The destination refused the message for good: it is kept, visibly failed, and not retried by
    /// itself (unless its incident ended while it was being sent: then it is withdrawn).
    /// Returns whether it was kept.
    @discardableResult
    public func markFailed(_ id: Int64, error: String) async throws -> Bool {
        try await pool.write { db in
            if try Self.withdrawIfEnded(id, db) { return false }
            try db.execute(
                sql: "UPDATE message SET state = ?, claim = ?, attempts = attempts + 1, lastError = ? WHERE id = ?",
                arguments: [MessageState.failed.rawValue, MessageClaim.none.rawValue, error, id])
            return true
        }
    }

    /// Deletes the message (and the "Recovered" held for it) if its incident ended while it was being
    /// sent; returns whether it did.
    private static func withdrawIfEnded(_ id: Int64, _ db: Database) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM message WHERE id = ? AND claim = ?",
            arguments: [id, MessageClaim.sendingAfterIncidentEnded.rawValue])
        return db.changesCount > 0
    }

    /// Replaces pending single alerts with one digest, in one transaction: the digest is about every
    /// delivery of the alerts and speaks for all their incidents; the alerts are removed. Returns the
    /// digest, or nil (and changes nothing) when any of the alerts is no longer pending, so nothing is
    /// told twice.
    public func replaceWithDigest(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    {
        try await pool.write { db in
            let stillPending =
                try SQLRequest<Int>(
                    literal: """
                        SELECT COUNT(*) FROM message
                        WHERE state = \(MessageState.pending.rawValue) AND kind = \(NoticeKind.alert.rawValue)
                            AND id IN \(messageIds)
                        """
                ).fetchOne(db) ?? 0
            guard stillPending == messageIds.count else { return nil }
            let deliveryIds = try SQLRequest<Int64>(
                literal:
                    "SELECT DISTINCT delivery FROM message_delivery WHERE message IN \(messageIds) ORDER BY delivery"
            ).fetchAll(db)
            let incidents = try SQLRequest<String>(
                literal: "SELECT DISTINCT incident FROM message_incident WHERE message IN \(messageIds)"
            ).fetchAll(db)
            try db.execute(literal: "DELETE FROM message WHERE id IN \(messageIds)")
            let id = try Self.queueMessage(
                .digest, destination: destination, deliveryIds: deliveryIds, incidents: incidents, at: date, db)
            return .justQueued(id: id, destination: destination, kind: .digest, deliveryIds: deliveryIds, at: date)
        }
    }

    /// Inserts a message and returns its id: a notice of `kind` about `deliveryIds`, speaking for
    /// `incidents`, pending unless it is `held` for another message's outcome.
    static func queueMessage(
        _ kind: NoticeKind, destination: String, deliveryIds: [Int64], incidents: [String] = [],
        failures: Int? = nil, since: Date? = nil, heldFor: Int64? = nil, at date: Date, _ db: Database
    ) throws -> Int64 {
        let time = date.timeIntervalSince1970
        let state = heldFor == nil ? MessageState.pending : .held
        try db.cachedStatement(
            sql: """
                INSERT INTO message (destination, kind, state, attempts, nextAttemptAt, createdAt, failures, since,
                    heldFor)
                VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                destination, kind.rawValue, state.rawValue, time, time, failures, since?.timeIntervalSince1970,
                heldFor,
            ])
        let id = db.lastInsertedRowID
        let linkDelivery = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO message_delivery (message, delivery) VALUES (?, ?)")
        for delivery in deliveryIds { try linkDelivery.execute(arguments: [id, delivery]) }
        let linkIncident = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO message_incident (message, incident) VALUES (?, ?)")
        for incident in incidents { try linkIncident.execute(arguments: [id, incident]) }
        return id
    }

    /// Puts permanently failed messages back in the queue (after the operator fixed a URL). Each goes
    /// where its route points in the running listener's configuration when it is sent: a message
    /// holding a literal target (stored before references) is turned into a reference to its kind on
    /// its delivery's route. An alert to a destination that always hears resolves (PagerDuty) whose
    /// incident is no longer open is withdrawn instead: it would page for something already fixed.
    @discardableResult
    public func requeueFailed(now: Date) async throws -> Requeued {
        let audiences = self.audiences.value
        let result = try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT message.id, message.destination, message.kind, delivery.body FROM message
                    LEFT JOIN delivery ON delivery.id = (
                        SELECT min(delivery) FROM message_delivery WHERE message_delivery.message = message.id)
                    WHERE message.state = ?
                    """, arguments: [MessageState.failed.rawValue])
            var skipped = 0
            for row in rows {
                let id: Int64 = row["id"]
                let stored: String = row["destination"]
                let body: Data? = row["body"]
                let delivery = body.flatMap { try? Delivery.parse($0) }
                if Self.audience(of: stored, in: audiences).alwaysHearsResolves,
                    row["kind"] == NoticeKind.alert.rawValue, let delivery,
                    try !Self.incidentIsOpen(of: delivery, db)
                {
                    try db.execute(sql: "DELETE FROM message WHERE id = ?", arguments: [id])
                    skipped += 1
                    continue
                }
                guard TargetReference(encoded: stored) == nil, let literal = DestinationTarget(encoded: stored) else {
                    continue
                }
                let reference = TargetReference(kind: literal.kind, route: .ofDelivery, dryRun: literal.dryRun)
                try db.execute(
                    sql: "UPDATE message SET destination = ? WHERE id = ?", arguments: [reference.encoded, id])
            }
            try db.execute(
                sql: "UPDATE message SET state = ?, nextAttemptAt = ? WHERE state = ?",
                arguments: [MessageState.pending.rawValue, now.timeIntervalSince1970, MessageState.failed.rawValue])
            return Requeued(requeued: db.changesCount, skipped: skipped)
        }
        if result.requeued > 0 { messagesQueued.signal() }
        return result
    }

    private static func incidentIsOpen(of delivery: Delivery, _ db: Database) throws -> Bool {
        guard let family = IncidentSignal.family(of: delivery.event) else { return true }
        return try Bool.fetchOne(
            db, sql: "SELECT EXISTS(SELECT 1 FROM incident WHERE family = ? AND subject = ?)",
            arguments: [family.rawValue, delivery.subjectKey]) ?? false
    }
}
