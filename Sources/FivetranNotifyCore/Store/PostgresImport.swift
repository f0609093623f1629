import Foundation
import GRDB
import PostgresNIO

/// `db import`: moves one listener's SQLite state into an empty PostgreSQL (ha.md), once: every
/// delivery (deduplication records), open incident and its order, mute, message (pending, failed and
/// delivered, with their fixed bodies and links), Slack message id and click, ids kept. In one
/// transaction: a failure leaves the database as it was. A database that already holds any delivery,
/// incident, mute or message is refused, never merged.
public enum PostgresImport {
    /// What was moved, per table.
    public struct Summary: Sendable, Equatable {
        public var deliveries = 0
        public var messages = 0
        public var incidents = 0
        public var mutes = 0
        public var posts = 0
    }

    /// Copies the SQLite file at `path` into the database behind `store` (its schema made by opening it).
    /// - Throws: `NotifyError` when the database already holds state.
    public static func run(sqlitePath: String, into store: PostgresStore) async throws -> Summary {
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: sqlitePath, configuration: configuration)
        defer { try? source.close() }
        let rows = try await source.read { db in try Tables(db) }
        let redacted = store.url.redacted
        return try await store.withDeadline(.seconds(600)) { client in
            try await client.withConnection { connection in
                try await PostgresStore.inTransaction(connection) { db in
                    let held = try await db.run(
                        """
                        SELECT EXISTS(SELECT 1 FROM delivery) OR EXISTS(SELECT 1 FROM incident)
                            OR EXISTS(SELECT 1 FROM mute) OR EXISTS(SELECT 1 FROM message)
                        """
                    ).first?.decode(Bool.self)
                    if held == true {
                        throw NotifyError(
                            "The database \(redacted) already holds listener state (deliveries, incidents, mutes or "
                                + "messages); db import only fills an empty one. Use a new database, or drop this one's "
                                + "tables if nothing in it is needed.")
                    }
                    return try await rows.copy(into: db)
                }
            }
        }
    }

    /// The SQLite file's rows, read in one snapshot.
    private struct Tables: Sendable {
        var deliveries: [[DatabaseValue]]
        var messages: [[DatabaseValue]]
        var messageDeliveries: [[DatabaseValue]]
        var messageIncidents: [[DatabaseValue]]
        var incidents: [[DatabaseValue]]
        var orders: [[DatabaseValue]]
        var mutes: [[DatabaseValue]]
        var parts: [[DatabaseValue]]
        var posts: [[DatabaseValue]]
        var clicks: [[DatabaseValue]]
        var shares: [[DatabaseValue]]

        init(_ db: Database) throws {
            func all(_ sql: String) throws -> [[DatabaseValue]] {
                try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) }
            }
            deliveries = try all(
                "SELECT id, dedupKey, event, subject, status, body, receivedAt, forwarded, muted FROM delivery")
            messages = try all(
                """
                SELECT id, destination, kind, state, attempts, nextAttemptAt, lastError, createdAt, deliveredAt,
                    legacyPayload, failures, since, partsSent, heldFor FROM message ORDER BY heldFor IS NOT NULL, id
                """)
            messageDeliveries = try all("SELECT message, delivery FROM message_delivery")
            messageIncidents = try all("SELECT message, incident FROM message_incident")
            incidents = try all(
                """
                SELECT family, subject, status, reason, firstFailureAt, lastFailureAt, failures, lastNoticeAt,
                    failuresSinceNotice, destination, lastDeliveryId FROM incident
                """)
            orders = try all("SELECT family, subject, lastCreated FROM incident_order")
            mutes = try all("SELECT id, kind, value, until, reason, createdAt FROM mute")
            parts = try all("SELECT message, part, body FROM message_part")
            posts = try all("SELECT incident, destination, post, open, updatedAt FROM incident_post")
            clicks = try all("SELECT key, body, receivedAt, done FROM click")
            shares = try all("SELECT incident, destination, owner, recovered FROM post_share")
        }

        func copy(into db: PostgresConnection) async throws -> Summary {
            for r in deliveries {
                try await db.run(
                    """
                    INSERT INTO delivery (id, dedupKey, event, subject, status, body, receivedAt, forwarded, muted)
                    VALUES (\(int(r[0])), \(text(r[1])), \(text(r[2])), \(text(r[3])), \(r[4].optionalText),
                        \(blob(r[5])), \(real(r[6])), \(int(r[7])), \(int(r[8])))
                    """)
            }
            for r in messages {
                // Claims are not carried over: whoever sends it next claims it anew.
                try await db.run(
                    """
                    INSERT INTO message (id, destination, kind, state, attempts, nextAttemptAt, lastError, createdAt,
                        deliveredAt, legacyPayload, failures, since, partsSent, heldFor)
                    VALUES (\(int(r[0])), \(text(r[1])), \(text(r[2])), \(text(r[3])), \(int(r[4])), \(real(r[5])),
                        \(r[6].optionalText), \(real(r[7])), \(r[8].optionalReal), \(r[9].optionalBlob),
                        \(r[10].optionalInt), \(r[11].optionalReal), \(int(r[12])), \(r[13].optionalInt))
                    """)
            }
            for r in messageDeliveries {
                try await db.run(
                    "INSERT INTO message_delivery (message, delivery) VALUES (\(int(r[0])), \(int(r[1])))")
            }
            for r in messageIncidents {
                try await db.run(
                    "INSERT INTO message_incident (message, incident) VALUES (\(int(r[0])), \(text(r[1])))")
            }
            for r in incidents {
                try await db.run(
                    """
                    INSERT INTO incident (family, subject, status, reason, firstFailureAt, lastFailureAt, failures,
                        lastNoticeAt, failuresSinceNotice, destination, lastDeliveryId)
                    VALUES (\(text(r[0])), \(text(r[1])), \(r[2].optionalText), \(r[3].optionalText), \(real(r[4])),
                        \(real(r[5])), \(int(r[6])), \(r[7].optionalReal), \(int(r[8])), \(r[9].optionalText),
                        \(int(r[10])))
                    """)
            }
            for r in orders {
                try await db.run(
                    """
                    INSERT INTO incident_order (family, subject, lastCreated)
                    VALUES (\(text(r[0])), \(text(r[1])), \(real(r[2])))
                    """)
            }
            for r in mutes {
                try await db.run(
                    """
                    INSERT INTO mute (id, kind, value, until, reason, createdAt)
                    VALUES (\(text(r[0])), \(text(r[1])), \(text(r[2])), \(real(r[3])), \(r[4].optionalText),
                        \(real(r[5])))
                    """)
            }
            for r in parts {
                try await db.run(
                    "INSERT INTO message_part (message, part, body) VALUES (\(int(r[0])), \(int(r[1])), \(blob(r[2])))")
            }
            for r in posts {
                try await db.run(
                    """
                    INSERT INTO incident_post (incident, destination, post, open, updatedAt)
                    VALUES (\(text(r[0])), \(text(r[1])), \(text(r[2])), \(int(r[3])), \(real(r[4])))
                    """)
            }
            for r in clicks {
                try await db.run(
                    """
                    INSERT INTO click (key, body, receivedAt, done)
                    VALUES (\(text(r[0])), \(blob(r[1])), \(real(r[2])), \(int(r[3])))
                    """)
            }
            for r in shares {
                try await db.run(
                    """
                    INSERT INTO post_share (incident, destination, owner, recovered)
                    VALUES (\(text(r[0])), \(text(r[1])), \(text(r[2])), \(int(r[3])))
                    """)
            }
            // New rows continue after the imported ids.
            for table in ["delivery", "message"] {
                try await db.run(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table)', 'id'),
                                GREATEST((SELECT COALESCE(MAX(id), 0) FROM \(table)), 1))
                            """))
            }
            return Summary(
                deliveries: deliveries.count, messages: messages.count, incidents: incidents.count, mutes: mutes.count,
                posts: posts.count)
        }

        private func int(_ value: DatabaseValue) -> Int64 { Int64.fromDatabaseValue(value) ?? 0 }
        private func real(_ value: DatabaseValue) -> Double { Double.fromDatabaseValue(value) ?? 0 }
        private func text(_ value: DatabaseValue) -> String { String.fromDatabaseValue(value) ?? "" }
        private func blob(_ value: DatabaseValue) -> Data { Data.fromDatabaseValue(value) ?? Data() }
    }
}

extension DatabaseValue {
    fileprivate var optionalText: String? { String.fromDatabaseValue(self) }
    fileprivate var optionalReal: Double? { Double.fromDatabaseValue(self) }
    fileprivate var optionalInt: Int64? { Int64.fromDatabaseValue(self) }
    fileprivate var optionalBlob: Data? { Data.fromDatabaseValue(self) }
}
