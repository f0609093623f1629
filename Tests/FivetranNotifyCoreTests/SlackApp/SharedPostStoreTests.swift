import Foundation
import Testing

@testable import FivetranNotifyCore

/// The store's record of incidents sharing a digest's post, on both stores (SQLite and PostgreSQL).
@Suite struct SharedPostStoreTests {
    private static func store(_ backend: StoreBackend) async throws -> any StateStore {
        try await StoreLocation.make(backend).open()
    }

    @Test(arguments: StoreBackend.allCases) func aDigestsMembersAreCountedAndTheLastRecoveryClosesItsPost(
        _ backend: StoreBackend
    ) async throws {
        let store = try await Self.store(backend)
        let now = Date()
        try await store.recordPost("digest post", incident: "digest:7", destination: "d", open: true, at: now)
        try await store.recordSharedPost("digest post", incidents: ["a", "b"], destination: "d", at: now)
        try await store.recordShares(owner: "digest:7", post: "digest post", incidents: ["a", "b"], destination: "d")
        #expect(
            try await store.sharedOwners(incidents: ["a", "b", "c"], destination: "d").keys.sorted() == ["a", "b"])
        try await store.settleSharedResolves(
            owner: "digest:7", post: "digest post", incidents: ["a"], destination: "d", at: now)
        #expect(try await store.sharedMembers(owner: "digest:7", destination: "d").recovered == ["a"])
        #expect(try await store.post(incident: "digest:7", destination: "d")?.open == true)
        try await store.settleSharedResolves(
            owner: "digest:7", post: "digest post", incidents: ["b"], destination: "d", at: now)
        #expect(try await store.post(incident: "digest:7", destination: "d")?.open == false)
        #expect(try await store.post(incident: "b", destination: "d")?.open == false)
        #expect(try await store.sharedOwners(incidents: ["a", "b"], destination: "d").isEmpty)
        await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func sharesOfAnEarlierPostUnderTheSameKeyAreForgotten(
        _ backend: StoreBackend
    ) async throws {
        let store = try await Self.store(backend)
        let now = Date()
        try await store.recordPost("old", incident: "digest:7", destination: "d", open: true, at: now)
        try await store.recordSharedPost("old", incidents: ["a"], destination: "d", at: now)
        try await store.recordShares(owner: "digest:7", post: "old", incidents: ["a"], destination: "d")
        // The message id came back for a new digest (its old message was pruned).
        try await store.recordPost("new", incident: "digest:7", destination: "d", open: true, at: now)
        try await store.recordSharedPost("new", incidents: ["b"], destination: "d", at: now)
        try await store.recordShares(owner: "digest:7", post: "new", incidents: ["b"], destination: "d")
        #expect(try await store.sharedMembers(owner: "digest:7", destination: "d").members == 1)
        await store.close()
    }
}
