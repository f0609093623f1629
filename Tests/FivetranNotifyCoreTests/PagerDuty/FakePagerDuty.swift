import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

@testable import FivetranNotifyCore

/// A fake PagerDuty Events API v2 on 127.0.0.1 (`POST /v2/enqueue`): answers from a script (then
/// 202 "Event processed"), and records every post with the status it got.
final class FakePagerDuty: Sendable {
    struct Reply: Sendable {
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

    private struct State {
        var script: [Reply] = []
        var posts: [Post] = []
        var baseURL = ""
    }

    private let state = Mutex(State())

    /// A fake PagerDuty for the length of `body`.
    static func with<Result>(_ body: (FakePagerDuty) async throws -> Result) async throws -> Result {
        let fake = FakePagerDuty()
        let router = Router()
        router.post("/v2/enqueue") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 10 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = fake.next(
                recording: Post(
                    path: request.uri.path, headers: headers, body: buffer.withUnsafeReadableBytes { Data($0) },
                    status: 0))
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
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
            let reply = state.script.isEmpty ? .accepted : state.script.removeFirst()
            var post = post
            post.status = reply.status
            state.posts.append(post)
            return reply
        }
    }

    /// `http://127.0.0.1:PORT`, the destination's `baseURL`.
    var baseURL: String { state.withLock { $0.baseURL } }
    /// Replies used, in order, before the default 202.
    func script(_ replies: [Reply]) { state.withLock { $0.script += replies } }
    var posts: [Post] { state.withLock { $0.posts } }
}
