import Foundation
import NIOCore
import PostgresNIO

/// The statements of a group commit (`PostgresStore.insert`, `PostgresIntakeBatch`), prepared once per
/// pooled connection and then only bound and run: the hot path of intake, where parsing and planning
/// every batch's statements again would cost the server more than running them. Each binds whole
/// columns as arrays, so one statement serves a batch of any size.
enum PostgresIntakeStatements {
    /// Stores the deliveries whose keys are new (in key order) and returns each one's key and id.
    struct InsertDeliveries: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO delivery (dedupKey, event, subject, status, body, receivedAt, forwarded)
            SELECT dedupKey, event, subject, CASE WHEN hasStatus THEN status END, body, receivedAt, forwarded
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bytea[], $7::float8[],
                $8::int8[]) AS input(dedupKey, event, subject, status, hasStatus, body, receivedAt, forwarded)
            ORDER BY dedupKey
            ON CONFLICT (dedupKey) DO NOTHING
            RETURNING dedupKey, id
            """
        typealias Row = (String, Int64)
        var items: [IncomingDelivery]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 8)
            bindings.append(items.map(\.deduplicationKey))
            bindings.append(items.map(\.event))
            bindings.append(items.map(\.subject))
            bindings.append(items.map { $0.status ?? "" })
            bindings.append(items.map { $0.status != nil })
            bindings.append(items.map { ByteBuffer(bytes: $0.body) })
            bindings.append(items.map(\.receivedAt.timeIntervalSince1970))
            bindings.append(items.map { $0.destinations.isEmpty ? 0 : 1 })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Takes the transaction-scoped advisory locks of these names, in one order (sorted by key).
    struct LockNames: PostgresPreparedStatement {
        static let sql = """
            SELECT pg_advisory_xact_lock(key)::text FROM (
                SELECT DISTINCT hashtextextended(name, 0) AS key FROM unnest($1::text[]) AS name ORDER BY key
            ) AS locks
            """
        typealias Row = String
        var names: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(names)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
    }

    /// The open incidents among these (family, subject) pairs.
    struct ReadIncidents: BoundToPairs {
        static let sql = """
            SELECT \(PostgresStore.incidentColumns) FROM incident
            JOIN unnest($1::text[], $2::text[]) AS wanted(family, subject)
                ON incident.family = wanted.family AND incident.subject = wanted.subject
            """
        typealias Row = DeliveryStore.StoredIncident
        var families: [String]
        var subjects: [String]

        func decodeRow(_ row: PostgresRow) throws -> Row { try PostgresStore.storedIncident(row) }
    }

    /// The newest `created` applied to each of these (family, subject) pairs that has one.
    struct ReadOrders: BoundToPairs {
        static let sql = """
            SELECT incident_order.family, incident_order.subject, incident_order.lastCreated FROM incident_order
            JOIN unnest($1::text[], $2::text[]) AS wanted(family, subject)
                ON incident_order.family = wanted.family AND incident_order.subject = wanted.subject
            """
        typealias Row = (String, String, Double)
        var families: [String]
        var subjects: [String]

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Records the newest `created` applied to each pair.
    struct WriteOrders: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO incident_order (family, subject, lastCreated)
            SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])
            ON CONFLICT (family, subject) DO UPDATE SET lastCreated = excluded.lastCreated
            """
        typealias Row = ()
        var families: [String]
        var subjects: [String]
        var created: [Double]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(families)
            bindings.append(subjects)
            bindings.append(created)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }
}

/// A statement bound to (family, subject) pairs, as two arrays.
protocol BoundToPairs: PostgresPreparedStatement {
    var families: [String] { get }
    var subjects: [String] { get }
}

extension BoundToPairs {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(families)
        bindings.append(subjects)
        return bindings
    }
}

extension PostgresConnection {
    /// Runs a prepared statement and reads every row it returns.
    @discardableResult
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await execute(statement, logger: PostgresStore.silent) { rows.append(row) }
        return rows
    }
}
