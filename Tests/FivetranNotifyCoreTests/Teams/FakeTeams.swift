import Foundation

/// A fake Teams Workflows webhook on 127.0.0.1: answers from a script (then a default, 202 Accepted),
/// and records every post with its content type and the status it got.
final class FakeTeams: Sendable {
    struct Reply: ScriptedReply {
        var status: Int
        var body: String = ""
        var headers: [String: String] = [:]

        static let accepted = Reply(status: 202)
        static let serverError = Reply(status: 500, body: #"{"error":{"code":"InternalServerError"}}"#)
        static let flowDeleted = Reply(
            status: 404, body: #"{"error":{"code":"WorkflowNotFound","message":"The workflow was not found."}}"#)
        static func rateLimited(retryAfter: String) -> Reply {
            Reply(status: 429, body: #"{"error":{"code":"TooManyRequests"}}"#, headers: ["Retry-After": retryAfter])
        }
    }

    struct Post: Sendable {
        var body: Data
        var contentType: String?
        var status: Int
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    private let replies: ScriptedReplies<Reply, Post>
    static let hookPath = "/workflows/abc123/triggers/manual/paths/invoke"
    static let query = "?api-version=2016-06-01&sig=fakeSignatureWXYZ"

    private init(fallback: Reply) {
        replies = ScriptedReplies(fallback: fallback)
    }

    /// A fake webhook for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(default fallback: Reply = .accepted, _ body: (FakeTeams) async throws -> Result)
        async throws -> Result
    {
        let fake = FakeTeams(fallback: fallback)
        return try await fake.replies.serve(
            path: hookPath, contentType: "application/json",
            record: { post, reply in
                Post(body: post.body, contentType: post.headers["content-type"], status: reply.status)
            },
            during: { try await body(fake) })
    }

    /// The webhook URL, as a user would paste it.
    var url: String { replies.baseURL + Self.hookPath + Self.query }
    /// The target as the outbox stores it.
    var target: String { "teams:" + url }

    /// Replies used, in order, before the default.
    func script(_ replies: [Reply]) { self.replies.script(replies) }

    var posts: [Post] { replies.posts }

}
