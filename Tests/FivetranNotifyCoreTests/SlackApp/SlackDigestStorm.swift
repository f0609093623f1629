import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenerHarness {
    /// A storm of failures of `names`, folded into one digest while Slack was down: the digest's
    /// message and the connectors whose incident's message it is.
    func stormIntoOneDigest(
        on fake: FakeSlackWebAPI, _ names: [String]
    ) async throws -> (digest: FakeSlackWebAPI.Message, members: [String]) {
        for (n, name) in names.enumerated() {
            #expect(try await post(sync(name, n)).status == 200)
        }
        #expect(
            await eventually {
                let pending = try await store.counts().pending
                return pending == 0 && !fake.messages.isEmpty
            })
        let digest = try #require(fake.messages.first { $0.threadTS == nil && $0.text.contains("failures") })
        let posts = try await store.posts(incidents: names.map { "sync|id_\($0)" })
        let members = names.filter {
            posts["sync|id_\($0)"].flatMap { SlackAppPost(encoded: $0.post) }?.ts == digest.ts
        }
        return (digest, members)
    }
}
