import Foundation
import PostgresNIO

/// Mutes in PostgreSQL (the twin of `DeliveryStore+Mutes.swift`): a `mute add` on any machine is read
/// by every node on its next delivery and before its next send.
extension PostgresStore {
    public func addMute(_ mute: Mute) async throws {
        let until = mute.until.timeIntervalSince1970
        let created = mute.createdAt.timeIntervalSince1970
        try await transaction { db in
            try await db.run(
                """
                INSERT INTO mute (id, kind, value, until, reason, createdAt)
                VALUES (\(mute.id), \(mute.target.kind), \(mute.target.value), \(until), \(mute.reason), \(created))
                """)
        }
    }

    public func activeMutes(at date: Date) async throws -> [Mute] {
        try await read { db in try await Self.activeMutes(db, at: date) }
    }

    static func activeMutes(_ db: PostgresConnection, at date: Date) async throws -> [Mute] {
        try await db.run(
            """
            SELECT id, kind, value, until, reason, createdAt FROM mute WHERE until > \(date.timeIntervalSince1970)
            ORDER BY until, id
            """
        ).compactMap { row in
            let (id, kind, value, until, reason, created) = try row.decode(
                (String, String, String, Double, String?, Double).self)
            guard let target = Mute.Target(kind: kind, value: value) else { return nil }
            return Mute(
                id: id, target: target, until: Date(timeIntervalSince1970: until), reason: reason,
                createdAt: Date(timeIntervalSince1970: created))
        }
    }

    public func removeMutes(id: String?, target: Mute.Target?, at date: Date) async throws -> [Mute] {
        try await transaction { db in
            let matching = try await Self.activeMutes(db, at: date).filter { mute in
                (id.map { mute.id == $0 } ?? true) && (target.map { mute.target == $0 } ?? true)
            }
            for mute in matching {
                try await db.run("DELETE FROM mute WHERE id = \(mute.id)")
            }
            return matching
        }
    }

    public func withdrawMuted(messageIds: [Int64], at date: Date) async throws -> [(message: Int64, mute: Mute)] {
        guard !messageIds.isEmpty else { return [] }
        guard try await !activeMutes(at: date).isEmpty else { return [] }
        let withdrawn = try await transaction { db -> [Withdrawn] in
            let mutes = try await Self.activeMutes(db, at: date)
            guard !mutes.isEmpty else { return [] }
            var withdrawn: [Withdrawn] = []
            for id in messageIds {
                let deliveries = try await db.run(
                    """
                    SELECT delivery.body FROM message_delivery JOIN delivery ON delivery.id = message_delivery.delivery
                    WHERE message_delivery.message = \(id)
                    """
                ).compactMap { try? Delivery.parse(try $0.decode(Data.self)) }
                let covering = deliveries.map { delivery in mutes.first { $0.matches(delivery) } }
                guard !covering.isEmpty, covering.allSatisfy({ $0 != nil }), let mute = covering[0] else { continue }
                let deleted = try await db.run(
                    """
                    DELETE FROM message WHERE id = \(id) AND state = \(MessageState.pending.rawValue)
                        AND claim = \(MessageClaim.none.rawValue) RETURNING id
                    """)
                if !deleted.isEmpty { withdrawn.append(Withdrawn(message: id, mute: mute)) }
            }
            return withdrawn
        }
        return withdrawn.map { ($0.message, $0.mute) }
    }

    /// A withdrawn message and the mute that covered it (a Sendable pair out of the transaction).
    private struct Withdrawn: Sendable {
        var message: Int64
        var mute: Mute
    }
}
