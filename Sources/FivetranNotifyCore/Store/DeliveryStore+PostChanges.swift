import Foundation
import GRDB

/// Changing an incident's post when two writers may race: the dispatcher, recording what a send made
/// of the post it read before sending, and a person's click, recording what they did. Each writes
/// only over the post it read (`replacePost(…expecting:)`), and a recovery closes the post without
/// rewriting it (`closePost`), so neither undoes the other.
extension DeliveryStore {
    /// Records `post` for the incident only if the post kept is still `expected` and open (nil: none
    /// kept, or only a closed one); returns whether it did.
    public func replacePost(
        _ post: String, incident: String, destination: String, open: Bool, at date: Date, expecting expected: String?
    ) async throws -> Bool {
        try await pool.write { db in
            let time = date.timeIntervalSince1970
            if let expected {
                try db.execute(
                    sql: """
                        UPDATE incident_post SET post = ?, open = ?, updatedAt = ?
                        WHERE incident = ? AND destination = ? AND post = ? AND open = 1
                        """,
                    arguments: [post, open ? 1 : 0, time, incident, destination, expected])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO incident_post (incident, destination, post, open, updatedAt) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (incident, destination) DO UPDATE
                        SET post = excluded.post, open = excluded.open, updatedAt = excluded.updatedAt
                        WHERE incident_post.open = 0
                        """,
                    arguments: [incident, destination, post, open ? 1 : 0, time])
            }
            return db.changesCount > 0
        }
    }

    /// The incident's recovery was told: its post is closed, kept as it is (with what people did to it).
    public func closePost(incident: String, destination: String, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE incident_post SET open = 0, updatedAt = ? WHERE incident = ? AND destination = ?",
                arguments: [date.timeIntervalSince1970, incident, destination])
        }
    }
}
