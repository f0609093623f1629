import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A reply of a fake far end: its status, body and extra headers.
protocol ScriptedReply: Sendable {
    var status: Int { get }
    var body: String { get }
    var headers: [String: String] { get }
}

/// What a fake far end received in one POST.
struct ReceivedPost: Sendable {
    var path: String
    /// Header values by lowercased name.
    var headers: [String: String]
    var body: Data
}

/// The core the fakes of destination services share (PagerDuty, a forward receiver, Teams): one POST
/// route on 127.0.0.1 that answers from a script (then a default reply) and records every post, as
/// the fake describes it, with the reply it got.
final class ScriptedReplies<Reply: ScriptedReply, Post: Sendable>: Sendable {
    private struct State {
        var script: [Reply] = []
        var fallback: Reply
        var posts: [Post] = []
        var baseURL = ""
    }

    private let state: Mutex<State>

    init(fallback: Reply) {
        state = Mutex(State(fallback: fallback))
    }

    /// Serves `path` for the length of `during`, stopped afterwards even when it throws: every POST
    /// is recorded as `record` makes it of what came and the reply it gets, and answered with that
    /// reply as `contentType`.
    func serve<Result>(
        path: String, contentType: String, record: @escaping @Sendable (ReceivedPost, Reply) -> Post,
        during body: () async throws -> Result
    ) async throws -> Result {
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 10 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = ReceivedPost(
                path: request.uri.path, headers: headers, body: buffer.withUnsafeReadableBytes { Data($0) })
            let reply = self.next { record(received, $0) }
            var fields = HTTPFields()
            fields[.contentType] = contentType
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await TestHTTPServer.with(router) { server in
            state.withLock { $0.baseURL = server.baseURL }
            return try await body()
        }
    }

    private func next(recording post: (Reply) -> Post) -> Reply {
        state.withLock { state in
            let reply = state.script.isEmpty ? state.fallback : state.script.removeFirst()
            state.posts.append(post(reply))
            return reply
        }
    }

    /// `http://127.0.0.1:PORT` while serving.
    var baseURL: String { state.withLock { $0.baseURL } }
    /// Replies used, in order, before the default.
    func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }
    var posts: [Post] { state.withLock { $0.posts } }
}
