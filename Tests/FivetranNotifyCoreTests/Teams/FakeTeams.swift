import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A fake Teams Workflows webhook on 127.0.0.1: answers from a script (then a default, 202 Accepted),
/// and records every post with its content type and the status it got.
final class FakeTeams: Sendable {
    struct Reply: Sendable {
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

    private struct State {
        var script: [Reply] = []
        var fallback: Reply
        var posts: [Post] = []
    }

    private let state: Mutex<State>
    private let baseURL = Mutex("")
    static let hookPath = "/workflows/abc123/triggers/manual/paths/invoke"
    static let query = "?api-version=2016-06-01&sig=fakeSignatureWXYZ"

    private init(fallback: Reply) {
        state = Mutex(State(fallback: fallback))
    }

    /// A fake webhook for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(default fallback: Reply = .accepted, _ body: (FakeTeams) async throws -> Result)
        async throws -> Result
    {
        let fake = FakeTeams(fallback: fallback)
        let router = Router()
        router.post(RouterPath(hookPath)) { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 10 << 20)
            let body = buffer.withUnsafeReadableBytes { Data($0) }
            let reply = fake.next(recording: body, contentType: request.headers[.contentType])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            for (name, value) in reply.headers { headers[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await TestHTTPServer.with(router) { server in
            fake.baseURL.withLock { $0 = server.baseURL }
            return try await body(fake)
        }
    }

    private func next(recording body: Data, contentType: String?) -> Reply {
        state.withLock { state in
            let reply = state.script.isEmpty ? state.fallback : state.script.removeFirst()
            state.posts.append(Post(body: body, contentType: contentType, status: reply.status))
            return reply
        }
    }

    /// The webhook URL, as a user would paste it.
    var url: String { baseURL.withLock { $0 } + Self.hookPath + Self.query }
    /// The target as the outbox stores it.
    var target: String { "teams:" + url }

    /// Replies used, in order, before the default.
    func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }

    var posts: [Post] { state.withLock { $0.posts } }

}
