import Foundation
import GRDB

/// Noise control inside the store: each connector's (or dbt job's) open incident is a row, updated in
/// the same transaction that stores the delivery, so what is posted follows from what was stored even
/// across crashes and restarts.
extension DeliveryStore {
    static func createIncidentTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE incident (
                    family TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    status TEXT,
                    reason TEXT,
                    firstFailureAt DOUBLE NOT NULL,
                    lastFailureAt DOUBLE NOT NULL,
                    failures INTEGER NOT NULL,
                    lastNoticeAt DOUBLE,
                    failuresSinceNotice INTEGER NOT NULL,
                    destination TEXT,
                    lastDeliveryId INTEGER NOT NULL,
                    PRIMARY KEY (family, subject)
                );
                ALTER TABLE message ADD COLUMN incident TEXT;
                CREATE INDEX message_incident ON message(incident);
                ALTER TABLE delivery ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
                """)
    }

    /// The message rows about an incident carry this key.
    static func incidentKey(_ family: IncidentSignal.Family, _ subject: String) -> String {
        "\(family.rawValue)|\(subject)"
    }

    /// Decides and queues what one newly stored delivery posts, inside the transaction that stored it.
    /// Returns the id of the message queued, if any.
    static func applyNoiseControl(
        _ item: IncomingDelivery, deliveryId: Int64, policy: NoticePolicy, _ db: Database
    ) throws -> Int64? {
        let now = item.receivedAt
        guard let delivery = item.delivery, let signal = item.signal else {
            guard let destination = item.destination else { return nil }
            if try isMuted(item, db) {
                try markMuted(deliveryId, db)
                return nil
            }
            return try queueMessage(.alert, destination: destination, deliveryIds: [deliveryId], at: now, db)
        }
        let key = incidentKey(signal.family, signal.subject)
        let existing = try incident(signal.family, signal.subject, db)
        switch signal.kind {
        case .failure(let status, let reason):
            guard let destination = item.destination else { return nil }
            if try isMuted(item, db) {
                try markMuted(deliveryId, db)
                let updated = policy.mutedFailure(
                    existing?.incident, signal: signal, status: status, reason: reason, at: now)
                try save(updated, destination: destination, lastDeliveryId: deliveryId, db)
                return nil
            }
            let (updated, notice) = policy.failure(
                existing?.incident, signal: signal, status: status, reason: reason, at: now)
            try save(updated, destination: destination, lastDeliveryId: deliveryId, db)
            switch notice {
            case .alert:
                return try queueMessage(
                    .alert, destination: destination, deliveryIds: [deliveryId], incident: key, at: now, db)
            case .reminder(let failures, let since):
                let message = AlertRenderer.reminder(delivery, failuresSince: failures, since: since, now: now)
                return try queueMessage(
                    .reminder, destination: destination, deliveryIds: [deliveryId], payload: message.jsonBody(),
                    incident: key, at: now, db)
            case .quiet:
                return nil
            }
        case .resolution:
            guard let existing else { return nil }
            try db.cachedStatement(sql: "DELETE FROM incident WHERE family = ? AND subject = ?")
                .execute(arguments: [signal.family.rawValue, signal.subject])
            let notices = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, kind, state, sending FROM message WHERE incident = ?1
                        UNION ALL
                        SELECT id, kind, state, sending FROM message
                        JOIN digest_incident ON digest_incident.message = message.id
                        WHERE digest_incident.incident = ?1
                        """), arguments: [key]
            ).map(Notice.init)
            // A digest naming the incident cannot be withdrawn (it names others too): once queued it
            // counts as told.
            let told = notices.contains { $0.delivered || ($0.pending && $0.isDigest) }
            let beingPosted = notices.filter { $0.pending && !$0.isDigest && $0.beingPosted }.map(\.id)
            let decision = policy.resolution(
                existing.incident, anyNoticeDelivered: told,
                anyNoticePending: notices.contains { $0.pending && !$0.isDigest })
            if decision != .nothing {
                // Never a failure alert for something already fixed.
                try db.cachedStatement(
                    sql: """
                        DELETE FROM message
                        WHERE incident = ? AND state = 'pending' AND sending = 0 AND kind IN ('alert', 'reminder')
                        """
                ).execute(arguments: [key])
            }
            // The "Recovered" the incident earns: now when Slack was told of it, else once a post under
            // way is delivered (a muted connector earns none).
            let earned =
                told || beingPosted.isEmpty
                ? decision : policy.resolution(existing.incident, anyNoticeDelivered: true, anyNoticePending: false)
            var recovered: Data?
            if case .resolved(let failingSince, let failures) = earned, !(try isMuted(item, db)) {
                recovered = AlertRenderer.resolved(delivery, failingSince: failingSince, failures: failures, now: now)
                    .jsonBody()
            }
            if !beingPosted.isEmpty {
                // A post under way cannot be taken back: it is withdrawn if it fails, and if Slack takes
                // it, the "Recovered" it then needs (unless one is queued now) goes out after it.
                let mark = try db.cachedStatement(sql: "UPDATE message SET sending = 2, followUp = ? WHERE id = ?")
                for id in beingPosted { try mark.execute(arguments: [told ? nil : recovered, id]) }
            }
            try detachMessages(fromIncident: key, db)
            guard case .resolved = decision, let recovered else { return nil }
            return try queueMessage(
                .resolved, destination: existing.destination ?? item.destination ?? "", deliveryIds: [deliveryId],
                payload: recovered, at: now, db)
        }
    }

    /// A message about an incident, as resolution sees it.
    private struct Notice {
        var id: Int64
        var isDigest: Bool
        var pending: Bool
        var delivered: Bool
        /// The dispatcher is posting it right now (see `claim`).
        var beingPosted: Bool

        init(_ row: Row) {
            id = row["id"]
            isDigest = row["kind"] == MessageKind.digest.rawValue
            pending = row["state"] == MessageState.pending.rawValue
            delivered = row["state"] == MessageState.delivered.rawValue
            beingPosted = (row["sending"] as Int) != 0
        }
    }

    /// The incident is over: its messages stay (for status and pruning) but no longer speak for the
    /// connector, so its next incident is judged by its own messages alone.
    private static func detachMessages(fromIncident key: String, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE message SET incident = NULL WHERE incident = ?").execute(arguments: [key])
        try db.cachedStatement(sql: "DELETE FROM digest_incident WHERE incident = ?").execute(arguments: [key])
    }

    /// Digests stand for many incidents, so they are tied to them in a table of their own (single
    /// messages use `message.incident`). Rows go with their message.
    static func createDigestIncidentTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE digest_incident (
                    message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    incident TEXT NOT NULL,
                    PRIMARY KEY (incident, message)
                );
                CREATE INDEX digest_incident_message ON digest_incident(message);
                """)
    }

    /// The incidents of the single alerts a digest replaces.
    static func incidents(ofMessages ids: [Int64], _ db: Database) throws -> [String] {
        try SQLRequest<String>(
            literal: "SELECT DISTINCT incident FROM message WHERE incident IS NOT NULL AND id IN \(ids)"
        ).fetchAll(db)
    }

    /// Ties a digest message to the incidents it names.
    static func link(message id: Int64, toIncidents keys: [String], _ db: Database) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO digest_incident (message, incident) VALUES (?, ?)")
        for key in keys { try insert.execute(arguments: [id, key]) }
    }

    private static func isMuted(_ item: IncomingDelivery, _ db: Database) throws -> Bool {
        guard let delivery = item.delivery else { return false }
        return try activeMutes(db, at: item.receivedAt).contains { $0.matches(delivery) }
    }

    private static func markMuted(_ deliveryId: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE delivery SET muted = 1 WHERE id = ?").execute(arguments: [deliveryId])
    }

    /// An incident as stored, with where its messages go.
    struct StoredIncident {
        var incident: Incident
        var destination: String?
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
            destination: row["destination"], lastDeliveryId: row["lastDeliveryId"])
    }

    private static func save(_ incident: Incident, destination: String?, lastDeliveryId: Int64, _ db: Database) throws {
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
                destination, lastDeliveryId,
            ])
    }

    /// A connector or dbt job failing now, for `status`.
    public struct OpenIncident: Sendable {
        public var incident: Incident
        /// The name people know it by (from its latest failure).
        public var name: String
        /// Its latest failure, to check mutes against.
        public var lastDelivery: Delivery
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
            case .connector(let id):
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
