import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import FivetranNotifyCore

/// The two stores behind `StateStore`: the store tests run their assertions on each.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// Where one test's state lives, for either backend: a state directory or a fresh PostgreSQL database.
/// `open()` twice on PostgreSQL makes two nodes on one database.
struct StoreLocation: Sendable {
    let backend: StoreBackend
    let directory: URL
    let database: TestDatabase?

    static func make(_ backend: StoreBackend) async throws -> StoreLocation {
        StoreLocation(
            backend: backend, directory: TestFiles.temporaryDirectory(),
            database: backend == .postgres ? try await TestPostgres.database() : nil)
    }

    /// Opens the store (a new node each time on PostgreSQL), with short leases so takeovers are quick.
    func open(nodeName: String = "node-a", claimLease: Duration = .seconds(1)) async throws -> any StateStore {
        switch backend {
        case .sqlite:
            return try DeliveryStore.open(stateDirectory: directory)
        case .postgres:
            return try await PostgresStore.open(
                url: try PostgresURL(database!.url), nodeName: nodeName, claimLease: claimLease,
                logger: TestPostgres.quiet)
        }
    }

    /// Runs SQL that reads the same on both (test set-up only).
    func execute(_ sql: String, on store: any StateStore) async throws {
        if let store = store as? DeliveryStore {
            try await store.pool.write { db in try db.execute(sql: sql) }
        } else if let store = store as? PostgresStore {
            try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.quiet)
        }
    }

    /// Records the deliveries as one group commit (as if they arrived together) on either store.
    func recordTogether(_ items: [IncomingDelivery], on store: any StateStore) async throws -> [RecordOutcome] {
        if let store = store as? DeliveryStore { return try await store.recordTogether(items) }
        return try await (store as! PostgresStore).recordTogether(items)
    }

    /// The store of the same state after a crash of `store`'s process, once another process (a
    /// restarted listener, or another node) has settled what the dead one held: for SQLite the file
    /// reopened; for PostgreSQL a second node, after the dead one's leases ran out.
    func afterCrash(of store: any StateStore) async throws -> any StateStore {
        await store.close()
        let next = try await open(nodeName: "node-b")
        try await next.releaseClaims()
        guard let node = next as? PostgresStore else { return next }
        // The dead node's claims hold until their lease ends (1 s here): poll until they are settled.
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let claimed = try await node.client.query(
                "SELECT COUNT(*) FROM message WHERE claim != 0", logger: TestPostgres.quiet
            ).collect().first?.decode(Int.self)
            if claimed == 0 { return next }
            try await Task.sleep(for: .milliseconds(100))
            try await next.releaseClaims()
        }
        throw TestPostgresError("the dead node's claims were not settled within 15 s")
    }
}

/// A delivery for the store tests: one failure, queued for one destination.
func storeIncoming(_ key: String, destination: String? = "https://hooks.example/x", receivedAt: Date = Date())
    -> IncomingDelivery
{
    IncomingDelivery(
        deduplicationKey: key, event: "sync_end", subject: "conn_\(key)", status: "FAILURE",
        body: Data(#"{"event":"sync_end","k":"\#(key)"}"#.utf8), receivedAt: receivedAt,
        destinations: destination.map { [$0] } ?? [])
}

/// A parsed `sync_end` with its incident signal, as the endpoint records it.
func storeSyncEnd(
    _ connector: String, status: String = "FAILURE", created: String = Samples.recent,
    receivedAt: Date = Date(), destination: String = "https://hooks.example/x"
) throws -> IncomingDelivery {
    let body = Samples.syncEnd(connector: connector, status: status, created: created)
    let delivery = try Delivery.parse(body)
    let signal = IncidentSignal.of(delivery, forwarded: ForwardedEvents(names: nil))
    return IncomingDelivery(
        delivery, body: body, receivedAt: receivedAt, destinations: [destination], signal: signal)
}

/// `created` as Fivetran writes it.
func storeTime(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}
