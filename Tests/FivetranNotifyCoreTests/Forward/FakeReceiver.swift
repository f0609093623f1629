import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

@testable import FivetranNotifyCore

/// A fake endpoint receiving forwarded notices on 127.0.0.1 (`POST /hooks/fivetran`): answers from a
/// script (then 204), and records every post with its headers.
final class FakeReceiver: Sendable {
    struct Reply: Sendable {
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

    private struct State {
        var script: [Reply] = []
        var posts: [Post] = []
        var baseURL = ""
    }

    static let path = "/hooks/fivetran"
    private let state = Mutex(State())

    /// A fake receiver for the length of `body`.
    static func with<Result>(_ body: (FakeReceiver) async throws -> Result) async throws -> Result {
        let fake = FakeReceiver()
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 10 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = fake.next(
                recording: Post(headers: headers, body: buffer.withUnsafeReadableBytes { Data($0) }, status: 0))
            var fields = HTTPFields()
            fields[.contentType] = "text/plain"
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await TestHTTPServer.with(router) { server in
            fake.state.withLock { $0.baseURL = server.baseURL }
            return try await body(fake)
        }
    }

    private func next(recording post: Post) -> Reply {
        state.withLock { state in
            let reply = state.script.isEmpty ? .noContent : state.script.removeFirst()
            var post = post
            post.status = reply.status
            state.posts.append(post)
            return reply
        }
    }

    /// The URL to forward to.
    var url: String { state.withLock { $0.baseURL } + Self.path }
    /// Replies used, in order, before the default 204.
    func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }
    var posts: [Post] { state.withLock { $0.posts } }
}
