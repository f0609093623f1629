import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// A digest that needs several Slack messages goes out as one notice: alerts queued before it was
    /// formed (but left out of it) wait until its last part is posted.
    @Suite struct DigestOrderTests {
        @Test func aPartlySentDigestFinishesBeforeANewerOneStarts() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(
                    slackURL: slack.url,
                    dispatcher: {
                        $0.pacingInterval = .milliseconds(1)
                        $0.digestLimit = 60
                        $0.pollInterval = .milliseconds(50)
                    }
                ) { listener throws in
                    slack.holdReplies()
                    #expect(try await listener.post(Samples.syncEnd(connector: "first")).status == 200)
                    #expect(await eventually { slack.posts.count == 1 })
                    // 80 more wait behind the held post: a digest of the first 60 (long names: two Slack
                    // messages), and 20 alerts queued before it was formed.
                    let long = String(repeating: "x", count: 300)
                    for index in 0..<80 {
                        let body = Samples.syncEnd(connector: "storm_\(index)_\(long)")
                        #expect(try await listener.post(body).status == 200)
                    }
                    slack.releaseReplies()
                    #expect(await eventually { slack.posts.count >= 4 })
                    let texts = slack.posts.map(\.text)
                    #expect(texts[1].contains("60 Fivetran failures") && texts[1].contains("(part 1 of "))
                    #expect(texts[2].contains("60 Fivetran failures") && texts[2].contains("(part 2 of "))
                }
            }
        }
    }
}
