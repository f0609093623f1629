import FivetranNotifyCore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A fake of Fivetran's webhook REST API (`/v1/webhooks…`) and of the connection and group reads the
/// account watch makes (`/v1/connections…`, `/v1/groups…`) and of starting a sync (`POST
/// /v1/connections/{id}/sync`, the Re-sync button), served by a real Hummingbird server on
/// 127.0.0.1. It checks what the real API checks (Basic auth, `Accept` — `application/json;version=2`
/// for the connection endpoints —, `Content-Type`, https URLs), pages with `next_cursor`, masks
/// secrets, records every request, and can be told to answer the next requests (or the next ones to a
/// path) with failures (401, 404, 429 with Retry-After, 500, a non-JSON page, a slow answer…).
final class FakeFivetranAPI: Sendable {
    static let apiKey = "test_key"
    static let apiSecret = "test_secret_do_not_print"

    /// One request as the fake received it.
    struct Recorded: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: Data

        /// The body as a JSON object (empty when it is not one).
        var json: [String: JSONValue] {
            (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue ?? [:]
        }
    }

    /// An answer to give instead of the normal one.
    enum Failure: Sendable {
        /// A JSON error envelope.
        case envelope(status: Int, code: String, message: String, headers: [String: String] = [:])
        /// Any body, e.g. an HTML page from a proxy.
        case raw(status: Int, body: String, contentType: String = "text/html")
        /// Answer nothing until the fake stops (to provoke a client timeout).
        case hang
    }

    /// How the last page says there are no more.
    enum LastPage: Sendable {
        case missingCursor
        case nullCursor
        case emptyCursor
    }

    private struct State {
        var webhooks: [[String: JSONValue]] = []
        var connections: [[String: JSONValue]] = []
        var groups: [[String: JSONValue]] = []
        var requests: [Recorded] = []
        var failures: [Failure] = []
        /// Failures for the next requests to one path (`/v1/connections`), before `failures`.
        var pathFailures: [String: [Failure]] = [:]
        var testResults: [String: (succeed: Bool, status: Int, message: String)] = [:]
        /// Whether the URL of an active webhook being created or activated answers Fivetran's check.
        var validationPingSucceeds = true
        var lastPage = LastPage.missingCursor
        var nextID = 1
        var stopping = false
    }

    private let state = Mutex(State())
    private let serverBox = Mutex<TestHTTPServer?>(nil)

    private init() {}

    /// Starts a fake on a free port.
    private static func start() async throws -> FakeFivetranAPI {
        let fake = FakeFivetranAPI()
        let router = Router()
        router.on("/v1/webhooks", method: .get) { request, _ in await fake.handle(request, route: .list) }
        router.on("/v1/webhooks/account", method: .post) { request, _ in
            await fake.handle(request, route: .createAccount)
        }
        router.on("/v1/webhooks/group/:groupId", method: .post) { request, context in
            await fake.handle(request, route: .createGroup(context.parameters.get("groupId") ?? ""))
        }
        router.on("/v1/webhooks/:id", method: .get) { request, context in
            await fake.handle(request, route: .get(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/webhooks/:id", method: .patch) { request, context in
            await fake.handle(request, route: .update(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/webhooks/:id", method: .delete) { request, context in
            await fake.handle(request, route: .delete(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/webhooks/:id/test", method: .post) { request, context in
            await fake.handle(request, route: .test(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/connections", method: .get) { request, _ in await fake.handle(request, route: .connections) }
        router.on("/v1/connections/:id", method: .get) { request, context in
            await fake.handle(request, route: .connection(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/connections/:id/sync", method: .post) { request, context in
            await fake.handle(request, route: .sync(context.parameters.get("id") ?? ""))
        }
        router.on("/v1/groups", method: .get) { request, _ in await fake.handle(request, route: .groups) }
        router.on("/v1/groups/:id", method: .get) { request, context in
            await fake.handle(request, route: .group(context.parameters.get("id") ?? ""))
        }
        let server = try await TestHTTPServer.start(router)
        fake.serverBox.withLock { $0 = server }
        return fake
    }

    /// A fake for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(_ body: (FakeFivetranAPI) async throws -> Result) async throws -> Result {
        try await withStarted({ try await start() }, stop: { await $0.stop() }, body)
    }

    func stop() async {
        state.withLock { $0.stopping = true }
        await serverBox.withLock { $0 }?.stop()
    }

    /// The API base URL to give `--api-url`.
    var apiURL: String { (serverBox.withLock { $0 }?.baseURL ?? "http://127.0.0.1:1") + "/v1" }

    // MARK: - Arranging

    /// The next requests get these answers, one each, in order.
    func failNext(_ failures: Failure...) {
        state.withLock { $0.failures += failures }
    }

    /// The next requests to `path` (e.g. `/v1/connections`) get these answers, one each, in order.
    func failNext(path: String, _ failures: Failure...) {
        state.withLock { $0.pathFailures[path, default: []] += failures }
    }

    /// Adds a connection (fields as Fivetran's list returns them; `extra` overrides) and returns its id.
    @discardableResult
    func addConnection(
        id: String? = nil, schema: String? = nil, service: String = "postgres", groupID: String = "grp_1",
        paused: Bool = false, syncFrequency: Int = 60, scheduleType: String = "auto",
        succeededAt: String? = "2026-05-22T08:30:00.000000Z", createdAt: String = "2026-01-01T00:00:00.000000Z",
        setupState: String = "connected", syncState: String = "scheduled", updateState: String = "on_schedule",
        isHistoricalSync: Bool = false, tasks: [[String: String]] = [], warnings: [[String: String]] = [],
        extra: [String: JSONValue] = [:]
    ) -> String {
        state.withLock { state in
            let id = id ?? String(format: "conn_%05d", state.connections.count + 1)
            func alerts(_ list: [[String: String]]) -> JSONValue {
                .array(list.map { .object($0.mapValues { .string($0) }) })
            }
            var connection: [String: JSONValue] = [
                "id": .string(id), "group_id": .string(groupID), "service": .string(service),
                "schema": .string(schema ?? "schema_\(id)"), "paused": .bool(paused), "pause_after_trial": .bool(false),
                "sync_frequency": .number(Double(syncFrequency)), "schedule_type": .string(scheduleType),
                "succeeded_at": succeededAt.map { .string($0) } ?? .null, "failed_at": .null,
                "created_at": .string(createdAt), "connected_by": .string("user_1"),
                "status": .object([
                    "setup_state": .string(setupState), "sync_state": .string(syncState),
                    "update_state": .string(updateState), "is_historical_sync": .bool(isHistoricalSync),
                    "tasks": alerts(tasks), "warnings": alerts(warnings),
                ]),
                "config": .object([:]),
            ]
            connection.merge(extra) { _, new in new }
            state.connections.append(connection)
            return id
        }
    }

    /// Adds many plain connections at once (`conn_00001`…), for paging tests.
    func addConnections(count: Int, groupID: String = "grp_1") {
        for _ in 0..<count { addConnection(groupID: groupID) }
    }

    /// Changes a connection in place (between sweeps).
    func updateConnection(_ id: String, _ change: @Sendable (inout [String: JSONValue]) -> Void) {
        state.withLock { state in
            guard let index = state.connections.firstIndex(where: { $0["id"] == .string(id) }) else { return }
            change(&state.connections[index])
        }
    }

    /// Changes a connection's `status` object in place.
    func updateConnectionStatus(_ id: String, _ change: @Sendable @escaping (inout [String: JSONValue]) -> Void) {
        updateConnection(id) { connection in
            var status = connection["status"]?.objectValue ?? [:]
            change(&status)
            connection["status"] = .object(status)
        }
    }

    func removeConnection(_ id: String) {
        state.withLock { $0.connections.removeAll { $0["id"] == .string(id) } }
    }

    func addGroup(id: String, name: String) {
        state.withLock {
            $0.groups.append([
                "id": .string(id), "name": .string(name), "created_at": .string("2026-01-01T00:00:00.000000Z"),
            ])
        }
    }

    /// Turns a webhook on or off (Fivetran deactivating it, say).
    func setWebhookActive(_ id: String, _ active: Bool) {
        state.withLock { state in
            guard let index = state.webhooks.firstIndex(where: { $0["id"] == .string(id) }) else { return }
            state.webhooks[index]["active"] = .bool(active)
        }
    }

    /// Adds a webhook and returns its id.
    @discardableResult
    func addWebhook(
        url: String = "https://hooks.example.com/fivetran", events: [String] = ["sync_end"], active: Bool = true,
        groupID: String? = nil, extra: [String: JSONValue] = [:]
    ) -> String {
        state.withLock { state in
            let id = String(format: "wh_%05d", state.nextID)
            state.nextID += 1
            var webhook: [String: JSONValue] = [
                "id": .string(id), "type": .string(groupID == nil ? "account" : "group"), "url": .string(url),
                "events": .array(events.map { .string($0) }), "active": .bool(active), "secret": .string("******"),
                "created_at": .string("2026-01-02T03:04:05.678Z"), "created_by": .string("user_1"),
            ]
            if let groupID { webhook["group_id"] = .string(groupID) }
            webhook.merge(extra) { _, new in new }
            state.webhooks.append(webhook)
            return id
        }
    }

    /// What the test endpoint reports for an event (default: success, 200).
    func setTestResult(event: String, succeed: Bool, status: Int, message: String) {
        state.withLock { $0.testResults[event] = (succeed, status, message) }
    }

    func setValidationPingSucceeds(_ value: Bool) {
        state.withLock { $0.validationPingSucceeds = value }
    }

    func setLastPage(_ style: LastPage) {
        state.withLock { $0.lastPage = style }
    }

    // MARK: - Inspecting

    var requests: [Recorded] { state.withLock { $0.requests } }
    var webhooks: [[String: JSONValue]] { state.withLock { $0.webhooks } }

    // MARK: - Handling

    private enum Route {
        case list
        case createAccount
        case createGroup(String)
        case get(String)
        case update(String)
        case delete(String)
        case test(String)
        case connections
        case connection(String)
        case sync(String)
        case groups
        case group(String)

        /// The connection endpoints take `Accept: application/json;version=2`.
        var accept: String {
            switch self {
            case .connections, .connection, .sync: return "application/json;version=2"
            default: return "application/json"
            }
        }
    }

    private func handle(_ request: Request, route: Route) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            query[String(key)] = String(value)
        }
        let recorded = Recorded(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, body: body)
        let failure: Failure? = state.withLock { state in
            state.requests.append(recorded)
            if var forPath = state.pathFailures[recorded.path], !forPath.isEmpty {
                let failure = forPath.removeFirst()
                state.pathFailures[recorded.path] = forPath
                return failure
            }
            return state.failures.isEmpty ? nil : state.failures.removeFirst()
        }
        switch failure {
        case .envelope(let status, let code, let message, let extraHeaders)?:
            return Self.json(
                status: status, ["code": .string(code), "message": .string(message)], headers: extraHeaders)
        case .raw(let status, let text, let contentType)?:
            return Response(
                status: .init(code: status), headers: [.contentType: contentType],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        case .hang?:
            // Polls a flag rather than sleeping a fixed time, so a stopping fake never waits on it.
            while !state.withLock({ $0.stopping }) {
                try? await Task.sleep(for: .milliseconds(10))
            }
            return Self.error(503, "Stopping", "the fake is stopping")
        case nil:
            break
        }

        let expected = "Basic " + Data("\(Self.apiKey):\(Self.apiSecret)".utf8).base64EncodedString()
        guard headers["authorization"] == expected else {
            return Self.error(401, "AuthFailed", "Invalid API key or secret")
        }
        guard headers["accept"] == route.accept else {
            return Self.error(406, "NotAcceptable", "Accept header must be \(route.accept)")
        }
        if recorded.method == "POST" || recorded.method == "PATCH" {
            guard headers["content-type"]?.hasPrefix("application/json") == true else {
                return Self.error(415, "UnsupportedMediaType", "Content-Type must be application/json")
            }
        }

        switch route {
        case .list:
            return list(query: query)
        case .connections:
            return page(state.withLock { $0.connections }, query: query)
        case .groups:
            return page(state.withLock { $0.groups }, query: query)
        case .connection(let id):
            guard let connection = state.withLock({ $0.connections.first { $0["id"] == .string(id) } }) else {
                return Self.error(404, "NotFound_Connection", "Connection with id '\(id)' not found")
            }
            return Self.success(.object(connection), message: "Connection details retrieved successfully")
        case .sync(let id):
            return startSync(id, recorded.json)
        case .group(let id):
            guard let group = state.withLock({ $0.groups.first { $0["id"] == .string(id) } }) else {
                return Self.error(404, "NotFound_Group", "Group with id '\(id)' not found")
            }
            return Self.success(.object(group), message: "Group details retrieved successfully")
        case .createAccount:
            return create(recorded.json, groupID: nil)
        case .createGroup(let groupID):
            return create(recorded.json, groupID: groupID)
        case .get(let id):
            guard let webhook = webhook(id) else { return Self.notFound(id) }
            return Self.success(.object(webhook))
        case .update(let id):
            return update(id, recorded.json)
        case .delete(let id):
            let removed = state.withLock { state -> Bool in
                guard let index = state.webhooks.firstIndex(where: { $0["id"] == .string(id) }) else { return false }
                state.webhooks.remove(at: index)
                return true
            }
            guard removed else { return Self.notFound(id) }
            return Self.json(
                status: 200,
                ["code": .string("Success"), "message": .string("Webhook with id '\(id)' has been deleted")])
        case .test(let id):
            guard webhook(id) != nil else { return Self.notFound(id) }
            guard let event = recorded.json["event"]?.stringValue else {
                return Self.error(400, "InvalidInput", "Missing required field: event")
            }
            let result = state.withLock { $0.testResults[event] } ?? (succeed: true, status: 200, message: "Success")
            return Self.success(
                .object([
                    "succeed": .bool(result.succeed), "status": .number(Double(result.status)),
                    "message": .string(result.message),
                ]))
        }
    }

    /// `POST /connections/{id}/sync`: marks the connection `syncing` and answers Fivetran's success. One
    /// already syncing (with `force` false) starts nothing; the fake then answers 200 with a message that
    /// says so (Fivetran documents no distinct answer for that case).
    private func startSync(_ id: String, _ body: [String: JSONValue]) -> Response {
        guard body["force"] == nil || body["force"]?.boolValue != nil else {
            return Self.error(400, "InvalidInput", "force must be a boolean")
        }
        let force = body["force"]?.boolValue ?? false
        let wasSyncing: Bool? = state.withLock { state in
            guard let index = state.connections.firstIndex(where: { $0["id"] == .string(id) }) else { return nil }
            var status = state.connections[index]["status"]?.objectValue ?? [:]
            let syncing = status["sync_state"] == .string("syncing")
            status["sync_state"] = .string("syncing")
            state.connections[index]["status"] = .object(status)
            return syncing
        }
        guard let wasSyncing else {
            return Self.error(404, "NotFound_Connection", "Connection with id '\(id)' not found")
        }
        if wasSyncing && !force {
            return Self.json(
                status: 200,
                ["code": .string("Success"), "message": .string("Connection with id '\(id)' is already syncing")])
        }
        return Self.json(
            status: 200,
            [
                "code": .string("Success"),
                "message": .string("Sync has been successfully triggered for connection with id '\(id)'"),
            ])
    }

    private func list(query: [String: String]) -> Response {
        page(state.withLock { $0.webhooks }, query: query)
    }

    private func page(_ all: [[String: JSONValue]], query: [String: String]) -> Response {
        let limit = query["limit"].flatMap(Int.init) ?? 100
        guard (1...1000).contains(limit) else {
            return Self.error(400, "InvalidInput", "limit must be between 1 and 1000")
        }
        let offset = query["cursor"].flatMap { Int($0.dropFirst("cursor-".count)) } ?? 0
        let lastPage = state.withLock { $0.lastPage }
        let page = Array(all.dropFirst(offset).prefix(limit))
        let total = all.count
        var data: [String: JSONValue] = ["items": .array(page.map { .object($0) })]
        if offset + limit < total {
            data["next_cursor"] = .string("cursor-\(offset + limit)")
        } else {
            switch lastPage {
            case .missingCursor: break
            case .nullCursor: data["next_cursor"] = .null
            case .emptyCursor: data["next_cursor"] = .string("")
            }
        }
        return Self.success(.object(data))
    }

    private func create(_ body: [String: JSONValue], groupID: String?) -> Response {
        if let groupID, groupID.hasPrefix("missing") {
            return Self.error(404, "NotFound_Group", "Group with id '\(groupID)' not found")
        }
        guard let url = body["url"]?.stringValue, let events = body["events"]?.arrayValue else {
            return Self.error(400, "InvalidInput", "Missing required fields: url, events")
        }
        guard url.hasPrefix("https://") else {
            return Self.error(400, "InvalidInput", "Webhook url must use https")
        }
        let active = body["active"]?.boolValue ?? true
        if active && !state.withLock({ $0.validationPingSucceeds }) {
            return Self.error(400, "BadRequest", "Test event delivery failed: the endpoint returned 503")
        }
        let id = addWebhook(
            url: url, events: events.compactMap(\.stringValue), active: active, groupID: groupID)
        return Self.success(.object(webhook(id) ?? [:]), message: "Account webhook has been created")
    }

    private func update(_ id: String, _ body: [String: JSONValue]) -> Response {
        guard webhook(id) != nil else { return Self.notFound(id) }
        if body["active"]?.boolValue == true && !state.withLock({ $0.validationPingSucceeds }) {
            return Self.error(400, "BadRequest", "Test event delivery failed: the endpoint returned 503")
        }
        let updated = state.withLock { state -> [String: JSONValue] in
            let index = state.webhooks.firstIndex { $0["id"] == .string(id) }!
            for key in ["url", "events", "active"] {
                if let value = body[key] { state.webhooks[index][key] = value }
            }
            if body["secret"] != nil { state.webhooks[index]["secret"] = .string("******") }
            return state.webhooks[index]
        }
        return Self.success(.object(updated), message: "Webhook has been updated")
    }

    private func webhook(_ id: String) -> [String: JSONValue]? {
        state.withLock { state in state.webhooks.first { $0["id"] == .string(id) } }
    }

    // MARK: - Answers

    private static func success(_ data: JSONValue, message: String? = nil) -> Response {
        var envelope: [String: JSONValue] = ["code": .string("Success"), "data": data]
        if let message { envelope["message"] = .string(message) }
        return json(status: 200, envelope)
    }

    private static func notFound(_ id: String) -> Response {
        error(404, "NotFound_Webhook", "Webhook with id '\(id)' not found")
    }

    private static func error(_ status: Int, _ code: String, _ message: String) -> Response {
        json(status: status, ["code": .string(code), "message": .string(message)])
    }

    private static func json(status: Int, _ object: [String: JSONValue], headers: [String: String] = [:]) -> Response {
        let data = (try? JSONEncoder().encode(JSONValue.object(object))) ?? Data()
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[HTTPField.Name("X-Rate-Limit-Remaining")!] = "19999"
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
