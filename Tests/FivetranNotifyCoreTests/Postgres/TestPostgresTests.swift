import Foundation
import PostgresNIO
import Testing

/// The test PostgreSQL server itself: started once, a fresh database per test, reachable with the
/// password its URL carries.
@Suite struct TestPostgresTests {
    @Test func eachTestGetsAFreshDatabaseOnTheSharedServer() async throws {
        let first = try await TestPostgres.database()
        let second = try await TestPostgres.database()
        #expect(first.name != second.name)
        #expect(first.url.hasPrefix("postgres://\(TestPostgres.user):"))
        let server = try await TestPostgres.shared()
        let names = try await server.superuser { connection in
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 't%' ORDER BY datname", logger: TestPostgres.quiet)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
        #expect(names.contains(first.name) && names.contains(second.name))
    }
}
