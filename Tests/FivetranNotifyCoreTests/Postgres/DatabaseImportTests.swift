import Foundation
import Testing

@testable import FivetranNotifyCore

/// `db import`: one listener's SQLite state into an empty PostgreSQL, once.
@Suite struct DatabaseImportTests {
    @Test func aSingleListenersStateMovesIntoAnEmptyDatabaseOnce() async throws {
        let directory = TestFiles.temporaryDirectory()
        let sqlite = try DeliveryStore.open(stateDirectory: directory)
        _ = try await sqlite.record(try storeSyncEnd("broken_pg"))
        _ = try await sqlite.record(try storeSyncEnd("other_pg"))
        let pending = try await sqlite.pendingMessages(destination: "https://hooks.example/x")
        #expect(try await sqlite.claim(pending[0].id))
        #expect(try await sqlite.markFailed(pending[0].id, error: "HTTP 404"))
        try await sqlite.recordPost(
            "C1/1.0", incident: "sync|id_broken_pg", destination: "https://hooks.example/x", open: true, at: Date())
        try await sqlite.addMute(
            Mute(id: "m1", target: .connector("id_quiet"), until: Date() + 3600, reason: nil, createdAt: Date()))
        await sqlite.close()

        let database = try await TestPostgres.database()
        let output = CapturedOutput()
        let context = CommandContext(environment: ["HOME": directory.path], output: output.output)
        try await DatabaseImportCommand.run(
            fromStateDirectory: directory.path, database: database.url, context: context)
        #expect(output.stdout.contains("Imported 2 deliveries, 2 messages, 2 open incidents, 1 mutes"))
        #expect(output.stdout.contains("****") && !output.stdout.contains(TestPostgres.password))

        let shared = try await PostgresStore.open(url: try PostgresURL(database.url), logger: TestPostgres.quiet)
        #expect(try await shared.counts() == QueueCounts(pending: 1, failed: 1))
        #expect(Set(try await shared.openIncidents().map(\.name)) == ["broken_pg", "other_pg"])
        #expect(try await shared.activeMutes(at: Date()).map(\.id) == ["m1"])
        #expect(
            try await shared.post(incident: "sync|id_broken_pg", destination: "https://hooks.example/x")?.post
                == "C1/1.0")
        // Deduplication records came along; new rows continue after the imported ids.
        #expect(try await shared.record(try storeSyncEnd("broken_pg")) == .duplicate)
        guard case .stored(let id, _) = try await shared.record(try storeSyncEnd("new_pg")) else {
            Issue.record("not stored")
            return
        }
        #expect(id > 2)
        await shared.close()

        // Once: a database holding state is refused, and left as it was.
        await #expect {
            try await DatabaseImportCommand.run(
                fromStateDirectory: directory.path, database: database.url, context: context)
        } throws: { error in
            ((error as? NotifyError)?.message ?? "").contains("already holds listener state")
        }
    }
}
