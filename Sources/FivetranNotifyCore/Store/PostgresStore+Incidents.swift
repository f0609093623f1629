import Foundation
import PostgresNIO

/// Noise control inside the PostgreSQL store: the twin of `DeliveryStore+Incidents.swift`, function
/// for function and in the same order, so a change to one is ported to the other line by line. The
/// decisions are `IncidentDecision`'s (shared); this applies them in the transaction that stored the
/// delivery, under the advisory lock of its connector (`PostgresStore.insert`). Rows about an
/// incident's messages are read `FOR UPDATE`, so no node claims one between the read and the decision.
extension PostgresStore {
    /// Decides and applies what one newly stored delivery tells, for every destination target of its
    /// route. Returns the id of the (last) message queued, if any.
    static func applyNoiseControl(
        _ item: IncomingDelivery, deliveryId: Int64, policy: NoticePolicy,
        audiences: [DestinationKind: NoticeAudience] = [:], _ batch: PostgresIntakeBatch
    ) async throws -> Int64? {
        let db = batch.connection
        let audience = { (target: String) in Self.audience(of: target, in: audiences) }
        guard item.delivery != nil, let signal = item.signal else {
            guard !item.destinations.isEmpty else { return nil }
            let muted = batch.isMuted(item)
            if muted { try await markMuted(deliveryId, db) }
            let decision = IncidentDecision.decide(
                incident: nil, signal: nil, muted: muted, policy: policy, now: item.receivedAt)
            return try await apply(
                decision, key: nil, targets: item.destinations, audience: audience, deliveryId: deliveryId,
                item.receivedAt, db)
        }
        // A successful sync also ends the account watch's "no successful sync" incident of its connector.
        var staleQueued: Int64?
        if signal.family == .sync, signal.kind == .resolution,
            try await batch.incident(.stale, signal.subject) != nil
        {
            var staleItem = item
            staleItem.signal = IncidentSignal(family: .stale, subject: signal.subject, kind: .resolution)
            staleQueued = try await applyNoiseControl(
                staleItem, deliveryId: deliveryId, policy: policy, audiences: audiences, batch)
        }
        let key = DeliveryStore.incidentKey(signal.family, signal.subject)
        let created = item.delivery?.effectiveCreated(receivedAt: item.receivedAt) ?? item.receivedAt
        let applied = try await batch.lastApplied(signal)
        guard !IncidentDecision.isLate(created: created, lastApplied: applied) else { return staleQueued }
        batch.recordApplied(signal, created: created)
        let existing = try await batch.incident(signal.family, signal.subject)
        let muted = batch.isMuted(item)
        switch signal.kind {
        case .failure:
            guard !item.destinations.isEmpty else { return nil }
            if muted { try await markMuted(deliveryId, db) }
            let decision = IncidentDecision.decide(
                incident: existing?.incident, signal: signal, muted: muted, policy: policy, now: item.receivedAt,
                created: created)
            if case .save(let incident) = decision.change {
                try await save(incident, destinations: item.destinations, lastDeliveryId: deliveryId, db)
                batch.savedIncident(signal.family, signal.subject)
            }
            return try await apply(
                decision, key: key, targets: item.destinations, audience: audience, deliveryId: deliveryId,
                item.receivedAt, db)
        case .resolution:
            guard let existing else { return staleQueued }
            let targets = existing.destinations.isEmpty ? item.destinations : existing.destinations
            var decisions: [(String, IncidentDecision)] = []
            for target in targets {
                let decision = IncidentDecision.decide(
                    incident: existing.incident, signal: signal, muted: muted,
                    history: try await noticeHistory(key, target: target, db), policy: policy, now: item.receivedAt,
                    created: created, audience: audience(target))
                decisions.append((target, decision))
            }
            if decisions.contains(where: { $0.1.change == .close }) {
                try await db.run(
                    "DELETE FROM incident WHERE family = \(signal.family.rawValue) AND subject = \(signal.subject)")
                batch.deletedIncident(signal.family, signal.subject)
            }
            var queued: Int64?
            for (target, var decision) in decisions {
                decision.intents.removeAll { $0 == .detach }
                queued =
                    try await apply(
                        decision, key: key, targets: [target], audience: audience, deliveryId: deliveryId,
                        item.receivedAt, db) ?? queued
            }
            let detach = IncidentDecision(intents: [.detach])
            _ = try await apply(
                detach, key: key, targets: [""], audience: audience, deliveryId: deliveryId, item.receivedAt, db)
            return queued
        }
    }

    /// Carries out a decision's intents for each target; returns the id of the last pending message it
    /// queued, if any.
    private static func apply(
        _ decision: IncidentDecision, key: String?, targets: [String], audience: (String) -> NoticeAudience,
        deliveryId: Int64, _ now: Date, _ db: PostgresConnection
    ) async throws -> Int64? {
        var queued: Int64?
        let incidents = key.map { [$0] } ?? []
        for intent in decision.intents {
            for target in targets {
                guard decision.intents(for: audience(target)).contains(intent) else { continue }
                switch intent {
                case .alert:
                    queued = try await queueMessage(
                        .alert, destination: target, deliveryIds: [deliveryId], incidents: incidents, at: now, db)
                case .remind(let failures, let since):
                    queued = try await queueMessage(
                        .reminder, destination: target, deliveryIds: [deliveryId], incidents: incidents,
                        failures: failures, since: since, at: now, db)
                case .recover(let recovery):
                    queued = try await queueMessage(
                        .resolved, destination: target, deliveryIds: [deliveryId], failures: recovery.failures,
                        since: recovery.failingSince, at: now, db)
                case .withdrawWaiting:
                    guard let key else { continue }
                    try await db.run(
                        """
                        DELETE FROM message
                        WHERE state = \(MessageState.pending.rawValue) AND claim = \(MessageClaim.none.rawValue)
                            AND kind IN (\(NoticeKind.alert.rawValue), \(NoticeKind.reminder.rawValue))
                            AND destination = \(target)
                            AND id IN (SELECT message FROM message_incident WHERE incident = \(key))
                        """)
                case .settleBeingSent(let followUp):
                    guard let key else { continue }
                    for sending in try await beingSent(key, target: target, db) {
                        try await db.run(
                            """
                            UPDATE message SET claim = \(MessageClaim.sendingAfterIncidentEnded.rawValue)
                            WHERE id = \(sending)
                            """)
                        if let followUp {
                            _ = try await queueMessage(
                                .resolved, destination: target, deliveryIds: [deliveryId],
                                failures: followUp.failures, since: followUp.failingSince, heldFor: sending, at: now,
                                db)
                        }
                    }
                case .detach:
                    guard let key else { continue }
                    try await db.run("DELETE FROM message_incident WHERE incident = \(key)")
                }
            }
        }
        return queued
    }

    /// What the incident's notices to one target so far mean for its resolution (rows locked: no node
    /// claims one of them before this transaction ends).
    private static func noticeHistory(_ key: String, target: String, _ db: PostgresConnection) async throws
        -> NoticeHistory
    {
        let rows = try await db.run(
            """
            SELECT message.kind, message.state, message.claim FROM message_incident
            JOIN message ON message.id = message_incident.message
            WHERE message_incident.incident = \(key) AND message.destination = \(target)
            FOR UPDATE OF message
            """)
        var history = NoticeHistory()
        for row in rows {
            let (kind, state, claim) = try row.decode((String, String, Int).self)
            history.add(kind: kind, state: MessageState(rawValue: state), claim: claim)
        }
        return history
    }

    /// The incident's single notices being sent right now.
    private static func beingSent(_ key: String, target: String, _ db: PostgresConnection) async throws -> [Int64] {
        try await db.run(
            """
            SELECT message.id FROM message_incident JOIN message ON message.id = message_incident.message
            WHERE message_incident.incident = \(key) AND message.destination = \(target)
                AND message.state = \(MessageState.pending.rawValue) AND message.kind != \(NoticeKind.digest.rawValue)
                AND message.claim != \(MessageClaim.none.rawValue)
            FOR UPDATE OF message
            """
        ).map { try $0.decode(Int64.self) }
    }

    private static func markMuted(_ deliveryId: Int64, _ db: PostgresConnection) async throws {
        try await db.run("UPDATE delivery SET muted = 1 WHERE id = \(deliveryId)")
    }

    /// The columns of `incident`, in the order `storedIncident` reads them.
    static let incidentColumns = """
        incident.family, incident.subject, incident.status, incident.reason, incident.firstFailureAt,
        incident.lastFailureAt, incident.failures, incident.lastNoticeAt, incident.failuresSinceNotice,
        incident.destination, incident.lastDeliveryId
        """

    static func storedIncident(_ row: PostgresRow) throws -> DeliveryStore.StoredIncident {
        let (family, subject, status, reason, first, last, failures, lastNotice, sinceNotice, destination, lastId) =
            try row.decode(
                (String, String, String?, String?, Double, Double, Int, Double?, Int, String?, Int64).self)
        return DeliveryStore.StoredIncident(
            incident: Incident(
                family: IncidentSignal.Family(rawValue: family) ?? .sync, subject: subject, status: status,
                reason: reason, firstFailureAt: Date(timeIntervalSince1970: first),
                lastFailureAt: Date(timeIntervalSince1970: last), failures: failures,
                lastNoticeAt: lastNotice.map(Date.init(timeIntervalSince1970:)), failuresSinceNotice: sinceNotice),
            destinations: destination.map { $0.split(separator: "\n").map(String.init) } ?? [],
            lastDeliveryId: lastId)
    }

    /// Saves the incident with its targets (one a line).
    private static func save(
        _ incident: Incident, destinations: [String], lastDeliveryId: Int64, _ db: PostgresConnection
    ) async throws {
        let first = incident.firstFailureAt.timeIntervalSince1970
        let last = incident.lastFailureAt.timeIntervalSince1970
        let notice = incident.lastNoticeAt?.timeIntervalSince1970
        let targets = destinations.joined(separator: "\n")
        try await db.run(
            """
            INSERT INTO incident (family, subject, status, reason, firstFailureAt, lastFailureAt,
                failures, lastNoticeAt, failuresSinceNotice, destination, lastDeliveryId)
            VALUES (\(incident.family.rawValue), \(incident.subject), \(incident.status), \(incident.reason),
                \(first), \(last), \(incident.failures), \(notice), \(incident.failuresSinceNotice), \(targets),
                \(lastDeliveryId))
            ON CONFLICT (family, subject) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                firstFailureAt = excluded.firstFailureAt, lastFailureAt = excluded.lastFailureAt,
                failures = excluded.failures, lastNoticeAt = excluded.lastNoticeAt,
                failuresSinceNotice = excluded.failuresSinceNotice, destination = excluded.destination,
                lastDeliveryId = excluded.lastDeliveryId
            """)
    }

    public func openIncidentKeys() async throws -> Set<String> {
        try await read { db in
            Set(
                try await db.run("SELECT family, subject FROM incident").map { row in
                    let (family, subject) = try row.decode((String, String).self)
                    return "\(family)|\(subject)"
                })
        }
    }

    public func openIncidents() async throws -> [OpenIncident] {
        try await read { db in
            try await db.run(
                """
                SELECT \(unescaped: Self.incidentColumns), delivery.body FROM incident
                JOIN delivery ON delivery.id = incident.lastDeliveryId
                ORDER BY firstFailureAt
                """
            ).compactMap { row in
                let stored = try Self.storedIncident(row)
                let body = try row.decode(
                    (String, String, String?, String?, Double, Double, Int, Double?, Int, String?, Int64, Data).self
                ).11
                guard let delivery = try? Delivery.parse(body) else { return nil }
                return OpenIncident(incident: stored.incident, name: delivery.displayName, lastDelivery: delivery)
            }
        }
    }

    public func hasDeliveries(from target: Mute.Target) async throws -> Bool {
        try await read { db in
            let rows: [PostgresRow]
            switch target {
            case .connector(let id), .dbtJob(let id):
                rows = try await db.run("SELECT 1 FROM delivery WHERE subject = \(id) LIMIT 1")
            case .group(let id):
                rows = try await db.run(
                    "SELECT 1 FROM delivery WHERE convert_from(body, 'UTF8') LIKE \("%\"\(id)\"%") LIMIT 1")
            case .event(let name):
                rows = try await db.run("SELECT 1 FROM delivery WHERE event = \(name) LIMIT 1")
            }
            return !rows.isEmpty
        }
    }
}

extension NoticeHistory {
    /// Counts one notice about the incident: its kind, state and claim as stored.
    mutating func add(kind: String, state: MessageState?, claim: Int) {
        let isDigest = kind == NoticeKind.digest.rawValue
        let pending = state == .pending
        if state == .delivered || (pending && isDigest) { told = true }
        if pending && !isDigest {
            self.pending = true
            if claim != MessageClaim.none.rawValue { beingSent = true }
        }
    }
}
