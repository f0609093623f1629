import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, in one place: the same tables and columns as the SQLite store's latest
/// (`StoreSchema`, v10) so both stores' SQL stays parallel, plus what a cluster needs:
/// - `message.claimedBy` / `leaseUntil`: the process sending it and until when its claim holds
///   (another node takes an expired claim); `sentBy`: the node name that sent it, for `status`.
/// - `destination_lease`: per destination target, the process that alone sends to it for now
///   (pacing and digests hold for the whole cluster).
/// - `singleton_lease`: per singleton job (the account watch, the pruner), the process running it.
/// - `fivetran_notify_schema`: the schema version, checked and migrated at start under an advisory
///   lock, in one transaction; a newer version than this binary knows is refused.
enum PostgresSchema {
    /// The version this binary creates and understands.
    static let version = 2
    /// The advisory lock every node's migration takes (an arbitrary constant: "fnotify1").
    static let migrationLock: Int64 = 0x666e_6f74_6966_7931

    /// Each version's statements, in order; version N runs `migrations[N - 1]`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE delivery (
                id BIGSERIAL PRIMARY KEY,
                dedupKey TEXT NOT NULL UNIQUE,
                event TEXT NOT NULL,
                subject TEXT NOT NULL,
                status TEXT,
                body BYTEA NOT NULL,
                receivedAt DOUBLE PRECISION NOT NULL,
                forwarded INTEGER NOT NULL,
                muted INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX delivery_receivedAt ON delivery(receivedAt)",
            "CREATE INDEX delivery_subject ON delivery(subject)",
            """
            CREATE TABLE message (
                id BIGSERIAL PRIMARY KEY,
                destination TEXT NOT NULL,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                nextAttemptAt DOUBLE PRECISION NOT NULL,
                lastError TEXT,
                createdAt DOUBLE PRECISION NOT NULL,
                deliveredAt DOUBLE PRECISION,
                legacyPayload BYTEA,
                claim INTEGER NOT NULL DEFAULT 0,
                failures INTEGER,
                since DOUBLE PRECISION,
                partsSent INTEGER NOT NULL DEFAULT 0,
                heldFor BIGINT REFERENCES message(id) ON DELETE CASCADE,
                claimedBy TEXT,
                leaseUntil DOUBLE PRECISION,
                sentBy TEXT
            )
            """,
            "CREATE INDEX message_state ON message(state, destination, id)",
            "CREATE INDEX message_heldFor ON message(heldFor) WHERE heldFor IS NOT NULL",
            "CREATE INDEX message_claimed ON message(leaseUntil) WHERE claim != 0",
            """
            CREATE TABLE message_delivery (
                message BIGINT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                delivery BIGINT NOT NULL,
                PRIMARY KEY (message, delivery)
            )
            """,
            "CREATE INDEX message_delivery_delivery ON message_delivery(delivery)",
            """
            CREATE TABLE message_incident (
                message BIGINT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                incident TEXT NOT NULL,
                PRIMARY KEY (incident, message)
            )
            """,
            "CREATE INDEX message_incident_message ON message_incident(message)",
            """
            CREATE TABLE incident (
                family TEXT NOT NULL,
                subject TEXT NOT NULL,
                status TEXT,
                reason TEXT,
                firstFailureAt DOUBLE PRECISION NOT NULL,
                lastFailureAt DOUBLE PRECISION NOT NULL,
                failures INTEGER NOT NULL,
                lastNoticeAt DOUBLE PRECISION,
                failuresSinceNotice INTEGER NOT NULL,
                destination TEXT,
                lastDeliveryId BIGINT NOT NULL,
                PRIMARY KEY (family, subject)
            )
            """,
            """
            CREATE TABLE incident_order (
                family TEXT NOT NULL,
                subject TEXT NOT NULL,
                lastCreated DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (family, subject)
            )
            """,
            """
            CREATE TABLE mute (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                value TEXT NOT NULL,
                until DOUBLE PRECISION NOT NULL,
                reason TEXT,
                createdAt DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE message_part (
                message BIGINT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                part INTEGER NOT NULL,
                body BYTEA NOT NULL,
                PRIMARY KEY (message, part)
            )
            """,
            """
            CREATE TABLE incident_post (
                incident TEXT NOT NULL,
                destination TEXT NOT NULL,
                post TEXT NOT NULL,
                open INTEGER NOT NULL DEFAULT 1,
                updatedAt DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (incident, destination)
            )
            """,
            """
            CREATE TABLE click (
                key TEXT PRIMARY KEY,
                body BYTEA NOT NULL,
                receivedAt DOUBLE PRECISION NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE destination_lease (
                destination TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                leaseUntil DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE singleton_lease (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                nodeName TEXT,
                leaseUntil DOUBLE PRECISION NOT NULL
            )
            """,
        ],
        // 2: shared posts (SQLite v11).
        [
            """
            CREATE TABLE post_share (
                incident TEXT NOT NULL,
                destination TEXT NOT NULL,
                owner TEXT NOT NULL,
                recovered INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (incident, destination)
            )
            """,
            "CREATE INDEX post_share_owner ON post_share (owner, destination)",
        ],
    ]

    /// Creates or migrates the schema in one transaction under the migration lock, so nodes starting
    /// together never race. Returns the version found before (0: the database was empty).
    /// - Throws: `NotifyError` when the database holds a newer schema than this binary knows.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, redactedURL: String) async throws -> Int {
        let server = try await connection.run("SHOW server_version_num").first?.decode(String.self) ?? "0"
        guard (Int(server) ?? 0) >= 130_000 else {
            throw NotifyError(
                "The database \(redactedURL) runs PostgreSQL \(Int(server).map { "\($0 / 10_000)" } ?? server); "
                    + "fivetran-notify needs PostgreSQL 13 or newer.")
        }
        return try await PostgresStore.inTransaction(connection) { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS fivetran_notify_schema (version INTEGER NOT NULL)")
            let found =
                try await connection.run("SELECT version FROM fivetran_notify_schema").first?.decode(Int.self) ?? 0
            guard found <= version else {
                throw NotifyError(
                    "The database \(redactedURL) holds fivetran-notify state of a newer version (schema \(found); this "
                        + "binary knows \(version) and never downgrades). Upgrade fivetran-notify on this machine.")
            }
            guard found < version else { return found }
            for step in migrations[found..<version] {
                for statement in step { try await connection.run(PostgresQuery(unsafeSQL: statement)) }
            }
            try await connection.run("DELETE FROM fivetran_notify_schema")
            try await connection.run("INSERT INTO fivetran_notify_schema (version) VALUES (\(version))")
            return found
        }
    }
}
