import Foundation
import GRDB

/// Noise control inside the store: each connector's (or dbt job's) open incident is a row, updated in
/// the same transaction that stores the delivery, so what is posted follows from what was stored even
/// across crashes and restarts.
extension DeliveryStore {
    /// The message rows about an incident are linked to this key (`message_incident`).
    static func incidentKey(_ family: IncidentSignal.Family, _ subject: String) -> String {
        IncidentKey(family, subject).text
    }

    /// Decides (`IncidentDecision`) and applies what one newly stored delivery tells, inside the
    /// transaction that stored it, for every destination target of its route. Returns the id of the
    /// (last) message queued, if any.
    static func applyNoiseControl(
        _ item: IncomingDelivery, deliveryId: Int64, policy: NoticePolicy,
        audiences: [DestinationKind: NoticeAudience] = [:], _ db: Database
    ) throws -> Int64? {
        let audience = { (target: String) in Self.audience(of: target, in: audiences) }
        guard item.delivery != nil, let signal = item.signal else {
            guard !item.destinations.isEmpty else { return nil }
            let muted = try isMuted(item, db)
            if muted { try markMuted(deliveryId, db) }
            let decision = IncidentDecision.decide(
                incident: nil, signal: nil, muted: muted, policy: policy, now: item.receivedAt)
            return try apply(
                decision, key: nil, targets: item.destinations, audience: audience, deliveryId: deliveryId,
                item.receivedAt, db)
        }
        // A successful sync also ends the account watch's "no successful sync" incident of its connector.
        var staleQueued: Int64?
        if signal.family == .sync, signal.kind == .resolution,
            try incident(.stale, signal.subject, db) != nil
        {
            var staleItem = item
            staleItem.signal = IncidentSignal(family: .stale, subject: signal.subject, kind: .resolution)
            staleQueued = try applyNoiseControl(
                staleItem, deliveryId: deliveryId, policy: policy, audiences: audiences, db)
        }
        let key = incidentKey(signal.family, signal.subject)
        let created = item.delivery?.effectiveCreated(receivedAt: item.receivedAt) ?? item.receivedAt
        // A late delivery is stored and changes nothing: the decision says which is late (order lives
        // there alone); the store keeps the newest `created` applied.
        let applied = try lastApplied(signal, db)
        guard !IncidentDecision.isLate(created: created, lastApplied: applied) else { return staleQueued }
        try recordApplied(signal, created: created, db)
        let existing = try incident(signal.family, signal.subject, db)
        let muted = try isMuted(item, db)
        switch signal.kind {
        case .failure:
            guard !item.destinations.isEmpty else { return nil }
            if muted { try markMuted(deliveryId, db) }
            let decision = IncidentDecision.decide(
                incident: existing?.incident, signal: signal, muted: muted, policy: policy, now: item.receivedAt,
                created: created)
            if case .save(let incident) = decision.change {
                try save(incident, destinations: item.destinations, lastDeliveryId: deliveryId, db)
            }
            return try apply(
                decision, key: key, targets: item.destinations, audience: audience, deliveryId: deliveryId,
                item.receivedAt, db)
        case .resolution:
            guard let existing else { return staleQueued }
            let targets = existing.destinations.isEmpty ? item.destinations : existing.destinations
            // Each target resolves by what it was told and what it takes (a destination that always
            // hears resolves is told of the recovery of an alert it accepted, and nothing of one it never took).
            var decisions: [(String, IncidentDecision)] = []
            for target in targets {
                let decision = IncidentDecision.decide(
                    incident: existing.incident, signal: signal, muted: muted,
                    history: try noticeHistory(key, target: target, db), policy: policy, now: item.receivedAt,
                    created: created, audience: audience(target))
                decisions.append((target, decision))
            }
            if decisions.contains(where: { $0.1.change == .close }) {
                try db.cachedStatement(sql: "DELETE FROM incident WHERE family = ? AND subject = ?")
                    .execute(arguments: [signal.family.rawValue, signal.subject])
            }
            // Every target settles its own notices first; the incident's links go last, once.
            var queued: Int64?
            for (target, var decision) in decisions {
                decision.intents.removeAll { $0 == .detach }
                queued =
                    try apply(
                        decision, key: key, targets: [target], audience: audience, deliveryId: deliveryId,
                        item.receivedAt, db) ?? queued
            }
            let detach = IncidentDecision(intents: [.detach])
            _ = try apply(
                detach, key: key, targets: [""], audience: audience, deliveryId: deliveryId, item.receivedAt, db)
            return queued
        }
    }

    /// Carries out a decision's intents for each target; returns the id of the last pending message it
    /// queued, if any. Each target gets the intents it takes (`IncidentDecision.intents(for:)`).
    private static func apply(
        _ decision: IncidentDecision, key: String?, targets: [String], audience: (String) -> NoticeAudience,
        deliveryId: Int64, _ now: Date, _ db: Database
    ) throws -> Int64? {
        var queued: Int64?
        let incidents = key.map { [$0] } ?? []
        for intent in decision.intents {
            for target in targets {
                guard decision.intents(for: audience(target)).contains(intent) else { continue }
                switch intent {
                case .alert:
                    queued = try queueMessage(
                        .alert, destination: target, deliveryIds: [deliveryId], incidents: incidents, at: now, db)
                case .remind(let failures, let since):
                    queued = try queueMessage(
                        .reminder, destination: target, deliveryIds: [deliveryId], incidents: incidents,
                        failures: failures, since: since, at: now, db)
                case .recover(let recovery):
                    queued = try queueMessage(
                        .resolved, destination: target, deliveryIds: [deliveryId], failures: recovery.failures,
                        since: recovery.failingSince, at: now, db)
                case .withdrawWaiting:
                    guard let key else { continue }
                    try db.cachedStatement(
                        sql: """
                            DELETE FROM message
                            WHERE state = ? AND claim = ? AND kind IN (?, ?) AND destination = ?
                                AND id IN (SELECT message FROM message_incident WHERE incident = ?)
                            """
                    ).execute(arguments: [
                        MessageState.pending.rawValue, MessageClaim.none.rawValue, NoticeKind.alert.rawValue,
                        NoticeKind.reminder.rawValue, target, key,
                    ])
                case .settleBeingSent(let followUp):
                    guard let key else { continue }
                    for sending in try beingSent(key, target: target, db) {
                        try db.cachedStatement(sql: "UPDATE message SET claim = ? WHERE id = ?")
                            .execute(arguments: [MessageClaim.sendingAfterIncidentEnded.rawValue, sending])
                        if let followUp {
                            _ = try queueMessage(
                                .resolved, destination: target, deliveryIds: [deliveryId],
                                failures: followUp.failures, since: followUp.failingSince, heldFor: sending, at: now,
                                db)
                        }
                    }
                case .detach:
                    guard let key else { continue }
                    try db.cachedStatement(sql: "DELETE FROM message_incident WHERE incident = ?")
                        .execute(arguments: [key])
                }
            }
        }
        return queued
    }

    /// What the incident's notices to one target so far mean for its resolution.
    private static func noticeHistory(_ key: String, target: String, _ db: Database) throws -> NoticeHistory {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT message.kind, message.state, message.claim FROM message_incident
                    JOIN message ON message.id = message_incident.message
                    WHERE message_incident.incident = ? AND message.destination = ?
                    """), arguments: [key, target])
        var history = NoticeHistory()
        for row in rows {
            let isDigest = row["kind"] == NoticeKind.digest.rawValue
            let state = MessageState(rawValue: row["state"])
            let pending = state == .pending
            if state == .delivered || (pending && isDigest) { history.told = true }
            if pending && !isDigest {
                history.pending = true
                if (row["claim"] as Int) != MessageClaim.none.rawValue { history.beingSent = true }
            }
        }
        return history
    }

    /// The incident's single notices being sent right now.
    private static func beingSent(_ key: String, target: String, _ db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT message.id FROM message_incident JOIN message ON message.id = message_incident.message
                    WHERE message_incident.incident = ? AND message.destination = ? AND message.state = ?
                        AND message.kind != ? AND message.claim != ?
                    """),
            arguments: [
                key, target, MessageState.pending.rawValue, NoticeKind.digest.rawValue, MessageClaim.none.rawValue,
            ])
    }

    private static func isMuted(_ item: IncomingDelivery, _ db: Database) throws -> Bool {
        guard let delivery = item.delivery else { return false }
        return try activeMutes(db, at: item.receivedAt).contains { $0.matches(delivery) }
    }

    private static func markMuted(_ deliveryId: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE delivery SET muted = 1 WHERE id = ?").execute(arguments: [deliveryId])
    }

    /// The newest `created` applied to the signal's incident (kept after it closes), if any.
    private static func lastApplied(_ signal: IncidentSignal, _ db: Database) throws -> Date? {
        try Double.fetchOne(
            db.cachedStatement(sql: "SELECT lastCreated FROM incident_order WHERE family = ? AND subject = ?"),
            arguments: [signal.family.rawValue, signal.subject]
        ).map(Date.init(timeIntervalSince1970:))
    }

    /// Records `created` as the newest applied to the signal's incident (the decision found it not late).
    private static func recordApplied(_ signal: IncidentSignal, created: Date, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO incident_order (family, subject, lastCreated) VALUES (?, ?, ?)
                ON CONFLICT (family, subject) DO UPDATE SET lastCreated = excluded.lastCreated
                """
        ).execute(arguments: [signal.family.rawValue, signal.subject, created.timeIntervalSince1970])
    }

    /// An incident as stored, with the targets its messages go to.
    struct StoredIncident {
        var incident: Incident
        var destinations: [String]
        var lastDeliveryId: Int64
    }

    private static func incident(_ family: IncidentSignal.Family, _ subject: String, _ db: Database) throws
        -> StoredIncident?
    {
        // Every success looks its connector up here: a cached statement, not a fresh prepare.
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM incident WHERE family = ? AND subject = ?"),
            arguments: [family.rawValue, subject]
        ).map(storedIncident)
    }

    private static func storedIncident(_ row: Row) -> StoredIncident {
        let lastNotice: Double? = row["lastNoticeAt"]
        return StoredIncident(
            incident: Incident(
                family: IncidentSignal.Family(rawValue: row["family"]) ?? .sync, subject: row["subject"],
                status: row["status"], reason: row["reason"],
                firstFailureAt: Date(timeIntervalSince1970: row["firstFailureAt"]),
                lastFailureAt: Date(timeIntervalSince1970: row["lastFailureAt"]), failures: row["failures"],
                lastNoticeAt: lastNotice.map(Date.init(timeIntervalSince1970:)),
                failuresSinceNotice: row["failuresSinceNotice"]),
            destinations: (row["destination"] as String?).map { $0.split(separator: "\n").map(String.init) } ?? [],
            lastDeliveryId: row["lastDeliveryId"])
    }

    /// Saves the incident with its targets (one a line: a route's targets hold no line breaks).
    private static func save(_ incident: Incident, destinations: [String], lastDeliveryId: Int64, _ db: Database)
        throws
    {
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO incident (family, subject, status, reason, firstFailureAt, lastFailureAt,
                    failures, lastNoticeAt, failuresSinceNotice, destination, lastDeliveryId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                incident.family.rawValue, incident.subject, incident.status, incident.reason,
                incident.firstFailureAt.timeIntervalSince1970, incident.lastFailureAt.timeIntervalSince1970,
                incident.failures, incident.lastNoticeAt?.timeIntervalSince1970, incident.failuresSinceNotice,
                destinations.joined(separator: "\n"), lastDeliveryId,
            ])
    }

    /// The keys (`family|subject`) of every open incident: what the account watch must not announce
    /// again after a restart.
    public func openIncidentKeys() async throws -> Set<String> {
        try await pool.read { db in
            Set(
                try Row.fetchAll(db, sql: "SELECT family, subject FROM incident").map { row in
                    "\(row["family"] as String)|\(row["subject"] as String)"
                })
        }
    }

    /// Every open incident, longest-failing first.
    public func openIncidents() async throws -> [OpenIncident] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT incident.*, delivery.body AS lastBody FROM incident
                    JOIN delivery ON delivery.id = incident.lastDeliveryId
                    ORDER BY firstFailureAt
                    """
            ).compactMap { row in
                let stored = Self.storedIncident(row)
                guard let delivery = try? Delivery.parse(row["lastBody"]) else { return nil }
                return OpenIncident(incident: stored.incident, name: delivery.displayName, lastDelivery: delivery)
            }
        }
    }

    /// Whether any stored delivery came from this connector or group (for `mute add`'s warning).
    public func hasDeliveries(from target: Mute.Target) async throws -> Bool {
        try await pool.read { db in
            switch target {
            case .connector(let id), .dbtJob(let id):
                return try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM delivery WHERE subject = ?)", arguments: [id])
                    ?? false
            case .group(let id):
                // The group is inside the body; a LIKE on the raw JSON is enough for a warning.
                return try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM delivery WHERE CAST(body AS TEXT) LIKE ?)",
                    arguments: ["%\"\(id)\"%"]) ?? false
            case .event(let name):
                return try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM delivery WHERE event = ?)", arguments: [name])
                    ?? false
            }
        }
    }
}
