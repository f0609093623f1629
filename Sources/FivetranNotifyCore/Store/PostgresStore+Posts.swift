import Foundation
import PostgresNIO

/// The posts destinations keep per incident, and clicks on their buttons, in PostgreSQL (the twin of
/// `DeliveryStore+Posts.swift` and `DeliveryStore+Clicks.swift`): any node updates or threads under
/// the message another node posted, and a click is acted on once by whichever node takes it.
extension PostgresStore {
    public func post(incident: String, destination: String) async throws -> IncidentPost? {
        try await read { db in
            try await db.run(
                """
                SELECT post, open, updatedAt FROM incident_post WHERE incident = \(incident) AND destination = \(destination)
                """
            ).first.map { row in
                let (post, open, updated) = try row.decode((String, Int, Double).self)
                return IncidentPost(
                    destination: destination, post: post, open: open != 0,
                    updatedAt: Date(timeIntervalSince1970: updated))
            }
        }
    }

    public func recordPost(_ post: String, incident: String, destination: String, open: Bool, at date: Date)
        async throws
    {
        let time = date.timeIntervalSince1970
        let isOpen = open ? 1 : 0
        try await transaction { db in
            try await db.run(
                """
                INSERT INTO incident_post (incident, destination, post, open, updatedAt)
                VALUES (\(incident), \(destination), \(post), \(isOpen), \(time))
                ON CONFLICT (incident, destination) DO UPDATE
                SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                """)
        }
    }

    public func recordSharedPost(_ post: String, incidents: [String], destination: String, at date: Date)
        async throws
    {
        guard !incidents.isEmpty else { return }
        let time = date.timeIntervalSince1970
        try await transaction { db in
            for incident in incidents {
                try await db.run(
                    """
                    INSERT INTO incident_post (incident, destination, post, open, updatedAt)
                    VALUES (\(incident), \(destination), \(post), 1, \(time))
                    ON CONFLICT (incident, destination) DO UPDATE
                    SET post = excluded.post, open = 1, updatedAt = excluded.updatedAt
                    WHERE incident_post.open = 0
                    """)
            }
        }
    }

    public func posts(incidents: [String]) async throws -> [String: IncidentPost] {
        guard !incidents.isEmpty else { return [:] }
        return try await read { db in
            var found: [String: IncidentPost] = [:]
            for row in try await db.run(
                """
                SELECT incident, destination, post, open, updatedAt FROM incident_post
                WHERE incident = ANY(\(incidents)) ORDER BY updatedAt
                """)
            {
                let (incident, destination, post, open, updated) = try row.decode(
                    (String, String, String, Int, Double).self)
                found[incident] = IncidentPost(
                    destination: destination, post: post, open: open != 0,
                    updatedAt: Date(timeIntervalSince1970: updated))
            }
            return found
        }
    }

    public func prunePosts(closedBefore date: Date) async throws {
        let time = date.timeIntervalSince1970
        try await transaction { db in
            try await db.run("DELETE FROM incident_post WHERE open = 0 AND updatedAt < \(time)")
        }
    }

    // MARK: Clicks

    public func recordClick(key: String, body: Data, at date: Date) async throws -> Bool {
        let time = date.timeIntervalSince1970
        let added = try await transaction { db in
            try await !db.run(
                """
                INSERT INTO click (key, body, receivedAt) VALUES (\(key), \(body), \(time))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """
            ).isEmpty
        }
        if added { clicksRecorded.signal() }
        return added
    }

    public func pendingClicks(limit: Int) async throws -> [StoredClick] {
        try await read { db in
            try await db.run(
                "SELECT key, body, receivedAt FROM click WHERE done = 0 ORDER BY receivedAt LIMIT \(limit)"
            ).map { row in
                let (key, body, received) = try row.decode((String, Data, Double).self)
                return StoredClick(key: key, body: body, receivedAt: Date(timeIntervalSince1970: received))
            }
        }
    }

    public func markClickDone(_ key: String) async throws {
        try await transaction { db in try await db.run("UPDATE click SET done = 1 WHERE key = \(key)") }
    }

    public func pruneClicks(before date: Date) async throws {
        let time = date.timeIntervalSince1970
        try await transaction { db in
            try await db.run("DELETE FROM click WHERE done = 1 AND receivedAt < \(time)")
        }
    }
}
