import Foundation
import PostgresNIO

/// One group commit of deliveries into PostgreSQL (`PostgresStore.record`): the transaction's
/// connection, and what noise control reads about the batch's connectors, read once for the whole
/// batch after the advisory locks of their subjects are held (so no other node changes any of it
/// before the commit) and kept current by the batch's own changes:
///
/// - the incidents of the batch's signals (and the watch's "no successful sync" incident of each),
/// - the newest `created` applied to each (`incident_order`, written back once, before the commit),
/// - the mutes in force.
///
/// A success for a connector without an open incident so costs no statement of its own: what made one
/// listener on PostgreSQL a fifth as fast as on SQLite was eight round trips per delivery.
final class PostgresIntakeBatch {
    let connection: PostgresConnection
    private var incidents: [Pair: DeliveryStore.StoredIncident?] = [:]
    private var orders: [Pair: Date?] = [:]
    private var changedOrders: Set<Pair> = []
    private var mutes: [Mute] = []

    /// An incident's family and subject.
    struct Pair: Hashable {
        var family: IncidentSignal.Family
        var subject: String
    }

    /// The pairs whose incident and order noise control may read for these deliveries.
    static func pairs(of items: [IncomingDelivery]) -> [Pair] {
        var pairs: [Pair] = []
        var seen = Set<Pair>()
        for item in items {
            guard item.delivery != nil, let signal = item.signal else { continue }
            var wanted = [Pair(family: signal.family, subject: signal.subject)]
            if signal.family == .sync, signal.kind == .resolution {
                wanted.append(Pair(family: .stale, subject: signal.subject))
            }
            for pair in wanted where seen.insert(pair).inserted { pairs.append(pair) }
        }
        return pairs
    }

    /// Reads, in three statements, what noise control needs about `items` (whose subjects' advisory
    /// locks this transaction holds).
    init(_ connection: PostgresConnection, items: [IncomingDelivery]) async throws {
        self.connection = connection
        let pairs = Self.pairs(of: items)
        if !pairs.isEmpty {
            for pair in pairs {
                incidents[pair] = .some(nil)
                orders[pair] = .some(nil)
            }
            let wanted = (families: pairs.map(\.family.rawValue), subjects: pairs.map(\.subject))
            for stored in try await connection.run(
                PostgresIntakeStatements.ReadIncidents(families: wanted.families, subjects: wanted.subjects))
            {
                incidents[Pair(family: stored.incident.family, subject: stored.incident.subject)] = stored
            }
            for (family, subject, created) in try await connection.run(
                PostgresIntakeStatements.ReadOrders(families: wanted.families, subjects: wanted.subjects))
            {
                guard let family = IncidentSignal.Family(rawValue: family) else { continue }
                orders[Pair(family: family, subject: subject)] = Date(timeIntervalSince1970: created)
            }
        }
        if let earliest = items.map(\.receivedAt).min() {
            mutes = try await PostgresStore.activeMutes(connection, at: earliest)
        }
    }

    // MARK: What noise control reads and changes

    /// The open incident of `family` for `subject`, if any.
    func incident(_ family: IncidentSignal.Family, _ subject: String) async throws -> DeliveryStore.StoredIncident? {
        let pair = Pair(family: family, subject: subject)
        if let known = incidents[pair] { return known }
        let stored = try await connection.run(
            """
            SELECT \(unescaped: PostgresStore.incidentColumns) FROM incident
            WHERE family = \(family.rawValue) AND subject = \(subject)
            """
        ).first.map(PostgresStore.storedIncident)
        incidents[pair] = .some(stored)
        return stored
    }

    /// The batch saved the incident: read it back when asked again (as stored, to the last bit).
    func savedIncident(_ family: IncidentSignal.Family, _ subject: String) {
        incidents[Pair(family: family, subject: subject)] = nil
    }

    /// The batch deleted the incident.
    func deletedIncident(_ family: IncidentSignal.Family, _ subject: String) {
        incidents[Pair(family: family, subject: subject)] = .some(nil)
    }

    /// The newest `created` applied to the signal's incident (kept after it closes), if any.
    func lastApplied(_ signal: IncidentSignal) async throws -> Date? {
        let pair = Pair(family: signal.family, subject: signal.subject)
        if let known = orders[pair] { return known }
        let created = try await connection.run(
            """
            SELECT lastCreated FROM incident_order WHERE family = \(signal.family.rawValue) AND subject = \(signal.subject)
            """
        ).first.map { Date(timeIntervalSince1970: try $0.decode(Double.self)) }
        orders[pair] = .some(created)
        return created
    }

    /// Records `created` as the newest applied to the signal's incident (written by `finish`).
    func recordApplied(_ signal: IncidentSignal, created: Date) {
        let pair = Pair(family: signal.family, subject: signal.subject)
        changedOrders.insert(pair)
        orders[pair] = .some(Date(timeIntervalSince1970: created.timeIntervalSince1970))  // as it reads back
    }

    /// Whether a mute in force when the delivery arrived covers it.
    func isMuted(_ item: IncomingDelivery) -> Bool {
        guard let delivery = item.delivery else { return false }
        return mutes.contains { $0.until > item.receivedAt && $0.matches(delivery) }
    }

    /// Writes what is kept in memory (the applied orders), in one statement, before the commit.
    func finish() async throws {
        guard !changedOrders.isEmpty else { return }
        let pairs = Array(changedOrders)  // one order for the three columns
        try await connection.run(
            PostgresIntakeStatements.WriteOrders(
                families: pairs.map(\.family.rawValue), subjects: pairs.map(\.subject),
                created: pairs.map { (orders[$0] ?? nil)?.timeIntervalSince1970 ?? 0 }))
        changedOrders.removeAll()
    }
}
