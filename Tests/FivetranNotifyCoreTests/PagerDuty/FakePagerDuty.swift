import Foundation

@testable import FivetranNotifyCore

/// A fake PagerDuty Events API v2 on 127.0.0.1 (`POST /v2/enqueue`): answers from a script (then
/// 202 "Event processed"), and records every post with the status it got.
final class FakePagerDuty: Sendable {
    struct Reply: ScriptedReply {
        var status: Int
        var body: String
        var headers: [String: String] = [:]

        static let accepted = Reply(
            status: 202, body: #"{"status":"success","message":"Event processed","dedup_key":"k"}"#)
        static let invalidEvent = Reply(
            status: 400,
            body: #"{"status":"invalid event","message":"Event object is invalid","errors":["'summary' is missing"]}"#)
        static let serverError = Reply(status: 500, body: "internal error")
        static func rateLimited(retryAfter: String? = nil) -> Reply {
            Reply(
                status: 429,
                body: #"{"status":"throttle event","message":"Requests for this service are arriving too quickly."}"#,
                headers: retryAfter.map { ["Retry-After": $0] } ?? [:])
        }
    }

    struct Post: Sendable {
        var path: String
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: Data
        var status: Int

        var json: [String: JSONValue] {
            (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue ?? [:]
        }
    }

    private let replies = ScriptedReplies<Reply, Post>(fallback: .accepted)

    /// A fake PagerDuty for the length of `body`.
    static func with<Result>(_ body: (FakePagerDuty) async throws -> Result) async throws -> Result {
        let fake = FakePagerDuty()
        return try await fake.replies.serve(
            path: "/v2/enqueue", contentType: "application/json",
            record: { post, reply in
                Post(path: post.path, headers: post.headers, body: post.body, status: reply.status)
            },
            during: { try await body(fake) })
    }

    /// `http://127.0.0.1:PORT`, the destination's `baseURL`.
    var baseURL: String { replies.baseURL }
    /// Replies used, in order, before the default 202.
    func script(_ replies: [Reply]) { self.replies.script(replies) }
    var posts: [Post] { replies.posts }
}
