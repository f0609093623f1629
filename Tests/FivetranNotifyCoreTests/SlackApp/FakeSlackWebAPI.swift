import FivetranNotifyCore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A fake of Slack's Web API on 127.0.0.1 (`POST /api/chat.postMessage`, `/api/chat.update`,
/// `/api/auth.test`): it checks the bearer token and the JSON content type as Slack does, keeps the
/// messages it was sent per channel, issues `ts` values, answers `chat.update` of an unknown or deleted
/// message with `message_not_found`, records every call, and answers from a script when told (Slack
/// errors, 429 with `Retry-After`, 5xx, a page that is not JSON). It also plays clicks' `response_url`s
/// (`POST /actions/T0FAKE/<id>`, 5 uses each, then `used_url`).
final class FakeSlackWebAPI: Sendable {
    static let token = "xoxb-1111-2222-fakeTokenWXYZ"
    static let teamID = "T0FAKE"
    static let botUserID = "U0BOT"
    /// The channel every fake knows: id `C0ALERTS`, name `#alerts`.
    static let channel = "C0ALERTS"

    /// A scripted answer to the next call.
    enum Reply: Sendable {
        /// HTTP 200 with `{"ok":false,"error":…}` and any extra fields (`needed`, `provided`).
        case error(String, extra: [String: JSONValue] = [:])
        /// HTTP 429, `{"ok":false,"error":"ratelimited"}`, with `Retry-After` when given.
        case rateLimited(retryAfter: String?)
        /// Any status and body.
        case raw(status: Int, body: String, contentType: String = "text/html")
        /// Answered as the fake answers unscripted calls (to script a later call).
        case pass
        /// Answered as usual, after this long (a send in flight while the test acts).
        case slow(Duration)
    }

    /// One call as the fake received it.
    struct Call: Sendable {
        var method: String
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: Data

        var json: [String: JSONValue] {
            (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue ?? [:]
        }
    }

    /// A message as the fake holds it.
    struct Message: Sendable {
        var channel: String
        var ts: String
        var text: String
        var blocks: [JSONValue]?
        var threadTS: String?
        var broadcast: Bool
        var edits = 0
    }

    private struct State {
        var script: [Reply] = []
        var calls: [Call] = []
        var messages: [Message] = []
        /// Channel names (`alerts`) to ids.
        var channels: [String: String] = ["alerts": FakeSlackWebAPI.channel]
        var nextTS = 1
        var baseURL = ""
        var root = ""
        /// Posts to response URLs, by URL id.
        var responses: [String: [Call]] = [:]
    }

    private let state = Mutex(State())

    private init() {}

    /// A fake for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(_ body: (FakeSlackWebAPI) async throws -> Result) async throws -> Result {
        let fake = FakeSlackWebAPI()
        let router = Router()
        for method in ["chat.postMessage", "chat.update", "auth.test"] {
            router.post(RouterPath("/api/\(method)")) { request, _ -> Response in
                await fake.handle(method, request)
            }
        }
        router.post("/actions/:team/:id") { request, context -> Response in
            await fake.respond(context.parameters.get("id") ?? "", request)
        }
        return try await TestHTTPServer.with(router) { server in
            fake.state.withLock {
                $0.baseURL = server.baseURL + "/api"
                $0.root = server.baseURL
            }
            return try await body(fake)
        }
    }

    /// The Web API base to give the client (`SLACK_API_URL`).
    var apiURL: String { state.withLock { $0.baseURL } }

    // MARK: - Arranging and inspecting

    /// The next calls get these answers, one each, in order (after the call is recorded).
    func script(_ replies: Reply...) { state.withLock { $0.script += replies } }

    /// Another channel the bot can post to.
    func addChannel(name: String, id: String) { state.withLock { $0.channels[name] = id } }

    /// The `response_url` of a click (`id` tells clicks apart).
    func responseURL(_ id: String = "1") -> String { state.withLock { $0.root } + "/actions/\(Self.teamID)/\(id)" }

    /// What was posted to a click's `response_url`.
    func responses(_ id: String = "1") -> [Call] { state.withLock { $0.responses[id] ?? [] } }

    /// A person deleted the message: updates answer `message_not_found` from now on.
    func deleteMessage(ts: String) { state.withLock { $0.messages.removeAll { $0.ts == ts } } }

    var calls: [Call] { state.withLock { $0.calls } }
    var messages: [Message] { state.withLock { $0.messages } }
    func message(ts: String) -> Message? { state.withLock { $0.messages.first { $0.ts == ts } } }

    // MARK: - Handling

    private func handle(_ method: String, _ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let call = Call(method: method, headers: headers, body: body)
        let scripted: Reply? = state.withLock { state in
            state.calls.append(call)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch scripted {
        case .error(let code, let extra)?:
            let object: [String: JSONValue] = ["ok": .bool(false), "error": .string(code)]
            return Self.answer(object.merging(extra) { $1 })
        case .rateLimited(let retryAfter)?:
            return Self.answer(
                ["ok": .bool(false), "error": .string("ratelimited")], status: 429,
                headers: retryAfter.map { ["Retry-After": $0] } ?? [:])
        case .raw(let status, let text, let contentType)?:
            return Response(
                status: .init(code: status), headers: [.contentType: contentType],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        case .slow(let wait)?:
            try? await Task.sleep(for: wait)
        case .pass?, nil:
            break
        }

        guard let authorization = headers["authorization"], authorization.hasPrefix("Bearer ") else {
            return Self.answer(["ok": .bool(false), "error": .string("not_authed")])
        }
        guard authorization == "Bearer \(Self.token)" else {
            return Self.answer(["ok": .bool(false), "error": .string("invalid_auth")])
        }
        guard headers["content-type"]?.hasPrefix("application/json") == true else {
            return Self.answer(["ok": .bool(false), "error": .string("invalid_arguments")])
        }
        let object = call.json
        var warning: [String: JSONValue] = [:]
        if headers["content-type"]?.contains("charset") != true { warning["warning"] = .string("missing_charset") }

        switch method {
        case "auth.test":
            let identity: [String: JSONValue] = [
                "ok": .bool(true), "url": .string("https://fake.slack.com/"), "team": .string("Fake"),
                "user": .string("fivetran-notify"), "team_id": .string(Self.teamID),
                "user_id": .string(Self.botUserID), "bot_id": .string("B0BOT"),
            ]
            return Self.answer(identity.merging(warning) { $1 })
        case "chat.postMessage":
            return post(object).merging(warning)
        default:
            return update(object).merging(warning)
        }
    }

    private func respond(_ id: String, _ request: Request) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let uses = state.withLock { state in
            state.responses[id, default: []].append(Call(method: "response_url", headers: headers, body: body))
            return state.responses[id]?.count ?? 0
        }
        guard uses <= 5 else { return Self.answer(Self.error("used_url"), status: 404) }
        return Self.answer(["ok": .bool(true)])
    }

    private struct Answer {
        var object: [String: JSONValue]
        func merging(_ extra: [String: JSONValue]) -> Response {
            FakeSlackWebAPI.answer(object.merging(extra) { $1 })
        }
    }

    private func post(_ object: [String: JSONValue]) -> Answer {
        guard let target = object["channel"]?.stringValue else {
            return Answer(object: Self.error("channel_not_found"))
        }
        guard object["text"]?.stringValue?.isEmpty == false || object["blocks"] != nil else {
            return Answer(object: Self.error("no_text"))
        }
        if let blocks = object["blocks"] {
            guard let problem = Self.blockProblem(blocks) else { return Answer(object: post(object, to: target)) }
            return Answer(object: Self.error(problem))
        }
        return Answer(object: post(object, to: target))
    }

    private func post(_ object: [String: JSONValue], to target: String) -> [String: JSONValue] {
        state.withLock { state in
            let name = target.hasPrefix("#") ? String(target.dropFirst()) : target
            guard let channel = state.channels[name] ?? state.channels.values.first(where: { $0 == target }) else {
                return Self.error("channel_not_found")
            }
            let thread = object["thread_ts"]?.stringValue
            if let thread, !state.messages.contains(where: { $0.channel == channel && $0.ts == thread }) {
                return Self.error("thread_not_found")
            }
            let ts = String(format: "1800000000.%06d", state.nextTS * 100)
            state.nextTS += 1
            state.messages.append(
                Message(
                    channel: channel, ts: ts, text: object["text"]?.stringValue ?? "",
                    blocks: object["blocks"]?.arrayValue, threadTS: thread,
                    broadcast: object["reply_broadcast"]?.boolValue ?? false))
            return [
                "ok": .bool(true), "channel": .string(channel), "ts": .string(ts),
                "message": .object(["text": object["text"] ?? .string(""), "ts": .string(ts)]),
            ]
        }
    }

    private func update(_ object: [String: JSONValue]) -> Answer {
        guard let channel = object["channel"]?.stringValue, let ts = object["ts"]?.stringValue else {
            return Answer(object: Self.error("message_not_found"))
        }
        if let blocks = object["blocks"], let problem = Self.blockProblem(blocks) {
            return Answer(object: Self.error(problem))
        }
        let answer: [String: JSONValue] = state.withLock { state in
            guard let index = state.messages.firstIndex(where: { $0.channel == channel && $0.ts == ts }) else {
                return Self.error("message_not_found")
            }
            state.messages[index].text = object["text"]?.stringValue ?? ""
            // `text` without `blocks` deletes the blocks.
            state.messages[index].blocks = object["blocks"]?.arrayValue
            state.messages[index].edits += 1
            return [
                "ok": .bool(true), "channel": .string(channel), "ts": .string(ts),
                "text": object["text"] ?? .string(""),
            ]
        }
        return Answer(object: answer)
    }

    /// What Slack would say of blocks it refuses: not an array, more than 50, or a block with `"type":
    /// "invalid"` (how tests ask for `invalid_blocks`).
    private static func blockProblem(_ blocks: JSONValue) -> String? {
        guard let array = blocks.arrayValue else { return "invalid_blocks_format" }
        if array.count > 50 { return "invalid_blocks" }
        if array.contains(where: { $0["type"]?.stringValue == "invalid" }) { return "invalid_blocks" }
        return nil
    }

    private static func error(_ code: String) -> [String: JSONValue] {
        ["ok": .bool(false), "error": .string(code)]
    }

    private static func answer(_ object: [String: JSONValue], status: Int = 200, headers: [String: String] = [:])
        -> Response
    {
        let data = (try? JSONEncoder().encode(JSONValue.object(object))) ?? Data()
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
