import Foundation
import PostgresNIO

/// The outbox in PostgreSQL: the twin of `DeliveryStore+Outbox.swift`, in the same order. What differs
/// is the claim: a message is claimed with `FOR UPDATE SKIP LOCKED` under this process's id with a
/// lease (`claimLease`), renewed by the heartbeat while it lives; the expired claims of a dead node are
/// settled as a single listener settles its own at start (`settleExpiredClaims`).
extension PostgresStore {
    public func destinationsWithPendingMessages() async throws -> [String] {
        try await read { db in
            try await db.run(
                "SELECT DISTINCT destination FROM message WHERE state = \(MessageState.pending.rawValue)"
            ).map { try $0.decode(String.self) }
        }
    }

    public func pendingMessages(destination: String, limit: Int) async throws -> [OutgoingMessage] {
        try await read { db in
            try await Self.messages(
                db,
                """
                SELECT \(unescaped: Self.messageColumns) FROM message
                WHERE state = \(MessageState.pending.rawValue) AND destination = \(destination) ORDER BY id LIMIT \(limit)
                """)
        }
    }

    public func messages(state: MessageState, limit: Int) async throws -> [OutgoingMessage] {
        try await read { db in
            try await Self.messages(
                db,
                """
                SELECT \(unescaped: Self.messageColumns) FROM message WHERE state = \(state.rawValue) ORDER BY id
                LIMIT \(limit)
                """)
        }
    }

    static let messageColumns = """
        id, destination, kind, state, failures, since, legacyPayload, partsSent, attempts, nextAttemptAt,
        lastError, createdAt
        """

    private static func messages(_ db: PostgresConnection, _ query: PostgresQuery) async throws -> [OutgoingMessage] {
        let rows = try await db.run(query)
        var messages: [OutgoingMessage] = []
        for row in rows {
            let (id, destination, kind, state, failures, since, legacy, partsSent, attempts, next, lastError, created) =
                try row.decode(
                    (Int64, String, String, String, Int?, Double?, Data?, Int, Int, Double, String?, Double).self)
            messages.append(
                OutgoingMessage(
                    id: id, destination: destination, kind: NoticeKind(rawValue: kind) ?? .alert,
                    state: MessageState(rawValue: state) ?? .pending, deliveryIds: [], failures: failures,
                    since: since.map(Date.init(timeIntervalSince1970:)), legacyPayload: legacy, partsSent: partsSent,
                    attempts: attempts, nextAttemptAt: Date(timeIntervalSince1970: next), lastError: lastError,
                    createdAt: Date(timeIntervalSince1970: created)))
        }
        let ids = messages.map(\.id)
        guard !ids.isEmpty else { return [] }
        var deliveries: [Int64: [Int64]] = [:]
        for link in try await db.run(
            "SELECT message, delivery FROM message_delivery WHERE message = ANY(\(ids)) ORDER BY delivery")
        {
            let (message, delivery) = try link.decode((Int64, Int64).self)
            deliveries[message, default: []].append(delivery)
        }
        return messages.map { message in
            var message = message
            message.deliveryIds = deliveries[message.id] ?? []
            return message
        }
    }

    /// Claims the message for this process, with a lease: false when it is no longer pending, claimed
    /// by a live node, or locked by a transaction deciding about it right now. The claim is held (its
    /// lease renewed) until the dispatcher settles it; one it was not told of (the answer lost, or
    /// given after the deadline) is let go by the heartbeat.
    public func claim(_ id: Int64) async throws -> Bool {
        let me = nodeId
        let lease = claimLease.seconds
        heldClaims.withLock { _ = $0.insert(id) }
        var claimed = false
        defer { if !claimed { heldClaims.withLock { _ = $0.remove(id) } } }
        claimed = try await transaction { db in
            try await !db.run(
                """
                UPDATE message SET claim = \(MessageClaim.sending.rawValue), claimedBy = \(me),
                    leaseUntil = \(unescaped: Self.now) + \(lease)
                WHERE id = (SELECT id FROM message WHERE id = \(id) AND state = \(MessageState.pending.rawValue)
                    AND claim = \(MessageClaim.none.rawValue) FOR UPDATE SKIP LOCKED)
                RETURNING id
                """
            ).isEmpty
        }
        return claimed
    }

    /// Settles the claims nobody holds any more: on one database several nodes run, so only expired
    /// claims (their node stopped renewing them) are settled, never a live node's.
    public func releaseClaims() async throws {
        try await transaction { db in try await Self.settleExpiredClaims(db) }
    }

    /// Each expired claim is sent again, unless its incident ended meanwhile (then it is withdrawn, with
    /// the "Recovered" held for it); expired destination leases are dropped. Only `sending` claims are
    /// released: the clock moves between the statements, so one that expired after the first is
    /// settled by the next heartbeat, never sent again by mistake.
    static func settleExpiredClaims(_ db: PostgresConnection) async throws {
        try await db.run(
            """
            DELETE FROM message WHERE id IN (SELECT id FROM message
                WHERE state = \(MessageState.pending.rawValue) AND claim = \(MessageClaim.sendingAfterIncidentEnded.rawValue)
                AND leaseUntil < \(unescaped: now) FOR UPDATE SKIP LOCKED)
            """)
        try await db.run(
            """
            UPDATE message SET claim = \(MessageClaim.none.rawValue), claimedBy = NULL, leaseUntil = NULL
            WHERE id IN (SELECT id FROM message WHERE claim = \(MessageClaim.sending.rawValue)
                AND leaseUntil < \(unescaped: now) FOR UPDATE SKIP LOCKED)
            """)
        try await db.run("DELETE FROM destination_lease WHERE leaseUntil < \(unescaped: now)")
    }

    public func frozenParts(_ id: Int64) async throws -> [Data] {
        try await read { db in
            try await db.run("SELECT body FROM message_part WHERE message = \(id) ORDER BY part").map {
                try $0.decode(Data.self)
            }
        }
    }

    public func freeze(_ id: Int64, parts: [Data], restartingParts: Bool) async throws -> [Data] {
        try await transaction { db in
            let stored = try await db.run("SELECT body FROM message_part WHERE message = \(id) ORDER BY part").map {
                try $0.decode(Data.self)
            }
            guard stored.isEmpty else { return stored }
            if restartingParts {
                try await db.run("UPDATE message SET partsSent = 0 WHERE id = \(id)")
            }
            for (index, body) in parts.enumerated() {
                try await db.run("INSERT INTO message_part (message, part, body) VALUES (\(id), \(index), \(body))")
            }
            return parts
        }
    }

    public func markPartSent(_ id: Int64) async throws {
        try await transaction { db in
            try await db.run(
                """
                UPDATE message SET partsSent = partsSent + 1, claim = \(MessageClaim.none.rawValue), claimedBy = NULL,
                    leaseUntil = NULL
                WHERE id = \(id)
                """)
        }
        // Only once written: until then the dispatcher writes it again, still holding the claim.
        heldClaims.withLock { _ = $0.remove(id) }
    }

    public func markDelivered(_ id: Int64, at date: Date) async throws {
        let time = date.timeIntervalSince1970
        let sender = nodeName ?? nodeId
        // Still held when the write failed: the dispatcher writes it again until it holds.
        let released = try await transaction { db -> Bool in
            try await db.run(
                """
                UPDATE message SET state = \(MessageState.delivered.rawValue), claim = \(MessageClaim.none.rawValue),
                    attempts = attempts + 1, deliveredAt = \(time), claimedBy = NULL, leaseUntil = NULL,
                    sentBy = \(sender)
                WHERE id = \(id)
                """)
            try await db.run("DELETE FROM message_part WHERE message = \(id)")
            return try await !db.run(
                """
                UPDATE message SET state = \(MessageState.pending.rawValue), heldFor = NULL, nextAttemptAt = \(time)
                WHERE state = \(MessageState.held.rawValue) AND heldFor = \(id) RETURNING id
                """
            ).isEmpty
        }
        heldClaims.withLock { _ = $0.remove(id) }
        if released { messagesQueued.signal() }
    }

    @discardableResult
    public func recordFailedAttempt(_ id: Int64, error: String, nextAttemptAt: Date) async throws -> Bool {
        let next = nextAttemptAt.timeIntervalSince1970
        // Let go even when the write failed: the claim then lapses and the message is sent again.
        defer { heldClaims.withLock { _ = $0.remove(id) } }
        return try await transaction { db in
            if try await Self.withdrawIfEnded(id, db) { return false }
            try await db.run(
                """
                UPDATE message SET claim = \(MessageClaim.none.rawValue), attempts = attempts + 1,
                    lastError = \(error), nextAttemptAt = \(next), claimedBy = NULL, leaseUntil = NULL
                WHERE id = \(id)
                """)
            return true
        }
    }

    @discardableResult
    public func markFailed(_ id: Int64, error: String) async throws -> Bool {
        defer { heldClaims.withLock { _ = $0.remove(id) } }
        return try await transaction { db in
            if try await Self.withdrawIfEnded(id, db) { return false }
            try await db.run(
                """
                UPDATE message SET state = \(MessageState.failed.rawValue), claim = \(MessageClaim.none.rawValue),
                    attempts = attempts + 1, lastError = \(error), claimedBy = NULL, leaseUntil = NULL
                WHERE id = \(id)
                """)
            return true
        }
    }

    private static func withdrawIfEnded(_ id: Int64, _ db: PostgresConnection) async throws -> Bool {
        try await !db.run(
            """
            DELETE FROM message WHERE id = \(id) AND claim = \(MessageClaim.sendingAfterIncidentEnded.rawValue)
            RETURNING id
            """
        ).isEmpty
    }

    public func replaceWithDigest(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    {
        try await transaction { db in
            let stillPending = try await db.run(
                """
                SELECT id FROM message
                WHERE state = \(MessageState.pending.rawValue) AND kind = \(NoticeKind.alert.rawValue)
                    AND claim = \(MessageClaim.none.rawValue) AND id = ANY(\(messageIds))
                FOR UPDATE
                """
            ).count
            guard stillPending == messageIds.count else { return nil }
            let deliveryIds = try await db.run(
                """
                SELECT DISTINCT delivery FROM message_delivery WHERE message = ANY(\(messageIds)) ORDER BY delivery
                """
            ).map { try $0.decode(Int64.self) }
            let incidents = try await db.run(
                "SELECT DISTINCT incident FROM message_incident WHERE message = ANY(\(messageIds))"
            ).map { try $0.decode(String.self) }
            try await db.run("DELETE FROM message WHERE id = ANY(\(messageIds))")
            let id = try await Self.queueMessage(
                .digest, destination: destination, deliveryIds: deliveryIds, incidents: incidents, at: date, db)
            return .justQueued(id: id, destination: destination, kind: .digest, deliveryIds: deliveryIds, at: date)
        }
    }

    /// Inserts a message and returns its id.
    static func queueMessage(
        _ kind: NoticeKind, destination: String, deliveryIds: [Int64], incidents: [String] = [],
        failures: Int? = nil, since: Date? = nil, heldFor: Int64? = nil, at date: Date, _ db: PostgresConnection
    ) async throws -> Int64 {
        let time = date.timeIntervalSince1970
        let state = heldFor == nil ? MessageState.pending : .held
        let sinceTime = since?.timeIntervalSince1970
        let id = try await db.run(
            """
            INSERT INTO message (destination, kind, state, attempts, nextAttemptAt, createdAt, failures, since, heldFor)
            VALUES (\(destination), \(kind.rawValue), \(state.rawValue), 0, \(time), \(time), \(failures), \(sinceTime),
                \(heldFor))
            RETURNING id
            """
        ).first!.decode(Int64.self)
        if !deliveryIds.isEmpty {
            try await db.run(
                """
                INSERT INTO message_delivery (message, delivery) SELECT \(id), unnest(\(deliveryIds)::bigint[])
                ON CONFLICT DO NOTHING
                """)
        }
        if !incidents.isEmpty {
            try await db.run(
                """
                INSERT INTO message_incident (message, incident) SELECT \(id), unnest(\(incidents)::text[])
                ON CONFLICT DO NOTHING
                """)
        }
        return id
    }

    @discardableResult
    public func requeueFailed(now: Date) async throws -> Requeued {
        let audiences = self.audiences.value
        let time = now.timeIntervalSince1970
        let result = try await transaction { db in
            let rows = try await db.run(
                """
                SELECT message.id, message.destination, message.kind, delivery.body FROM message
                LEFT JOIN delivery ON delivery.id = (
                    SELECT min(delivery) FROM message_delivery WHERE message_delivery.message = message.id)
                WHERE message.state = \(MessageState.failed.rawValue)
                FOR UPDATE OF message
                """)
            var skipped = 0
            for row in rows {
                let (id, stored, kind, body) = try row.decode((Int64, String, String, Data?).self)
                let delivery = body.flatMap { try? Delivery.parse($0) }
                if Self.audience(of: stored, in: audiences).alwaysHearsResolves,
                    kind == NoticeKind.alert.rawValue, let delivery,
                    try await !Self.incidentIsOpen(of: delivery, db)
                {
                    try await db.run("DELETE FROM message WHERE id = \(id)")
                    skipped += 1
                    continue
                }
                guard TargetReference(encoded: stored) == nil, let literal = DestinationTarget(encoded: stored) else {
                    continue
                }
                let reference = TargetReference(kind: literal.kind, route: .ofDelivery, dryRun: literal.dryRun)
                try await db.run("UPDATE message SET destination = \(reference.encoded) WHERE id = \(id)")
            }
            let requeued = try await db.run(
                """
                UPDATE message SET state = \(MessageState.pending.rawValue), nextAttemptAt = \(time)
                WHERE state = \(MessageState.failed.rawValue) RETURNING id
                """
            ).count
            return Requeued(requeued: requeued, skipped: skipped)
        }
        if result.requeued > 0 { messagesQueued.signal() }
        return result
    }

    private static func incidentIsOpen(of delivery: Delivery, _ db: PostgresConnection) async throws -> Bool {
        guard let family = IncidentSignal.family(of: delivery.event) else { return true }
        return try await !db.run(
            "SELECT 1 FROM incident WHERE family = \(family.rawValue) AND subject = \(delivery.subjectKey)"
        ).isEmpty
    }
}
