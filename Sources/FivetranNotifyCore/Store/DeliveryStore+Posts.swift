import Foundation
import GRDB

/// The message a destination posted about an incident, as it refers to it (opaque text: for a Slack
/// channel, its channel and timestamp), and whether the incident is still open for it.
public struct IncidentPost: Sendable, Equatable {
    /// The destination (stored target) that posted it.
    public var destination: String = ""
    public var post: String
    /// False once the incident's recovery was delivered to it.
    public var open: Bool
    public var updatedAt: Date
}

extension DeliveryStore {
    /// The post a destination keeps for an incident (an incident key, or `digest:<message id>`), if any.
    public func post(incident: String, destination: String) async throws -> IncidentPost? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT post, open, updatedAt FROM incident_post WHERE incident = ? AND destination = ?",
                arguments: [incident, destination]
            ).map {
                IncidentPost(
                    destination: destination, post: $0["post"], open: ($0["open"] as Int) != 0,
                    updatedAt: Date(timeIntervalSince1970: $0["updatedAt"]))
            }
        }
    }

    /// Records, durably, the post a destination answered with for an incident (replacing the one before:
    /// later notices update and thread under the newest). `open` is false for a recovery's post.
    public func recordPost(_ post: String, incident: String, destination: String, open: Bool, at date: Date)
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO incident_post (incident, destination, post, open, updatedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (incident, destination) DO UPDATE
                    SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                    """,
                arguments: [incident, destination, post, open ? 1 : 0, date.timeIntervalSince1970])
        }
    }

    /// Records `post` as the post of each of `incidents` that has no open one: a digest's message is
    /// where its connectors' later notices go.
    public func recordSharedPost(_ post: String, incidents: [String], destination: String, at date: Date)
        async throws
    {
        guard !incidents.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO incident_post (incident, destination, post, open, updatedAt) VALUES (?, ?, ?, 1, ?)
                    ON CONFLICT (incident, destination) DO UPDATE
                    SET post = excluded.post, open = 1, updatedAt = excluded.updatedAt
                    WHERE incident_post.open = 0
                    """)
            for incident in incidents {
                try statement.execute(arguments: [incident, destination, post, date.timeIntervalSince1970])
            }
        }
    }

    /// The posts of these incidents, for `status`: by incident key, the newest of any destination.
    public func posts(incidents: [String]) async throws -> [String: IncidentPost] {
        guard !incidents.isEmpty else { return [:] }
        return try await pool.read { db in
            var found: [String: IncidentPost] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT incident, destination, post, open, updatedAt FROM incident_post WHERE incident IN ("
                    + Array(repeating: "?", count: incidents.count).joined(separator: ",") + ") ORDER BY updatedAt",
                arguments: StatementArguments(incidents))
            for row in rows {
                found[row["incident"]] = IncidentPost(
                    destination: row["destination"], post: row["post"], open: (row["open"] as Int) != 0,
                    updatedAt: Date(timeIntervalSince1970: row["updatedAt"]))
            }
            return found
        }
    }

    /// Forgets the posts of incidents closed before `date` (the pruner's retention).
    public func prunePosts(closedBefore date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM incident_post WHERE open = 0 AND updatedAt < ?",
                arguments: [date.timeIntervalSince1970])
        }
    }
}
