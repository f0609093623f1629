import Foundation
import PostgresNIO

/// Posts that change under two writers, and posts that incidents share, in PostgreSQL: the twin of
/// `DeliveryStore+PostChanges.swift` and `DeliveryStore+SharedPosts.swift`, in the same order.
extension PostgresStore {
    public func replacePost(
        _ post: String, incident: String, destination: String, open: Bool, at date: Date, expecting expected: String?
    ) async throws -> Bool {
        let time = date.timeIntervalSince1970
        let isOpen = open ? 1 : 0
        return try await transaction { db in
            if let expected {
                return try await !db.run(
                    """
                    UPDATE incident_post SET post = \(post), open = \(isOpen), updatedAt = \(time)
                    WHERE incident = \(incident) AND destination = \(destination) AND post = \(expected) AND open = 1
                    RETURNING incident
                    """
                ).isEmpty
            }
            return try await !db.run(
                """
                INSERT INTO incident_post (incident, destination, post, open, updatedAt)
                VALUES (\(incident), \(destination), \(post), \(isOpen), \(time))
                ON CONFLICT (incident, destination) DO UPDATE
                SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                WHERE incident_post.open = 0
                RETURNING incident
                """
            ).isEmpty
        }
    }

    public func closePost(incident: String, destination: String, at date: Date) async throws {
        let time = date.timeIntervalSince1970
        try await transaction { db in
            try await db.run(
                """
                UPDATE incident_post SET open = 0, updatedAt = \(time)
                WHERE incident = \(incident) AND destination = \(destination)
                """)
        }
    }

    public func recordShares(owner: String, post: String, incidents: [String], destination: String) async throws {
        guard !incidents.isEmpty else { return }
        try await transaction { db in
            try await db.run(
                """
                DELETE FROM post_share WHERE owner = \(owner) AND destination = \(destination)
                    AND NOT (incident = ANY(\(incidents)))
                """)
            for incident in incidents {
                try await db.run(
                    """
                    INSERT INTO post_share (incident, destination, owner, recovered)
                    SELECT incident, destination, \(owner), 0 FROM incident_post
                    WHERE incident = \(incident) AND destination = \(destination) AND post = \(post) AND open = 1
                    ON CONFLICT (incident, destination) DO UPDATE SET owner = excluded.owner, recovered = 0
                    """)
            }
        }
    }

    public func leaveSharedPost(incident: String, destination: String) async throws {
        let shares = try await read { db in
            try await !db.run(
                "SELECT 1 FROM post_share WHERE incident = \(incident) AND destination = \(destination)"
            ).isEmpty
        }
        guard shares else { return }
        try await transaction { db in
            try await db.run("DELETE FROM post_share WHERE incident = \(incident) AND destination = \(destination)")
        }
    }

    public func sharedOwners(incidents: [String], destination: String) async throws -> [String: SharedPostOwner] {
        guard !incidents.isEmpty else { return [:] }
        return try await read { db in
            var found: [String: SharedPostOwner] = [:]
            for row in try await db.run(
                """
                SELECT post_share.incident, post_share.owner, incident_post.updatedAt FROM post_share
                JOIN incident_post ON incident_post.incident = post_share.owner
                    AND incident_post.destination = post_share.destination AND incident_post.open = 1
                WHERE post_share.destination = \(destination) AND post_share.recovered = 0
                    AND post_share.incident = ANY(\(incidents))
                """)
            {
                let (incident, owner, updated) = try row.decode((String, String, Double).self)
                found[incident] = SharedPostOwner(owner: owner, updatedAt: Date(timeIntervalSince1970: updated))
            }
            return found
        }
    }

    public func sharedMembers(owner: String, destination: String) async throws -> SharedPostMembers {
        try await read { db in
            let rows = try await db.run(
                "SELECT incident, recovered FROM post_share WHERE owner = \(owner) AND destination = \(destination)"
            ).map { try $0.decode((String, Int).self) }
            return SharedPostMembers(members: rows.count, recovered: Set(rows.filter { $0.1 != 0 }.map(\.0)))
        }
    }

    public func settleSharedResolves(
        owner: String, post: String, incidents: [String], destination: String, at date: Date
    ) async throws {
        let time = date.timeIntervalSince1970
        try await transaction { db in
            for incident in incidents {
                try await db.run(
                    """
                    UPDATE post_share SET recovered = 1
                    WHERE incident = \(incident) AND destination = \(destination) AND owner = \(owner)
                    """)
                try await db.run(
                    """
                    UPDATE incident_post SET open = 0, updatedAt = \(time)
                    WHERE incident = \(incident) AND destination = \(destination)
                    """)
            }
            let waiting =
                try await db.run(
                    """
                    SELECT COUNT(*) FROM post_share
                    WHERE owner = \(owner) AND destination = \(destination) AND recovered = 0
                    """
                ).first?.decode(Int.self) ?? 0
            let open = waiting > 0 ? 1 : 0
            try await db.run(
                """
                INSERT INTO incident_post (incident, destination, post, open, updatedAt)
                VALUES (\(owner), \(destination), \(post), \(open), \(time))
                ON CONFLICT (incident, destination) DO UPDATE
                SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                """)
        }
    }

    public func replaceWithGatheredResolves(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    {
        try await transaction { db in
            let stillPending = try await db.run(
                """
                SELECT id FROM message
                WHERE state = \(MessageState.pending.rawValue) AND kind = \(NoticeKind.resolved.rawValue)
                    AND claim = \(MessageClaim.none.rawValue) AND partsSent = 0 AND id = ANY(\(messageIds))
                FOR UPDATE
                """
            ).count
            guard stillPending == messageIds.count else { return nil }
            let deliveryIds = try await db.run(
                """
                SELECT DISTINCT delivery FROM message_delivery WHERE message = ANY(\(messageIds)) ORDER BY delivery
                """
            ).map { try $0.decode(Int64.self) }
            let since = try await db.run("SELECT min(since) FROM message WHERE id = ANY(\(messageIds))").first?
                .decode(Double?.self)
            try await db.run("DELETE FROM message WHERE id = ANY(\(messageIds))")
            let sinceDate = since.map(Date.init(timeIntervalSince1970:))
            let id = try await Self.queueMessage(
                .resolved, destination: destination, deliveryIds: deliveryIds, since: sinceDate, at: date, db)
            return .justQueued(
                id: id, destination: destination, kind: .resolved, deliveryIds: deliveryIds, since: sinceDate, at: date)
        }
    }

    public func messageDeliveries(_ id: Int64) async throws -> (deliveryIds: [Int64], createdAt: Date)? {
        try await read { db in
            guard let created = try await db.run("SELECT createdAt FROM message WHERE id = \(id)").first else {
                return nil
            }
            let ids = try await db.run(
                "SELECT delivery FROM message_delivery WHERE message = \(id) ORDER BY delivery"
            ).map { try $0.decode(Int64.self) }
            return (ids, Date(timeIntervalSince1970: try created.decode(Double.self)))
        }
    }

    public func pruneShares() async throws {
        try await transaction { db in
            try await db.run(
                """
                DELETE FROM post_share WHERE NOT EXISTS (
                    SELECT 1 FROM incident_post
                    WHERE incident_post.incident = post_share.owner
                        AND incident_post.destination = post_share.destination)
                """)
        }
    }
}
