import Foundation

@testable import FivetranNotifyCore

/// A fake endpoint receiving forwarded notices on 127.0.0.1 (`POST /hooks/fivetran`): answers from a
/// script (then 204), and records every post with its headers.
final class FakeReceiver: Sendable {
    struct Reply: ScriptedReply {
        var status: Int
        var body: String = ""
        var headers: [String: String] = [:]

        static let noContent = Reply(status: 204)
        static func rateLimited(retryAfter: String) -> Reply {
            Reply(status: 429, body: "slow down", headers: ["Retry-After": retryAfter])
        }
    }

    struct Post: Sendable {
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: Data
        var status: Int

        var json: [String: JSONValue] {
            (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue ?? [:]
        }
    }

    static let path = "/hooks/fivetran"
    private let replies = ScriptedReplies<Reply, Post>(fallback: .noContent)

    /// A fake receiver for the length of `body`.
    static func with<Result>(_ body: (FakeReceiver) async throws -> Result) async throws -> Result {
        let fake = FakeReceiver()
        return try await fake.replies.serve(
            path: path, contentType: "text/plain",
            record: { post, reply in Post(headers: post.headers, body: post.body, status: reply.status) },
            during: { try await body(fake) })
    }

    /// The URL to forward to.
    var url: String { replies.baseURL + Self.path }
    /// Replies used, in order, before the default 204.
    func script(_ replies: [Reply]) { self.replies.script(replies) }
    var posts: [Post] { replies.posts }
}
