import Foundation
import GRDB
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// What only the SQLite store has (group commit, its file, its upgrades); the behaviour both stores
    /// share is asserted once for both in `SharedStoreTests`.
    @Suite struct StoreTests {
        func incoming(_ key: String, destination: String? = "https://hooks.example/x") -> IncomingDelivery {
            IncomingDelivery(
                deduplicationKey: key, event: "sync_end", subject: "conn_\(key)", status: "FAILURE",
                body: Data(#"{"event":"sync_end","k":"\#(key)"}"#.utf8), receivedAt: Date(),
                destinations: destination.map { [$0] } ?? [])
        }

        @Test func concurrentDeliveriesAreCommittedTogether() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            let outcomes = try await withThrowingTaskGroup(of: RecordOutcome.self) { group in
                for index in 0..<300 {
                    group.addTask { try await store.record(incoming("k\(index % 250)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .duplicate }.count == 50)
            #expect(store.groupCommitCount < 300)
            #expect(try await store.deliveryCount() == 250)
            #expect(try await store.counts().pending == 250)
            await store.close()
        }

        @Test func commitsAreDurableSynchronousFull() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            let (mode, journal) = try await store.pool.write { db in
                (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
            }
            #expect(mode == 2)  // FULL
            #expect(journal == "wal")
            let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
            await store.close()
        }

        @Test func keysStoredBeforeTimeFirstOrderStillDeduplicate() async throws {
            let directory = TestFiles.temporaryDirectory()
            let queue = try DatabaseQueue(path: directory.appendingPathComponent(DeliveryStore.fileName).path)
            try StoreSchema.migrator.migrate(queue, upTo: "v2 noise control")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO delivery (dedupKey, event, subject, status, body, receivedAt, forwarded)
                        VALUES (?, 'sync_end', 'conn', 'FAILURE', x'7b7d', 0, 1), (?, 'x', 'y', NULL, x'7b7d', 0, 0)
                        """,
                    arguments: ["sync_end|conn|sync-1|2026-05-22T01:12:44.102Z", String(repeating: "ab", count: 32)])
            }
            try queue.close()

            let store = try DeliveryStore.open(stateDirectory: directory)
            let body = Data(
                #"{"event":"sync_end","connector_id":"conn","sync_id":"sync-1","created":"2026-05-22T01:12:44.102Z"}"#
                    .utf8)
            let key = Delivery.deduplicationKey(for: try Delivery.parse(body), body: body)
            #expect(key == "2026-05-22T01:12:44.102Z|sync_end|conn|sync-1")
            #expect(try await store.record(incoming(key)) == .duplicate)
            #expect(try await store.record(incoming(String(repeating: "ab", count: 32))) == .duplicate)
            #expect(try await store.deliveryCount() == 2)
            await store.close()
        }

        @Test func aDamagedStateFileIsNamedNotCalledUnwritable() throws {
            let directory = TestFiles.temporaryDirectory()
            let file = directory.appendingPathComponent(DeliveryStore.fileName)
            _ = FileManager.default.createFile(
                atPath: file.path, contents: Data(repeating: UInt8(ascii: "x"), count: 8192))
            #expect {
                _ = try DeliveryStore.open(stateDirectory: directory)
            } throws: { error in
                let message = (error as? NotifyError)?.message ?? ""
                return message.contains("\(file.path) cannot be used") && message.contains("not a database")
                    && !message.contains("not writable")
            }
        }

        @Test func refusesAStateDirectoryItCannotWrite() throws {
            let base = TestFiles.temporaryDirectory()
            // A regular file where a directory is needed: refused even for root, which ignores mode bits.
            let file = base.appendingPathComponent("not-a-directory")
            _ = FileManager.default.createFile(atPath: file.path, contents: Data())
            for directory in [file, file.appendingPathComponent("state")] {
                #expect {
                    _ = try DeliveryStore.open(stateDirectory: directory)
                } throws: { error in
                    let message = (error as? NotifyError)?.message ?? ""
                    return message.contains("not writable") && message.contains(directory.path)
                        && message.contains("--state-dir")
                }
            }
        }
    }
}

extension ListenSuites {
    @Suite struct SlackPolicyTests {
        @Test func absurdRetryAfterValuesAreReadAsADayAndNegativeOnesIgnored() {
            let day = Duration.seconds(86_400)
            #expect(
                SendOutcome(slackResponse: HTTPResponse(status: 429, headers: ["retry-after": "1e16"]))
                    == .rateLimited(retryAfter: day))
            #expect(
                SendOutcome(slackResponse: HTTPResponse(status: 429, body: Data(#"{"retry_after":"inf"}"#.utf8)))
                    == .rateLimited(retryAfter: day))
            #expect(
                SendOutcome(slackResponse: HTTPResponse(status: 429, headers: ["retry-after": "-5"]))
                    == .rateLimited(retryAfter: nil))
            #expect(
                HTTPResponse(status: 503, headers: ["retry-after": "0.0015"]).retryAfter(now: Date())
                    == .milliseconds(2))
        }

        @Test func classifiesSlackAnswers() {
            #expect(SendOutcome(slackResponse: HTTPResponse(status: 200, body: Data("ok".utf8))) == .delivered)
            #expect(
                SendOutcome(slackResponse: HTTPResponse(status: 429, headers: ["retry-after": "30"]))
                    == .rateLimited(retryAfter: .seconds(30)))
            #expect(
                SendOutcome(slackResponse: HTTPResponse(status: 429, body: Data(#"{"ok":false,"retry_after":2}"#.utf8)))
                    == .rateLimited(retryAfter: .seconds(2)))
            #expect(SendOutcome(slackResponse: HTTPResponse(status: 429)) == .rateLimited(retryAfter: nil))
            for status in [400, 403, 404, 410] {
                guard case .permanent(status, _) = SendOutcome(slackResponse: HTTPResponse(status: status)) else {
                    Issue.record("\(status) should be permanent")
                    continue
                }
            }
            for status in [500, 502, 503] {
                guard case .transient = SendOutcome(slackResponse: HTTPResponse(status: status)) else {
                    Issue.record("\(status) should be retried")
                    continue
                }
            }
        }

        @Test func backoffGrowsWithJitterAndIsCapped() {
            let backoff = Backoff(base: .seconds(1), maximum: .seconds(60))
            #expect(backoff.delay(attempt: 1, random: 0) == .milliseconds(500))
            #expect(backoff.delay(attempt: 1, random: 1) == .seconds(1))
            #expect(backoff.delay(attempt: 4, random: 1) == .seconds(8))
            #expect(backoff.delay(attempt: 40, random: 1) == .seconds(60))
            #expect(backoff.delay(attempt: 40, random: 0) == .seconds(30))
        }

        @Test func pacerAllowsABurstThenOnePerInterval() {
            var pacer = Pacer(interval: .seconds(1), burst: 3)
            let waits = (0..<5).map { _ in pacer.reserve(now: .zero) }
            #expect(waits == [.zero, .zero, .zero, .seconds(1), .seconds(2)])
            var later = Pacer(interval: .seconds(1), burst: 3)
            _ = later.reserve(now: .zero)
            #expect(later.reserve(now: .seconds(10)) == .zero)
            later.resumeAfterPause(now: .seconds(20))
            #expect(later.reserve(now: .seconds(20)) == .zero)
            #expect(later.reserve(now: .seconds(20)) == .seconds(1))
        }

        @Test func redactsSlackURLs() {
            let url = "https://hooks.slack.com/services/T0/B0/XXXXsecretWXYZ"
            #expect(SlackURL.redacted(url) == "hooks.slack.com/…WXYZ")
        }
    }
}
