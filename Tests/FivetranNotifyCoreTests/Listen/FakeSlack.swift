import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A fake Slack incoming webhook on 127.0.0.1: answers from a script (then a default), and records
/// every post with the status it got.
final class FakeSlack: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: String
        var headers: [String: String] = [:]

        static let ok = Reply(status: 200, body: "ok")
        static let serverError = Reply(status: 500, body: "rollup_error")
        static let noService = Reply(status: 404, body: "no_service")
        static func rateLimited(retryAfter: String) -> Reply {
            Reply(status: 429, body: "rate_limited", headers: ["Retry-After": retryAfter])
        }
    }

    struct Post: Sendable {
        var body: Data
        var status: Int
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        var script: [Reply] = []
        var fallback: Reply
        var posts: [Post] = []
        /// While true, replies wait (the post is received and recorded, the answer is not sent yet).
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let server: Mutex<TestHTTPServer?> = Mutex(nil)
    static let hookPath = "/services/T000/B000/fakeSecretABCD"

    private init(fallback: Reply) {
        state = Mutex(State(fallback: fallback))
    }

    private static func start(default fallback: Reply = .ok) async throws -> FakeSlack {
        let fake = FakeSlack(fallback: fallback)
        let router = Router()
        router.post(RouterPath(hookPath)) { request, context -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 10 << 20)
            let body = buffer.withUnsafeReadableBytes { Data($0) }
            let reply = fake.next(recording: body)
            await fake.waitWhileHolding()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain"
            for (name, value) in reply.headers { headers[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        let server = try await TestHTTPServer.start(router)
        fake.server.withLock { $0 = server }
        return fake
    }

    /// A fake Slack for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(default fallback: Reply = .ok, _ body: (FakeSlack) async throws -> Result)
        async throws -> Result
    {
        try await withStarted({ try await start(default: fallback) }, stop: { await $0.stop() }, body)
    }

    private func next(recording body: Data) -> Reply {
        state.withLock { state in
            let reply = state.script.isEmpty ? state.fallback : state.script.removeFirst()
            state.posts.append(Post(body: body, status: reply.status))
            return reply
        }
    }

    /// Replies wait from now on until `releaseReplies()`: a post Slack has received but not answered.
    func holdReplies() { state.withLock { $0.holding = true } }

    /// Sends the replies held back, and stops holding.
    func releaseReplies() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held.removeAll() }
            return state.held
        }
        for waiter in held { waiter.resume() }
    }

    private func waitWhileHolding() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { state in
                if state.holding { state.held.append(continuation) }
                return state.holding
            }
            if !wait { continuation.resume() }
        }
    }

    var url: String { server.withLock { $0!.baseURL } + Self.hookPath }

    /// Replies used, in order, before the default.
    func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }
    func setDefault(_ reply: Reply) { state.withLock { $0.fallback = reply } }

    var posts: [Post] { state.withLock { $0.posts } }
    /// The posts Slack answered 200 ok.
    var delivered: [Post] { posts.filter { $0.status == 200 } }

    func stop() async {
        let server = self.server.withLock { $0 }
        await server?.stop()
    }
}
