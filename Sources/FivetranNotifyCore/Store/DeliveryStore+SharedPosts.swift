import Foundation
import GRDB

/// The post that incidents share (a storm's digest: one message naming every connector), as the
/// dispatcher finds it for a waiting resolve: the post's own key and when it last changed.
public struct SharedPostOwner: Sendable, Equatable {
    /// The key the shared post is kept under in `incident_post` (`digest:<message id>`).
    public var owner: String
    /// When the shared post was last recorded (posted or updated).
    public var updatedAt: Date
}

/// The incidents sharing a post, and which of them have recovered.
public struct SharedPostMembers: Sendable, Equatable {
    public var members: Int
    public var recovered: Set<String>
}

/// Incidents that share one post (`post_share`, v11): which incidents took a digest's message as
/// theirs, and which of them have recovered since, so their resolves can be told together on it.
extension DeliveryStore {
    /// v11: the table of shares.
    static func createPostShares(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE post_share (
                    incident TEXT NOT NULL,
                    destination TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    recovered INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (incident, destination)
                ) WITHOUT ROWID;
                CREATE INDEX post_share_owner ON post_share (owner, destination);
                """)
    }

    /// Records that each of `incidents` whose post is now `post` (`recordSharedPost` gave it to those
    /// with none open) shares the post kept under `owner`. Shares recorded under that key before (a
    /// pruned message whose id was used again) are forgotten first.
    public func recordShares(owner: String, post: String, incidents: [String], destination: String) async throws {
        guard !incidents.isEmpty else { return }
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM post_share WHERE owner = ? AND destination = ? AND incident NOT IN ("
                    + Array(repeating: "?", count: incidents.count).joined(separator: ",") + ")",
                arguments: StatementArguments([owner, destination] + incidents))
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO post_share (incident, destination, owner, recovered)
                    SELECT incident, destination, ?, 0 FROM incident_post
                    WHERE incident = ? AND destination = ? AND post = ? AND open = 1
                    ON CONFLICT (incident, destination) DO UPDATE SET owner = excluded.owner, recovered = 0
                    """)
            for incident in incidents { try statement.execute(arguments: [owner, incident, destination, post]) }
        }
    }

    /// The incident no longer shares a post: it has one of its own now.
    public func leaveSharedPost(incident: String, destination: String) async throws {
        // Most incidents never shared one: no write for them.
        let shares = try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM post_share WHERE incident = ? AND destination = ?)",
                arguments: [incident, destination]) ?? false
        }
        guard shares else { return }
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM post_share WHERE incident = ? AND destination = ?",
                arguments: [incident, destination])
        }
    }

    /// For each of `incidents` that shares a post still open and has not recovered yet: that post.
    public func sharedOwners(incidents: [String], destination: String) async throws -> [String: SharedPostOwner] {
        guard !incidents.isEmpty else { return [:] }
        return try await pool.read { db in
            var found: [String: SharedPostOwner] = [:]
            for chunk in stride(from: 0, to: incidents.count, by: 500) {
                let part = Array(incidents[chunk..<min(chunk + 500, incidents.count)])
                let rows = try SQLRequest<Row>(
                    literal: """
                        SELECT post_share.incident, post_share.owner, incident_post.updatedAt FROM post_share
                        JOIN incident_post ON incident_post.incident = post_share.owner
                            AND incident_post.destination = post_share.destination AND incident_post.open = 1
                        WHERE post_share.destination = \(destination) AND post_share.recovered = 0
                            AND post_share.incident IN \(part)
                        """
                ).fetchAll(db)
                for row in rows {
                    found[row["incident"]] = SharedPostOwner(
                        owner: row["owner"], updatedAt: Date(timeIntervalSince1970: row["updatedAt"]))
                }
            }
            return found
        }
    }

    /// How many incidents share the post kept under `owner`, and which have recovered.
    public func sharedMembers(owner: String, destination: String) async throws -> SharedPostMembers {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT incident, recovered FROM post_share WHERE owner = ? AND destination = ?",
                arguments: [owner, destination])
            return SharedPostMembers(
                members: rows.count,
                recovered: Set(rows.filter { ($0["recovered"] as Int) != 0 }.map { $0["incident"] as String }))
        }
    }

    /// The resolves of `incidents` were told on the shared post: they are recovered (their own posts
    /// closed), the shared post is kept as `post` (updated now, which the next update waits for), and it
    /// closes once every incident sharing it has recovered. One transaction.
    public func settleSharedResolves(
        owner: String, post: String, incidents: [String], destination: String, at date: Date
    ) async throws {
        try await pool.write { db in
            let time = date.timeIntervalSince1970
            let share = try db.cachedStatement(
                sql: "UPDATE post_share SET recovered = 1 WHERE incident = ? AND destination = ? AND owner = ?")
            let close = try db.cachedStatement(
                sql: "UPDATE incident_post SET open = 0, updatedAt = ? WHERE incident = ? AND destination = ?")
            for incident in incidents {
                try share.execute(arguments: [incident, destination, owner])
                try close.execute(arguments: [time, incident, destination])
            }
            let waiting =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM post_share WHERE owner = ? AND destination = ? AND recovered = 0",
                    arguments: [owner, destination]) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO incident_post (incident, destination, post, open, updatedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (incident, destination) DO UPDATE
                    SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                    """,
                arguments: [owner, destination, post, waiting > 0 ? 1 : 0, time])
        }
    }

    /// Replaces pending resolves of incidents sharing one post with one resolve about all their
    /// deliveries, in one transaction (the shared post hears them together). Returns it, or nil (and
    /// changes nothing) when any of them is no longer pending.
    public func replaceWithGatheredResolves(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    {
        try await pool.write { db in
            let stillPending =
                try SQLRequest<Int>(
                    literal: """
                        SELECT COUNT(*) FROM message
                        WHERE state = \(MessageState.pending.rawValue) AND kind = \(NoticeKind.resolved.rawValue)
                            AND claim = \(MessageClaim.none.rawValue) AND partsSent = 0 AND id IN \(messageIds)
                        """
                ).fetchOne(db) ?? 0
            guard stillPending == messageIds.count else { return nil }
            let deliveryIds = try SQLRequest<Int64>(
                literal:
                    "SELECT DISTINCT delivery FROM message_delivery WHERE message IN \(messageIds) ORDER BY delivery"
            ).fetchAll(db)
            let since = try SQLRequest<Double>(
                literal: "SELECT min(since) FROM message WHERE id IN \(messageIds)"
            ).fetchOne(db)
            try db.execute(literal: "DELETE FROM message WHERE id IN \(messageIds)")
            let sinceDate = since.map(Date.init(timeIntervalSince1970:))
            let id = try Self.queueMessage(
                .resolved, destination: destination, deliveryIds: deliveryIds, since: sinceDate, at: date, db)
            return .justQueued(
                id: id, destination: destination, kind: .resolved, deliveryIds: deliveryIds, since: sinceDate, at: date)
        }
    }

    /// The deliveries a message was about and when it was queued (kept after it was delivered, until
    /// the pruner removes it); nil when it is gone.
    public func messageDeliveries(_ id: Int64) async throws -> (deliveryIds: [Int64], createdAt: Date)? {
        try await pool.read { db in
            guard
                let created = try Double.fetchOne(
                    db, sql: "SELECT createdAt FROM message WHERE id = ?", arguments: [id])
            else { return nil }
            let ids = try Int64.fetchAll(
                db, sql: "SELECT delivery FROM message_delivery WHERE message = ? ORDER BY delivery", arguments: [id])
            return (ids, Date(timeIntervalSince1970: created))
        }
    }

    /// Forgets the shares of posts the pruner forgot.
    public func pruneShares() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM post_share WHERE NOT EXISTS (
                        SELECT 1 FROM incident_post
                        WHERE incident_post.incident = post_share.owner
                            AND incident_post.destination = post_share.destination)
                    """)
        }
    }
}
