import Foundation
import GRDB

/// Mutes live in the same SQLite file as the queue, so `mute add` in one process is seen by a running
/// listener on its next delivery, with SQLite's locking keeping concurrent writers safe.
extension DeliveryStore {
    /// Stores a mute.
    public func addMute(_ mute: Mute) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO mute (id, kind, value, until, reason, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    mute.id, mute.target.kind, mute.target.value, mute.until.timeIntervalSince1970, mute.reason,
                    mute.createdAt.timeIntervalSince1970,
                ])
        }
    }

    /// Mutes still in force at `date`, soonest to end first. (Expired ones are deleted by `prune`.)
    public func activeMutes(at date: Date) async throws -> [Mute] {
        try await pool.read { db in try Self.activeMutes(db, at: date) }
    }

    static func activeMutes(_ db: Database, at date: Date) throws -> [Mute] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM mute WHERE until > ? ORDER BY until, id"),
            arguments: [date.timeIntervalSince1970]
        ).compactMap { row in
            guard let target = Mute.Target(kind: row["kind"], value: row["value"]) else { return nil }
            return Mute(
                id: row["id"], target: target, until: Date(timeIntervalSince1970: row["until"]), reason: row["reason"],
                createdAt: Date(timeIntervalSince1970: row["createdAt"]))
        }
    }

    /// Ends mutes early: the one with this id, or every mute of a target. Returns those removed.
    public func removeMutes(id: String? = nil, target: Mute.Target? = nil, at date: Date) async throws -> [Mute] {
        try await pool.write { db in
            let matching = try Self.activeMutes(db, at: date).filter { mute in
                (id.map { mute.id == $0 } ?? true) && (target.map { mute.target == $0 } ?? true)
            }
            for mute in matching {
                try db.execute(sql: "DELETE FROM mute WHERE id = ?", arguments: [mute.id])
            }
            return matching
        }
    }
}

extension DeliveryStore {
    /// Mutes reach the queue: of these waiting messages, withdraws each whose every delivery a mute in
    /// force at `date` covers (a mute added after they were queued, while they waited for pacing, a
    /// retry or a digest). Returns the withdrawn messages' ids with the mute that covered them.
    public func withdrawMuted(messageIds: [Int64], at date: Date) async throws -> [(message: Int64, mute: Mute)] {
        guard !messageIds.isEmpty else { return [] }
        // Most of the time nothing is muted: a read says so without taking the writer.
        guard try await pool.read({ db in try !Self.activeMutes(db, at: date).isEmpty }) else { return [] }
        return try await pool.write { db in
            let mutes = try Self.activeMutes(db, at: date)
            guard !mutes.isEmpty else { return [] }
            var withdrawn: [(message: Int64, mute: Mute)] = []
            let bodies = try db.cachedStatement(
                sql: """
                    SELECT delivery.body FROM message_delivery JOIN delivery ON delivery.id = message_delivery.delivery
                    WHERE message_delivery.message = ?
                    """)
            for id in messageIds {
                let deliveries = try Data.fetchAll(bodies, arguments: [id]).compactMap { try? Delivery.parse($0) }
                let covering = deliveries.map { delivery in mutes.first { $0.matches(delivery) } }
                guard !covering.isEmpty, covering.allSatisfy({ $0 != nil }), let mute = covering[0] else { continue }
                try db.execute(
                    sql: "DELETE FROM message WHERE id = ? AND state = ? AND claim = ?",
                    arguments: [id, MessageState.pending.rawValue, MessageClaim.none.rawValue])
                if db.changesCount > 0 { withdrawn.append((id, mute)) }
            }
            return withdrawn
        }
    }
}
