import Foundation
import GRDB
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    @Suite struct StoreTests {
        func incoming(_ key: String, destination: String? = "https://hooks.example/x") -> IncomingDelivery {
            IncomingDelivery(
                deduplicationKey: key, event: "sync_end", subject: "conn_\(key)", status: "FAILURE",
                body: Data(#"{"event":"sync_end","k":"\#(key)"}"#.utf8), receivedAt: Date(),
                destinations: destination.map { [$0] } ?? [])
        }

        @Test func storesOnceAndQueuesAMessage() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            let first = try await store.record(incoming("a"))
            guard case .stored(let deliveryId, let messageId) = first else {
                Issue.record("not stored: \(first)")
                return
            }
            #expect(messageId != nil)
            #expect(try await store.record(incoming("a")) == .duplicate)
            #expect(try await store.deliveryCount() == 1)
            let pending = try await store.pendingMessages(destination: "https://hooks.example/x")
            #expect(pending.map(\.deliveryIds) == [[deliveryId]])
            // Not forwarded: stored, no message.
            #expect(
                try await store.record(incoming("b", destination: nil))
                    == .stored(deliveryId: deliveryId + 1, messageId: nil))
            #expect(try await store.counts() == QueueCounts(pending: 1))
            await store.close()
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

        @Test func survivesReopening() async throws {
            let directory = TestFiles.temporaryDirectory()
            let store = try DeliveryStore.open(stateDirectory: directory)
            _ = try await store.record(incoming("a"))
            _ = try await store.record(incoming("b"))
            let first = try await store.pendingMessages(destination: "https://hooks.example/x")[0]
            try await store.markDelivered(first.id, at: Date())
            await store.close()

            let reopened = try DeliveryStore.open(stateDirectory: directory)
            #expect(try await reopened.counts() == QueueCounts(pending: 1, delivered: 1))
            #expect(try await reopened.record(incoming("a")) == .duplicate)
            await reopened.close()
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

        @Test func aPostCutShortByACrashIsPostedAgainUnlessItsIncidentEnded() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            _ = try await store.record(incoming("a"))
            _ = try await store.record(incoming("b"))
            let pending = try await store.pendingMessages(destination: "https://hooks.example/x")
            #expect(try await store.claim(pending[0].id))
            #expect(try await store.claim(pending[1].id))
            // The second one's connector recovered while it was being posted.
            try await store.pool.write { db in
                try db.execute(
                    sql: "UPDATE message SET claim = ? WHERE id = ?",
                    arguments: [MessageClaim.sendingAfterIncidentEnded.rawValue, pending[1].id])
            }
            // The listener restarts: the first is posted again, the second is withdrawn.
            try await store.releaseClaims()
            let again = try await store.pendingMessages(destination: "https://hooks.example/x")
            #expect(again.map(\.id) == [pending[0].id])
            #expect(try await store.claim(pending[0].id))
            try await store.markDelivered(pending[0].id, at: Date())
            // Neither withdrawn nor pending: never posted (claimed) again.
            #expect(try await store.claim(pending[0].id) == false)
            #expect(try await store.claim(pending[1].id) == false)
            await store.close()
        }

        @Test func digestReplacesAlertsInOneTransaction() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            for key in ["a", "b", "c"] { _ = try await store.record(incoming(key)) }
            let alerts = try await store.pendingMessages(destination: "https://hooks.example/x")
            let digest = try await store.replaceWithDigest(
                messageIds: alerts.map(\.id), destination: "https://hooks.example/x", at: Date())
            #expect(digest?.deliveryIds.count == 3)
            let pending = try await store.pendingMessages(destination: "https://hooks.example/x")
            #expect(pending.map(\.kind) == [.digest])
            // Forming it again from the same (now gone) alerts does nothing.
            let again = try await store.replaceWithDigest(
                messageIds: alerts.map(\.id), destination: "https://hooks.example/x", at: Date())
            #expect(again == nil)
            await store.close()
        }

        @Test func prunesOldDeliveredRowsButKeepsUndelivered() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            var old = incoming("old")
            old.receivedAt = Date().addingTimeInterval(-10 * 86_400)
            var oldPending = incoming("old-pending")
            oldPending.receivedAt = old.receivedAt
            _ = try await store.record(old)
            _ = try await store.record(oldPending)
            _ = try await store.record(incoming("new"))
            let messages = try await store.pendingMessages(destination: "https://hooks.example/x")
            try await store.markDelivered(messages[0].id, at: Date())
            let removed = try await store.prune(before: Date().addingTimeInterval(-7 * 86_400))
            #expect(removed == 1)
            #expect(try await store.deliveryCount() == 2)
            #expect(try await store.counts() == QueueCounts(pending: 2))
            await store.close()
        }

        @Test func pruningDeletesMutesThatEndedBeforeTheCutoff() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            let now = Date()
            for (id, end) in [("ended", now - 8 * 86_400), ("ending", now - 60), ("active", now + 3600)] {
                try await store.addMute(
                    Mute(id: id, target: .event("sync_end"), until: end, reason: nil, createdAt: now - 9 * 86_400))
            }
            #expect(try await store.activeMutes(at: now).map(\.id) == ["active"])
            try await store.prune(before: now - 7 * 86_400)
            let kept = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM mute ORDER BY id")
            }
            #expect(kept == ["active", "ending"])
            await store.close()
        }

        @Test func pruningKeepsTheLatestFailureOfAnOpenIncident() async throws {
            let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
            let body = Samples.syncEnd(connector: "long_broken_pg")
            let delivery = try Delivery.parse(body)
            let signal = try #require(IncidentSignal.of(delivery, forwarded: ForwardedEvents(names: nil)))
            let failure = IncomingDelivery(
                delivery, body: body, receivedAt: Date().addingTimeInterval(-10 * 86_400),
                destinations: ["https://hooks.example/x"], signal: signal)
            _ = try await store.record(failure)
            let alert = try #require(try await store.pendingMessages(destination: "https://hooks.example/x").first)
            try await store.markDelivered(alert.id, at: Date())
            // The alert is old and delivered, so it goes; the incident is still open, so its failure stays.
            try await store.prune(before: Date().addingTimeInterval(-7 * 86_400))
            #expect(try await store.counts() == QueueCounts())
            #expect(try await store.openIncidents().map(\.name) == ["long_broken_pg"])
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
