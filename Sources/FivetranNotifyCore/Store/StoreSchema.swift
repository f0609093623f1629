import Foundation
import GRDB

/// The state file's schema, in one place: every table and every migration since the first release.
/// A state directory written by any earlier release upgrades in place when a listener or command
/// opens it, and keeps what it held.
///
/// Tables (as of v11):
/// - `delivery`: every verified delivery, byte for byte (`dedupKey` makes redeliveries no-ops).
/// - `message`: the outbox. One row a notice for one destination (`TargetReference`: a route's
///   destination of one kind, resolved when sent), in a `MessageState`, with the
///   facts the destination renders when it sends it (`kind`, `failures`, `since`), and a `MessageClaim`
///   while it is being sent.
/// - `message_delivery`: the deliveries a message is about.
/// - `message_incident`: the incidents a message speaks for (one for an alert or reminder, many for a
///   digest), until the incident ends.
/// - `incident`: each connector's or dbt job's open incident.
/// - `incident_order`: per incident (open or closed), the newest signed `created` applied to it, so a
///   late delivery changes nothing.
/// - `mute`: the operator's silences.
/// - `message_part`: the bodies a message was decided to send, in order (a digest may have several),
///   fixed before its first send: a retry, a restart or a replay sends exactly these.
/// - `incident_post` (v9): per incident and destination, the destination's own reference to the message
///   it posted about the incident (opaque text, e.g. a channel and timestamp), so later notices update
///   it and reply under it; `open` until the incident's recovery was delivered.
/// - `click` (v10): people's clicks on a destination's buttons, by the click's own key (a click
///   delivered twice is stored once), recorded before the click is answered and `done` once acted on.
/// - `post_share` (v11): per incident and destination, the post it shares with other incidents (a
///   digest's, kept in `incident_post` under its `owner` key) and whether its recovery was told there.
enum StoreSchema {
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
            try db.execute(
                sql: """
                    CREATE TABLE mute (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL,
                        value TEXT NOT NULL,
                        until DOUBLE NOT NULL,
                        reason TEXT,
                        createdAt DOUBLE NOT NULL
                    );
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
        migrator.registerMigration("v3 time-first deduplication keys") { db in
            try moveCreatedFirst(db)
        }
        migrator.registerMigration("v4 digest incidents") { db in
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
        migrator.registerMigration("v5 messages being posted") { db in
            // sending: 0 queued; 1 being posted; 2 being posted while its incident ended. followUp: the
            // rendered "Recovered" to queue if that post succeeds. (v6 names these.)
            try db.execute(
                sql: """
                    ALTER TABLE message ADD COLUMN sending INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE message ADD COLUMN followUp BLOB;
                    """)
        }
        migrator.registerMigration("v6 neutral notices") { db in
            try neutralNotices(db)
        }
        migrator.registerMigration("v7 incident order") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incident_order (
                        family TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        lastCreated DOUBLE NOT NULL,
                        PRIMARY KEY (family, subject)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v8 frozen notices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE message_part (
                        message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                        part INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (message, part)
                    ) WITHOUT ROWID;
                    """)
            try referencedTargets(db)
        }
        migrator.registerMigration("v9 incident posts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incident_post (
                        incident TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        post TEXT NOT NULL,
                        open INTEGER NOT NULL DEFAULT 1,
                        updatedAt DOUBLE NOT NULL,
                        PRIMARY KEY (incident, destination)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v10 clicks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE click (
                        key TEXT PRIMARY KEY,
                        body BLOB NOT NULL,
                        receivedAt DOUBLE NOT NULL,
                        done INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v11 shared posts") { db in try DeliveryStore.createPostShares(db) }
        return migrator
    }

    /// v8: messages and incidents name their destination by reference (`TargetReference`), not by
    /// URL or key. Targets stored by earlier releases become "this kind, on the route the message's
    /// delivery takes now", so the running listener's configuration decides where they go.
    static func referencedTargets(_ db: Database) throws {
        func reference(_ stored: String) -> String {
            guard TargetReference(encoded: stored) == nil, let target = DestinationTarget(encoded: stored) else {
                return stored
            }
            return TargetReference(kind: target.kind, route: .ofDelivery, dryRun: target.dryRun).encoded
        }
        let message = try db.makeStatement(sql: "UPDATE message SET destination = ? WHERE destination = ?")
        for stored in try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM message") {
            try message.execute(arguments: [reference(stored), stored])
        }
        let incident = try db.makeStatement(sql: "UPDATE incident SET destination = ? WHERE destination = ?")
        for stored in try String.fetchAll(
            db, sql: "SELECT DISTINCT destination FROM incident WHERE destination IS NOT NULL")
        {
            let converted = stored.split(separator: "\n").map { reference(String($0)) }.joined(separator: "\n")
            try incident.execute(arguments: [converted, stored])
        }
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

    /// v6: the outbox holds neutral notices. A message's deliveries and incidents move into join tables
    /// (from comma-separated text, `message.incident` and `digest_incident`); notices carry their facts
    /// (`failures`, `since`) instead of Slack JSON, which rows queued by 0.1.0 keep as `legacyPayload`
    /// and post as they are; a digest is one message whose parts are sent in turn (`partsSent`); a
    /// "Recovered" waiting on another message's outcome is `held` (`heldFor`); `sending` is the named
    /// `claim`. Claims left by a crash of 0.1.0 are settled as its start-up would have.
    private static func neutralNotices(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX message_incident;
                CREATE TABLE message_delivery (
                    message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    delivery INTEGER NOT NULL,
                    PRIMARY KEY (message, delivery)
                );
                CREATE INDEX message_delivery_delivery ON message_delivery(delivery);
                CREATE TABLE message_incident (
                    message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    incident TEXT NOT NULL,
                    PRIMARY KEY (incident, message)
                );
                CREATE INDEX message_incident_message ON message_incident(message);
                DELETE FROM message WHERE state = 'pending' AND sending = 2;
                UPDATE message SET sending = 0 WHERE sending != 0;
                INSERT INTO message_incident (message, incident)
                    SELECT id, incident FROM message WHERE incident IS NOT NULL;
                INSERT OR IGNORE INTO message_incident (message, incident)
                    SELECT message, incident FROM digest_incident;
                """)
        let link = try db.makeStatement(sql: "INSERT OR IGNORE INTO message_delivery (message, delivery) VALUES (?, ?)")
        for row in try Row.fetchAll(db, sql: "SELECT id, deliveryIds FROM message") {
            let ids = (row["deliveryIds"] as String).split(separator: ",").compactMap { Int64($0) }
            for id in ids { try link.execute(arguments: [row["id"] as Int64, id]) }
        }
        try db.execute(
            sql: """
                DROP TABLE digest_incident;
                ALTER TABLE message DROP COLUMN incident;
                ALTER TABLE message DROP COLUMN deliveryIds;
                ALTER TABLE message DROP COLUMN followUp;
                ALTER TABLE message RENAME COLUMN payload TO legacyPayload;
                ALTER TABLE message RENAME COLUMN sending TO claim;
                ALTER TABLE message ADD COLUMN failures INTEGER;
                ALTER TABLE message ADD COLUMN since DOUBLE;
                ALTER TABLE message ADD COLUMN partsSent INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE message ADD COLUMN heldFor INTEGER REFERENCES message(id) ON DELETE CASCADE;
                """)
    }
}
