import Foundation

/// How often and how long to retry answers that say "try again" (429 and 5xx).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included.
    public var maxAttempts: Int
    /// The longest wait between attempts; a `Retry-After` longer than this is not waited out.
    public var maxWait: Duration
    /// The first wait when the answer has no `Retry-After`; doubled for each later attempt.
    public var baseDelay: Duration

    public init(maxAttempts: Int = 3, maxWait: Duration = .seconds(30), baseDelay: Duration = .seconds(1)) {
        self.maxAttempts = maxAttempts
        self.maxWait = maxWait
        self.baseDelay = baseDelay
    }
}

/// A client for Fivetran's webhook endpoints (`/webhooks…`) over an `HTTPTransport`.
///
/// Every call sends HTTP Basic auth, `Accept: application/json` and (with a body) `Content-Type:
/// application/json`. 429 and 5xx answers to GET, PATCH, DELETE and test are retried, honouring
/// `Retry-After`; a create is never retried after a timeout or 5xx, since Fivetran may have made the
/// webhook already.
public struct FivetranAPIClient: Sendable {
    public var baseURL: String
    /// The API key and secret, sent as HTTP Basic auth. Never logged: traces show `Basic [redacted]`.
    public var apiKey: String
    public var apiSecret: String
    public var transport: any HTTPTransport
    public var retryPolicy: RetryPolicy
    /// How long one request may take.
    public var timeout: Duration
    /// Waits between retries; `CommandContext.sleep` in commands.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The clock, for `Retry-After` given as an HTTP date.
    public var now: @Sendable () -> Date
    /// Receives a trace of each exchange (`--verbose`), with the Authorization header redacted and
    /// secrets in bodies masked. Nil for no trace.
    public var trace: (@Sendable (String) -> Void)?
    /// Receives one line when a request is retried.
    public var notice: @Sendable (String) -> Void

    public init(
        baseURL: String,
        apiKey: String,
        apiSecret: String,
        transport: any HTTPTransport,
        retryPolicy: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(30),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() },
        trace: (@Sendable (String) -> Void)? = nil,
        notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.timeout = timeout
        self.sleep = sleep
        self.now = now
        self.trace = trace
        self.notice = notice
    }

    // MARK: - Endpoints

    /// Every webhook, following `next_cursor` until it is missing, null or empty.
    /// - Parameter pageSize: Fivetran's `limit` (1…1000) per request; nil for its default (100).
    public func listWebhooks(pageSize: Int? = 1000) async throws -> WebhookListing {
        var items: [JSONValue] = []
        var cursor: String? = nil
        var seenCursors = Set<String>()
        var pages = 0
        repeat {
            var query: [(String, String)] = []
            if let cursor { query.append(("cursor", cursor)) }
            if let pageSize { query.append(("limit", String(pageSize))) }
            let answer = try await send(Call(method: "GET", path: "/webhooks", query: query))
            // Read straight from the parsed envelope: decoding thousands of items a second time
            // through Codable would double the cost of a large list.
            let data = answer.data ?? .null
            guard data.objectValue != nil else { throw Self.unreadableList(answer) }
            let pageItems: [JSONValue]
            switch data["items"] {
            case .array(let array)?: pageItems = array
            case nil, .null?: pageItems = []
            default: throw Self.unreadableList(answer)
            }
            pages += 1
            items += pageItems
            cursor = data["next_cursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let next = cursor, !seenCursors.insert(next).inserted {
                throw FivetranAPIError(
                    status: answer.status, code: nil, apiMessage: nil,
                    message: "Fivetran API returned the same next_cursor twice while listing webhooks; "
                        + "stopped after \(pages) pages instead of looping forever.",
                    exitCode: ExitStatus.failure)
            }
        } while cursor != nil
        return WebhookListing(items: items, pages: pages)
    }

    private static func unreadableList(_ answer: Answer) -> FivetranAPIError {
        FivetranAPIError(
            status: answer.status, code: answer.envelope["code"]?.stringValue, apiMessage: answer.message,
            message: "Fivetran API answered \(answer.status) to the webhook list with data this tool does not "
                + "understand (no items array). Check --api-url (or FIVETRAN_API_URL).",
            exitCode: ExitStatus.failure)
    }

    /// `POST /webhooks/account`. Never retried.
    public func createAccountWebhook(_ request: WebhookCreateRequest) async throws -> APIResponse<Webhook> {
        try await create(path: "/webhooks/account", request)
    }

    /// `POST /webhooks/group/{groupId}`. Never retried.
    public func createGroupWebhook(groupID: String, _ request: WebhookCreateRequest) async throws
        -> APIResponse<Webhook>
    {
        try await create(path: "/webhooks/group/\(URLComponent.encoded(groupID))", request)
    }

    /// `GET /webhooks/{id}`.
    public func getWebhook(id: String) async throws -> APIResponse<Webhook> {
        let answer = try await send(Call(method: "GET", path: "/webhooks/\(URLComponent.encoded(id))"))
        return try answer.response(Webhook.self)
    }

    /// `PATCH /webhooks/{id}` with only the fields set in `changes`.
    public func updateWebhook(id: String, _ changes: WebhookUpdateRequest) async throws -> APIResponse<Webhook> {
        var masked = changes
        if masked.secret != nil { masked.secret = "[redacted]" }
        let call = Call(
            method: "PATCH", path: "/webhooks/\(URLComponent.encoded(id))",
            body: try Self.encode(changes), tracedBody: try? Self.encode(masked))
        do {
            return try await send(call).response(Webhook.self)
        } catch let error as FivetranAPIError where error.status == 400 && !Self.isHTTPS(changes.url) {
            throw error.adding(hint: "Fivetran accepts only https:// webhook URLs.")
        } catch let error as FivetranAPIError where error.status == 400 && changes.active == true {
            throw error.adding(hint: Self.validationPingHint(url: changes.url))
        }
    }

    /// `DELETE /webhooks/{id}`. Returns the API's message (and the whole answer, which has no `data`).
    public func deleteWebhook(id: String) async throws -> APIResponse<String?> {
        let answer = try await send(Call(method: "DELETE", path: "/webhooks/\(URLComponent.encoded(id))"))
        return APIResponse(value: answer.message, data: answer.data ?? answer.envelope, message: answer.message)
    }

    /// `POST /webhooks/{id}/test`: Fivetran sends a dummy `event` to the webhook's URL and reports
    /// what the receiver answered. Retried like a GET: it creates nothing.
    public func testWebhook(id: String, event: String) async throws -> APIResponse<WebhookTestResult> {
        let body = try Self.encode(["event": event])
        let answer = try await send(
            Call(method: "POST", path: "/webhooks/\(URLComponent.encoded(id))/test", body: body, tracedBody: body))
        return try answer.response(WebhookTestResult.self)
    }

    // MARK: - Create

    private func create(path: String, _ request: WebhookCreateRequest) async throws -> APIResponse<Webhook> {
        var masked = request
        if masked.secret != nil { masked.secret = "[redacted]" }
        let call = Call(
            method: "POST", path: path, body: try Self.encode(request), tracedBody: try? Self.encode(masked),
            retryable: false)
        do {
            return try await send(call).response(Webhook.self)
        } catch let error as FivetranAPIError where error.status == 400 && !Self.isHTTPS(request.url) {
            throw error.adding(hint: "Fivetran accepts only https:// webhook URLs.")
        } catch let error as FivetranAPIError where error.status == 400 && request.active {
            throw error.adding(hint: Self.validationPingHint(url: request.url))
        } catch let error as FivetranAPIError where error.status >= 500 {
            throw error.adding(
                hint: "Fivetran may have created the webhook anyway: run `fivetran-notify webhook list` "
                    + "before trying again, so that you do not end up with two.")
        } catch let error as HTTPTransportError where Self.mayHaveBeenSent(error) {
            throw NotifyError(
                "The request to create the webhook got no answer (\(error.description)). "
                    + "Fivetran may have created it anyway: run `fivetran-notify webhook list` before trying "
                    + "again, so that you do not end up with two.")
        }
    }

    /// True for an https URL or none at all.
    static func isHTTPS(_ url: String?) -> Bool {
        guard let url else { return true }
        return URLComponents(string: url)?.scheme?.lowercased() == "https"
    }

    /// Fivetran checks a new active webhook by POSTing a test payload to its URL and refuses the
    /// webhook (400) unless the URL answers 2xx.
    static func validationPingHint(url: String?) -> String {
        let target = url.map { " (\($0))" } ?? ""
        return "When a webhook is created or activated, Fivetran immediately POSTs a test event to its URL"
            + "\(target) and refuses the webhook unless the URL answers 2xx. Start `fivetran-notify listen` "
            + "behind that URL first, or create the webhook with --inactive and activate it later with "
            + "`fivetran-notify webhook update ID --active`."
    }

    /// Whether a request without an answer may still have reached Fivetran (a timeout or a connection
    /// lost mid-exchange), as opposed to one that never left (DNS, refused connection).
    static func mayHaveBeenSent(_ error: HTTPTransportError) -> Bool {
        if error.isTimeout { return true }
        let reason = error.reason.lowercased()
        let neverSent = [
            "could not resolve", "couldn't resolve", "failed to connect", "couldn't connect", "could not connect",
            "connection refused",
        ]
        return !neverSent.contains { reason.contains($0) }
    }

    // MARK: - Exchange

    /// One call: what to send and whether it may be retried.
    struct Call {
        var method: String
        var path: String
        var query: [(String, String)] = []
        var body: Data? = nil
        /// The body as the trace shows it (secrets masked).
        var tracedBody: Data? = nil
        /// False for creates: a retry after a lost answer could make a second webhook.
        var retryable = true
        /// The `Accept` header: the connection endpoints take `application/json;version=2`.
        var accept = "application/json"
    }

    /// A successful answer: its status and its JSON envelope.
    struct Answer {
        var status: Int
        var body: Data
        var envelope: JSONValue
        var data: JSONValue? { envelope["data"].flatMap { $0 == .null ? nil : $0 } }
        var message: String? { envelope["message"]?.stringValue }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                let envelope = try JSONDecoder().decode(DataEnvelope<T>.self, from: body)
                guard let data = envelope.data else { throw EnvelopeError.missingData }
                return data
            } catch {
                throw FivetranAPIError(
                    status: status, code: envelope["code"]?.stringValue, apiMessage: message,
                    message: "Fivetran API answered \(status) with data this tool does not understand "
                        + "(\(Self.describe(error))). Check --api-url (or FIVETRAN_API_URL).",
                    exitCode: ExitStatus.failure)
            }
        }

        func response<T: Decodable & Sendable>(_ type: T.Type) throws -> APIResponse<T> {
            APIResponse(value: try decode(type), data: data, message: message)
        }

        private static func describe(_ error: any Error) -> String {
            switch error {
            case EnvelopeError.missingData: return "no data object"
            case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
                DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
            default: return String(describing: error)
            }
        }
    }

    private enum EnvelopeError: Error { case missingData }

    private struct DataEnvelope<T: Decodable>: Decodable {
        var data: T?
    }

    /// Sends a call, retrying 429 and 5xx (and lost answers) when the call allows it, and turns any
    /// non-2xx answer into a `FivetranAPIError`.
    func send(_ call: Call) async throws -> Answer {
        let request = makeRequest(call)
        var attempt = 1
        while true {
            traceRequest(request, body: call.tracedBody)
            let started = ContinuousClock.now
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch let error as HTTPTransportError {
                trace?("< no answer: \(error.description)")
                guard call.retryable, attempt < retryPolicy.maxAttempts else { throw error }
                let wait = backoff(attempt: attempt)
                notice(
                    "No answer from \(error.host) (\(error.reason)); retrying in \(Self.format(wait)) "
                        + "(attempt \(attempt + 1) of \(retryPolicy.maxAttempts)).")
                try await sleep(wait)
                attempt += 1
                continue
            }
            traceResponse(response, elapsed: ContinuousClock.now - started)
            if response.isSuccess {
                return try Self.answer(response)
            }
            let error = Self.error(for: response)
            let retryStatus = response.status == 429 || (500...599).contains(response.status)
            guard call.retryable, retryStatus else { throw error }
            let requested = response.retryAfter(now: now())
            if let requested, requested > retryPolicy.maxWait {
                throw error.adding(
                    hint: "Fivetran asks to wait \(Self.format(requested)) before trying again (Retry-After); "
                        + "try again later.")
            }
            guard attempt < retryPolicy.maxAttempts else {
                throw error.adding(hint: "Gave up after \(attempt) attempts; try again later.")
            }
            let wait = requested ?? backoff(attempt: attempt)
            notice(
                "Fivetran API answered \(response.status); retrying in \(Self.format(wait)) "
                    + "(attempt \(attempt + 1) of \(retryPolicy.maxAttempts)).")
            try await sleep(wait)
            attempt += 1
        }
    }

    private func makeRequest(_ call: Call) -> HTTPRequest {
        var url = baseURL + call.path
        if !call.query.isEmpty {
            url +=
                "?"
                + call.query.map { "\(URLComponent.encoded($0.0))=\(URLComponent.encoded($0.1))" }
                .joined(separator: "&")
        }
        var headers: [(name: String, value: String)] = [
            ("Authorization", authorizationHeader),
            ("Accept", call.accept),
        ]
        if call.body != nil || call.method == "POST" || call.method == "PATCH" {
            headers.append(("Content-Type", "application/json"))
        }
        return HTTPRequest(
            method: call.method, url: url, headers: headers, body: call.body, timeout: timeout)
    }

    /// `Basic base64(key:secret)`.
    private var authorizationHeader: String {
        "Basic " + Data("\(apiKey):\(apiSecret)".utf8).base64EncodedString()
    }

    /// The wait before attempt `attempt + 1` when the server did not say: base, 2×base, 4×base…, capped.
    private func backoff(attempt: Int) -> Duration {
        Backoff(base: retryPolicy.baseDelay, maximum: retryPolicy.maxWait).delay(attempt: attempt, random: 1)
    }

    private static func answer(_ response: HTTPResponse) throws -> Answer {
        // A 204 (or any 2xx without a body) is a success with nothing to say.
        if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return Answer(status: response.status, body: response.body, envelope: .object([:]))
        }
        guard let envelope = parseObject(response.body) else {
            throw FivetranAPIError.notJSON(status: response.status, body: response.body)
        }
        return Answer(status: response.status, body: response.body, envelope: envelope)
    }

    static func error(for response: HTTPResponse) -> FivetranAPIError {
        guard let envelope = parseObject(response.body) else {
            return FivetranAPIError.notJSON(status: response.status, body: response.body)
        }
        return FivetranAPIError.fromEnvelope(
            status: response.status, code: envelope["code"]?.displayText,
            apiMessage: envelope["message"]?.displayText ?? envelope["error"]?.displayText)
    }

    /// The body as a JSON object, or nil when it is not one.
    private static func parseObject(_ body: Data) -> JSONValue? {
        guard !body.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: body, options: []),
            object is [String: Any]
        else { return nil }
        return JSONValue(jsonObject: object)
    }

    // MARK: - Trace

    private func traceRequest(_ request: HTTPRequest, body: Data?) {
        guard let trace else { return }
        trace("> \(request.method) \(request.url)")
        for header in request.headers {
            let value = header.name.lowercased() == "authorization" ? "Basic [redacted]" : header.value
            trace("> \(header.name): \(value)")
        }
        if let body {
            trace("> \(String(decoding: body, as: UTF8.self))")
        }
    }

    private func traceResponse(_ response: HTTPResponse, elapsed: Duration) {
        guard let trace else { return }
        var line = "< \(response.status) in \(elapsed.milliseconds) ms, \(response.body.count) bytes"
        if let remaining = response.header("X-Rate-Limit-Remaining") {
            line += ", X-Rate-Limit-Remaining: \(remaining)"
        }
        trace(line)
    }

    // MARK: - Encoding

    private static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return String(format: "%.1f s", Double(milliseconds) / 1000)
    }
}
