import Foundation
import Testing

@testable import FivetranNotifyCore

/// The store's behaviour, asserted once and run on both stores (SQLite and PostgreSQL): what the rest
/// of the listener relies on must not depend on where the state is kept.
@Suite struct SharedStoreTests {
    static let target = "https://hooks.example/x"

    @Test(arguments: StoreBackend.allCases) func storesOnceAndQueuesAMessage(_ backend: StoreBackend) async throws {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let first = try await store.record(storeIncoming("a"))
        guard case .stored(let deliveryId, let messageId) = first else {
            Issue.record("not stored: \(first)")
            return
        }
        #expect(messageId != nil)
        #expect(try await store.record(storeIncoming("a")) == .duplicate)
        #expect(try await store.deliveryCount() == 1)
        let pending = try await store.pendingMessages(destination: Self.target)
        #expect(pending.map(\.deliveryIds) == [[deliveryId]])
        // Not forwarded: stored, no message.
        guard case .stored(_, nil) = try await store.record(storeIncoming("b", destination: nil)) else {
            Issue.record("a delivery without destination queued a message")
            return
        }
        #expect(try await store.counts() == QueueCounts(pending: 1))
        #expect(try await store.countsByKind().values.map(\.pending).reduce(0, +) == 1)
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func countsMessagesByStoredDestination(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let finance = "route:teams:finance"
        #expect(try await store.countsByDestination().isEmpty)
        _ = try await store.record(storeIncoming("a"))
        _ = try await store.record(storeIncoming("b"))
        _ = try await store.record(storeIncoming("c", destination: finance))
        let refused = try #require(try await store.pendingMessages(destination: Self.target).first)
        #expect(try await store.claim(refused.id))
        #expect(try await store.markFailed(refused.id, error: "HTTP 404"))
        let delivered = try #require(try await store.pendingMessages(destination: finance).first)
        try await store.markDelivered(delivered.id, at: Date())
        #expect(
            try await store.countsByDestination() == [
                Self.target: QueueCounts(pending: 1, failed: 1), finance: QueueCounts(delivered: 1),
            ])
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func concurrentRedeliveriesAreStoredOnce(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let outcomes = try await withThrowingTaskGroup(of: RecordOutcome.self) { group in
            for index in 0..<60 {
                group.addTask { try await store.record(storeIncoming("k\(index % 40)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .duplicate }.count == 20)
        #expect(try await store.deliveryCount() == 40)
        #expect(try await store.counts().pending == 40)
        await store.close()
    }

    /// Deliveries stored in one group commit are decided in arrival order, each seeing what the ones
    /// before it changed: the same outcomes, incidents and messages as one at a time.
    @Test(arguments: StoreBackend.allCases) func deliveriesArrivingTogetherAreDecidedAsOneAtATime(
        _ backend: StoreBackend
    ) async throws {
        let at = { (seconds: Double) in storeTime(Date().addingTimeInterval(seconds - 60)) }
        let first = try storeSyncEnd("flaky", created: at(0))
        let items = [
            first,
            try storeSyncEnd("flaky", created: at(1)),  // a repeat: quiet
            first,  // the same delivery again: a duplicate
            try storeSyncEnd("steady", created: at(2)),
            try storeSyncEnd("flaky", status: "SUCCESSFUL", created: at(3)),  // recovers
            try storeSyncEnd("flaky", created: at(2)),  // late: older than the recovery
            try storeSyncEnd("quiet", created: at(4)),  // muted
            try storeSyncEnd("steady", created: at(5)),
        ]
        var results: [[String]] = []
        for together in [false, true] {
            let location = try await StoreLocation.make(backend)
            let store = try await location.open()
            store.setPolicy(NoticePolicy(notifyResolved: true))
            try await store.addMute(
                Mute(id: "m1", target: .connector("id_quiet"), until: Date() + 3600, reason: nil, createdAt: Date()))
            var outcomes: [RecordOutcome] = []
            if together {
                outcomes = try await location.recordTogether(items, on: store)
            } else {
                for item in items { outcomes.append(try await store.record(item)) }
            }
            let shapes = outcomes.map { outcome -> String in
                guard case .stored(_, let message) = outcome else { return "duplicate" }
                return message == nil ? "stored" : "queued"
            }
            let incidents = try await store.openIncidentKeys().sorted()
            let messages = try await store.pendingMessages(destination: Self.target).map(\.kind.rawValue)
            results.append(shapes + ["|"] + incidents + ["|"] + messages)
            #expect(try await store.deliveryCount() == 7)
            await store.close()
        }
        #expect(results[0] == results[1])
        #expect(results[0].starts(with: ["queued", "stored", "duplicate", "queued"]))
        #expect(results[1].contains("sync|id_steady") && !results[1].contains("sync|id_flaky"))
    }

    @Test(arguments: StoreBackend.allCases) func survivesReopening(_ backend: StoreBackend) async throws {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        _ = try await store.record(storeIncoming("a"))
        _ = try await store.record(storeIncoming("b"))
        let first = try await store.pendingMessages(destination: Self.target)[0]
        try await store.markDelivered(first.id, at: Date())
        await store.close()

        let reopened = try await location.open()
        #expect(try await reopened.counts() == QueueCounts(pending: 1, delivered: 1))
        #expect(try await reopened.record(storeIncoming("a")) == .duplicate)
        await reopened.close()
    }

    @Test(arguments: StoreBackend.allCases) func aPostCutShortByACrashIsPostedAgainUnlessItsIncidentEnded(
        _ backend: StoreBackend
    ) async throws {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        _ = try await store.record(storeIncoming("a"))
        _ = try await store.record(storeIncoming("b"))
        let pending = try await store.pendingMessages(destination: Self.target)
        #expect(try await store.claim(pending[0].id))
        #expect(try await store.claim(pending[1].id))
        // Claimed: not claimed again while its sender lives.
        #expect(try await store.claim(pending[0].id) == false)
        // The second one's connector recovered while it was being posted.
        try await location.execute(
            "UPDATE message SET claim = \(MessageClaim.sendingAfterIncidentEnded.rawValue) WHERE id = \(pending[1].id)",
            on: store)
        // The sender dies: the first is posted again, the second is withdrawn.
        let next = try await location.afterCrash(of: store)
        let again = try await next.pendingMessages(destination: Self.target)
        #expect(again.map(\.id) == [pending[0].id])
        #expect(try await next.claim(pending[0].id))
        try await next.markDelivered(pending[0].id, at: Date())
        #expect(try await next.claim(pending[0].id) == false)
        #expect(try await next.claim(pending[1].id) == false)
        await next.close()
    }

    @Test(arguments: StoreBackend.allCases) func digestReplacesAlertsInOneTransaction(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        for key in ["a", "b", "c"] { _ = try await store.record(storeIncoming(key)) }
        let alerts = try await store.pendingMessages(destination: Self.target)
        let digest = try await store.replaceWithDigest(
            messageIds: alerts.map(\.id), destination: Self.target, at: Date())
        #expect(digest?.deliveryIds.count == 3)
        let pending = try await store.pendingMessages(destination: Self.target)
        #expect(pending.map(\.kind) == [.digest])
        #expect(pending.first?.deliveryIds == digest?.deliveryIds)
        let again = try await store.replaceWithDigest(
            messageIds: alerts.map(\.id), destination: Self.target, at: Date())
        #expect(again == nil)
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func prunesOldDeliveredRowsButKeepsUndelivered(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let tenDaysAgo = Date().addingTimeInterval(-10 * 86_400)
        _ = try await store.record(storeIncoming("old", receivedAt: tenDaysAgo))
        _ = try await store.record(storeIncoming("old-pending", receivedAt: tenDaysAgo))
        _ = try await store.record(storeIncoming("new"))
        let messages = try await store.pendingMessages(destination: Self.target)
        try await store.markDelivered(messages[0].id, at: Date())
        let removed = try await store.prune(before: Date().addingTimeInterval(-7 * 86_400))
        #expect(removed == 1)
        #expect(try await store.deliveryCount() == 2)
        #expect(try await store.counts() == QueueCounts(pending: 2))
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func pruningDeletesMutesThatEndedBeforeTheCutoff(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let now = Date()
        for (id, end) in [("ended", now - 8 * 86_400), ("ending", now - 60), ("active", now + 3600)] {
            try await store.addMute(
                Mute(id: id, target: .event("sync_end"), until: end, reason: nil, createdAt: now - 9 * 86_400))
        }
        #expect(try await store.activeMutes(at: now).map(\.id) == ["active"])
        try await store.prune(before: now - 7 * 86_400)
        // Seen from before "ended" ended: it is gone, the others are kept.
        #expect(try await store.activeMutes(at: now - 8.5 * 86_400).map(\.id) == ["ending", "active"])
        #expect(try await store.removeMutes(id: "active", target: nil, at: now).map(\.id) == ["active"])
        #expect(try await store.activeMutes(at: now).isEmpty)
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func pruningKeepsTheLatestFailureOfAnOpenIncident(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        _ = try await store.record(
            try storeSyncEnd("long_broken_pg", receivedAt: Date().addingTimeInterval(-10 * 86_400)))
        let alert = try #require(try await store.pendingMessages(destination: Self.target).first)
        try await store.markDelivered(alert.id, at: Date())
        try await store.prune(before: Date().addingTimeInterval(-7 * 86_400))
        #expect(try await store.counts() == QueueCounts())
        #expect(try await store.openIncidents().map(\.name) == ["long_broken_pg"])
        #expect(try await store.openIncidentKeys() == ["sync|id_long_broken_pg"])
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aFailureAlertsOnceAndItsRecoveryIsTold(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        store.setPolicy(NoticePolicy(notifyResolved: true))
        let later = storeTime(Date().addingTimeInterval(-30))
        _ = try await store.record(try storeSyncEnd("flaky"))
        _ = try await store.record(try storeSyncEnd("flaky", created: later))
        let alerts = try await store.pendingMessages(destination: Self.target)
        // The repeat stays quiet: one alert.
        #expect(alerts.map(\.kind) == [.alert])
        try await store.markDelivered(alerts[0].id, at: Date())
        let recovered = storeTime(Date().addingTimeInterval(-10))
        _ = try await store.record(try storeSyncEnd("flaky", status: "SUCCESSFUL", created: recovered))
        #expect(try await store.pendingMessages(destination: Self.target).map(\.kind) == [.resolved])
        #expect(try await store.openIncidents().isEmpty)
        // A late failure (older than the recovery) changes nothing.
        _ = try await store.record(
            try storeSyncEnd("flaky", created: storeTime(Date().addingTimeInterval(-20))))
        #expect(try await store.openIncidents().isEmpty)
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func aMutedConnectorQueuesNothing(_ backend: StoreBackend) async throws {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        try await store.addMute(
            Mute(id: "m1", target: .connector("id_quiet"), until: Date() + 3600, reason: "upgrade", createdAt: Date()))
        _ = try await store.record(try storeSyncEnd("quiet"))
        #expect(try await store.pendingMessages(destination: Self.target).isEmpty)
        #expect(try await store.hasDeliveries(from: .connector("id_quiet")))
        #expect(try await store.hasDeliveries(from: .connector("id_other")) == false)
        // A mute added while an alert waits reaches it before it is sent.
        _ = try await store.record(try storeSyncEnd("loud"))
        let waiting = try await store.pendingMessages(destination: Self.target).map(\.id)
        try await store.addMute(
            Mute(id: "m2", target: .connector("id_loud"), until: Date() + 3600, reason: nil, createdAt: Date()))
        let withdrawn = try await store.withdrawMuted(messageIds: waiting, at: Date())
        #expect(withdrawn.map(\.message) == waiting)
        #expect(withdrawn.map(\.mute.id) == ["m2"])
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func failedMessagesAreKeptAndRequeued(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        _ = try await store.record(storeIncoming("a"))
        _ = try await store.record(storeIncoming("b"))
        let pending = try await store.pendingMessages(destination: Self.target)
        #expect(try await store.claim(pending[0].id))
        #expect(try await store.markFailed(pending[0].id, error: "HTTP 404"))
        #expect(try await store.claim(pending[1].id))
        #expect(try await store.recordFailedAttempt(pending[1].id, error: "HTTP 500", nextAttemptAt: Date()))
        #expect(try await store.messages(state: .failed).map(\.lastError) == ["HTTP 404"])
        #expect(try await store.pendingMessages(destination: Self.target).map(\.attempts) == [1])
        #expect(try await store.requeueFailed(now: Date()) == Requeued(requeued: 1, skipped: 0))
        #expect(try await store.counts() == QueueCounts(pending: 2))
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func frozenPartsPostsAndClicksAreKept(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        _ = try await store.record(storeIncoming("a"))
        let id = try #require(try await store.pendingMessages(destination: Self.target).first?.id)
        let parts = [Data("one".utf8), Data("two".utf8)]
        #expect(try await store.freeze(id, parts: parts) == parts)
        #expect(try await store.freeze(id, parts: [Data("other".utf8)]) == parts)
        #expect(try await store.frozenParts(id) == parts)
        #expect(try await store.claim(id))
        try await store.markPartSent(id)
        #expect(try await store.pendingMessages(destination: Self.target).first?.partsSent == 1)
        #expect(try await store.claim(id))
        try await store.markDelivered(id, at: Date())
        #expect(try await store.frozenParts(id).isEmpty)

        let now = Date()
        try await store.recordPost("C1/1.0", incident: "sync|c1", destination: Self.target, open: true, at: now)
        try await store.recordSharedPost(
            "C1/2.0", incidents: ["sync|c1", "sync|c2"], destination: Self.target, at: now + 1)
        #expect(try await store.post(incident: "sync|c1", destination: Self.target)?.post == "C1/1.0")
        #expect(try await store.post(incident: "sync|c2", destination: Self.target)?.post == "C1/2.0")
        #expect(
            try await store.posts(incidents: ["sync|c1", "sync|c2"]).mapValues(\.post) == [
                "sync|c1": "C1/1.0", "sync|c2": "C1/2.0",
            ])
        try await store.recordPost("C1/3.0", incident: "sync|c1", destination: Self.target, open: false, at: now)
        try await store.prunePosts(closedBefore: now + 10)
        #expect(try await store.post(incident: "sync|c1", destination: Self.target) == nil)

        #expect(try await store.recordClick(key: "k1", body: Data("{}".utf8), at: now))
        #expect(try await store.recordClick(key: "k1", body: Data("{}".utf8), at: now) == false)
        #expect(try await store.pendingClicks().map(\.key) == ["k1"])
        try await store.markClickDone("k1")
        #expect(try await store.pendingClicks().isEmpty)
        try await store.pruneClicks(before: now + 1)
        #expect(try await store.recordClick(key: "k1", body: Data("{}".utf8), at: now))
        await store.close()
    }
}

extension SharedStoreTests {
    @Test(arguments: StoreBackend.allCases) func aPostChangesOnlyOverThePostItWasReadAs(_ backend: StoreBackend)
        async throws
    {
        let location = try await StoreLocation.make(backend)
        let store = try await location.open()
        let now = Date()
        #expect(try await store.replacePost("p1", incident: "i", destination: "d", open: true, at: now, expecting: nil))
        #expect(
            try await store.replacePost("p2", incident: "i", destination: "d", open: true, at: now, expecting: nil)
                == false)
        #expect(
            try await store.replacePost("p2", incident: "i", destination: "d", open: true, at: now, expecting: "p1"))
        #expect(
            try await store.replacePost("p3", incident: "i", destination: "d", open: true, at: now, expecting: "p1")
                == false)
        try await store.closePost(incident: "i", destination: "d", at: now)
        #expect(
            try await store.post(incident: "i", destination: "d")
                == IncidentPost(
                    destination: "d", post: "p2", open: false,
                    updatedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970)))
        _ = try await store.record(storeIncoming("a"))
        _ = try await store.record(storeIncoming("b"))
        let pending = try await store.pendingMessages(destination: Self.target)
        let found = try #require(try await store.messageDeliveries(pending[0].id))
        #expect(found.deliveryIds == pending[0].deliveryIds)
        #expect(try await store.messageDeliveries(999_999) == nil)
        await store.close()
    }
}
