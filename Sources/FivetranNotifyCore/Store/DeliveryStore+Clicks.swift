import Foundation
import GRDB

/// A click on a destination's button, as received (the destination reads its body).
public struct StoredClick: Sendable, Equatable {
    public var key: String
    public var body: Data
    public var receivedAt: Date
}

extension DeliveryStore {
    /// Records a click durably before it is answered; false when the same click (`key`) was recorded
    /// before: a click acts once.
    public func recordClick(key: String, body: Data, at date: Date) async throws -> Bool {
        let added = try await pool.write { db -> Bool in
            try db.execute(
                sql: "INSERT OR IGNORE INTO click (key, body, receivedAt) VALUES (?, ?, ?)",
                arguments: [key, body, date.timeIntervalSince1970])
            return db.changesCount > 0
        }
        if added { clicksRecorded.signal() }
        return added
    }

    /// The clicks not yet acted on, oldest first.
    public func pendingClicks(limit: Int = 100) async throws -> [StoredClick] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key, body, receivedAt FROM click WHERE done = 0 ORDER BY receivedAt LIMIT ?",
                arguments: [limit]
            ).map {
                StoredClick(key: $0["key"], body: $0["body"], receivedAt: Date(timeIntervalSince1970: $0["receivedAt"]))
            }
        }
    }

    /// The click was acted on (or refused): never again.
    public func markClickDone(_ key: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE click SET done = 1 WHERE key = ?", arguments: [key])
        }
    }

    /// Forgets clicks acted on before `date`.
    public func pruneClicks(before date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM click WHERE done = 1 AND receivedAt < ?", arguments: [date.timeIntervalSince1970])
        }
    }
}
