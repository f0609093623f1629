import FivetranNotifyCore
import Foundation
import Synchronization
import Testing

/// The API client over the real CurlTransport against the fake API.
@Suite struct FivetranAPIClientTests {
    /// Records waits instead of sleeping.
    final class SleepRecorder: Sendable {
        private let waits = Mutex<[Duration]>([])
        var recorded: [Duration] { waits.withLock { $0 } }
        var sleep: @Sendable (Duration) async throws -> Void {
            { duration in self.waits.withLock { $0.append(duration) } }
        }
    }

    private func client(
        _ api: FakeFivetranAPI, sleeps: SleepRecorder = SleepRecorder(), secret: String = FakeFivetranAPI.apiSecret,
        timeout: Duration = .seconds(10), trace: (@Sendable (String) -> Void)? = nil
    ) -> FivetranAPIClient {
        FivetranAPIClient(
            baseURL: api.apiURL + "/",
            apiKey: FakeFivetranAPI.apiKey,
            apiSecret: secret,
            transport: CurlTransport(),
            timeout: timeout,
            sleep: sleeps.sleep,
            now: { Date(timeIntervalSince1970: 1_800_000_000) },
            trace: trace)
    }

    @Test func sendsAuthAcceptContentTypeAndUserAgent() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let client = client(api)
            _ = try await client.getWebhook(id: id)
            _ = try await client.updateWebhook(id: id, WebhookUpdateRequest(active: false))
            let requests = api.requests
            #expect(requests.count == 2)
            let basic =
                "Basic " + Data("\(FakeFivetranAPI.apiKey):\(FakeFivetranAPI.apiSecret)".utf8).base64EncodedString()
            #expect(requests.allSatisfy { $0.headers["authorization"] == basic })
            #expect(requests.allSatisfy { $0.headers["accept"] == "application/json" })
            #expect(requests.allSatisfy { $0.headers["user-agent"] == "fivetran-notify/\(FivetranNotify.version)" })
            #expect(requests[0].headers["content-type"] == nil)
            #expect(requests[1].headers["content-type"] == "application/json")
        }
    }

    @Test(arguments: [FakeFivetranAPI.LastPage.missingCursor, .nullCursor, .emptyCursor])
    func listFollowsNextCursorUntilItEnds(lastPage: FakeFivetranAPI.LastPage) async throws {
        try await FakeFivetranAPI.with { api in
            for _ in 0..<7 { api.addWebhook() }
            api.setLastPage(lastPage)
            let listing = try await client(api).listWebhooks(pageSize: 3)
            #expect(listing.webhooks.count == 7)
            #expect(listing.items.count == 7)
            #expect(listing.pages == 3)
            #expect(listing.webhooks.last?.id == "wh_00007")
            #expect(api.requests.map { $0.query["cursor"] } == [nil, "cursor-3", "cursor-6"])
            #expect(api.requests.allSatisfy { $0.path == "/v1/webhooks" && $0.query["limit"] == "3" })
        }
    }

    @Test func aRepeatedCursorStopsTheListInsteadOfLooping() async throws {
        try await FakeFivetranAPI.with { api in
            let page = #"{"code":"Success","data":{"items":[{"id":"wh_x"}],"next_cursor":"same"}}"#
            api.failNext(
                .raw(status: 200, body: page, contentType: "application/json"),
                .raw(status: 200, body: page, contentType: "application/json"))
            let error = await #expect(throws: FivetranAPIError.self) { try await client(api).listWebhooks() }
            #expect(error?.message.contains("same next_cursor twice") == true)
            #expect(api.requests.count == 2)
        }
    }

    @Test func aListWithoutAnItemsArrayIsReported() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(
                .raw(status: 200, body: #"{"code":"Success","data":{"items":"none"}}"#, contentType: "application/json")
            )
            let error = await #expect(throws: FivetranAPIError.self) { try await client(api).listWebhooks() }
            #expect(error?.message.contains("no items array") == true)
            #expect(error?.code == "Success")
        }
    }

    @Test func createSendsTheWholeBodyAndMasksNothingItShouldNot() async throws {
        try await FakeFivetranAPI.with { api in
            let created = try await client(api).createGroupWebhook(
                groupID: "grp_1",
                WebhookCreateRequest(url: "https://h.example.com/", events: ["sync_end"], active: true, secret: "s"))
            #expect(created.value.id == "wh_00001")
            #expect(created.value.groupID == "grp_1")
            #expect(created.value.secret == "******")
            #expect(created.message == "Account webhook has been created")
            #expect(
                api.requests.last?.json == [
                    "url": .string("https://h.example.com/"), "events": .array([.string("sync_end")]),
                    "active": .bool(true), "secret": .string("s"),
                ])
        }
    }

    @Test func updateSendsOnlyTheGivenFields() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let updated = try await client(api).updateWebhook(
                id: id, WebhookUpdateRequest(url: "https://n.example.com/"))
            #expect(updated.value.url == "https://n.example.com/")
            #expect(api.requests.last?.json == ["url": .string("https://n.example.com/")])
        }
    }

    @Test func deleteAndTest() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let client = client(api)
            let tested = try await client.testWebhook(id: id, event: "connection_failure")
            #expect(tested.value == WebhookTestResult(succeed: true, status: 200, message: "Success"))
            #expect(api.requests.last?.path == "/v1/webhooks/\(id)/test")
            let deleted = try await client.deleteWebhook(id: id)
            #expect(deleted.message == "Webhook with id '\(id)' has been deleted")
            #expect(api.requests.last?.method == "DELETE")
        }
    }

    @Test func idsArePercentEncodedInPaths() async throws {
        try await FakeFivetranAPI.with { api in
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api).getWebhook(id: "a b")
            }
            #expect(api.requests.last?.path == "/v1/webhooks/a%20b")
            #expect(error?.status == 404)
        }
    }

    @Test func errorEnvelopeCarriesStatusCodeAndMessage() async throws {
        try await FakeFivetranAPI.with { api in
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api).getWebhook(id: "nope")
            }
            #expect(error?.status == 404)
            #expect(error?.code == "NotFound_Webhook")
            #expect(error?.apiMessage == "Webhook with id 'nope' not found")
            #expect(error?.exitCode == 1)
            #expect(error?.message == "Fivetran API answered 404 NotFound_Webhook: Webhook with id 'nope' not found.")
        }
    }

    @Test(arguments: [401, 403])
    func rejectedCredentialsExit77WithAHint(status: Int) async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.envelope(status: status, code: "Unauthorized", message: "denied"))
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api).listWebhooks()
            }
            #expect(error?.exitCode == 77)
            #expect(error?.isCredentialsError == true)
            #expect(error?.message.contains("FIVETRAN_API_KEY") == true)
            #expect(api.requests.count == 1)
        }
    }

    @Test func wrongSecretIsA401FromTheFake() async throws {
        try await FakeFivetranAPI.with { api in
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api, secret: "wrong").listWebhooks()
            }
            #expect(error?.status == 401)
            #expect(error?.code == "AuthFailed")
        }
    }

    @Test(arguments: [(406, "NotAcceptable"), (415, "UnsupportedMediaType")])
    func otherClientErrorsAreNotRetried(status: Int, code: String) async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.envelope(status: status, code: code, message: "bad headers"))
            let sleeps = SleepRecorder()
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api, sleeps: sleeps).getWebhook(id: "x")
            }
            #expect(error?.status == status)
            #expect(error?.code == code)
            #expect(error?.message.contains("\(status) \(code): bad headers") == true)
            #expect(sleeps.recorded.isEmpty)
            #expect(api.requests.count == 1)
        }
    }

    @Test func nonJSONAnswerShowsStatusAndFirst200Bytes() async throws {
        try await FakeFivetranAPI.with { api in
            let page = "<html>\n<body>" + String(repeating: "x", count: 300) + "END</body></html>"
            api.failNext(.raw(status: 404, body: page))
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api).getWebhook(id: "x")
            }
            let message = error?.message ?? ""
            #expect(message.contains("answered 404"))
            #expect(message.contains("<html> <body>xxx"))
            #expect(!message.contains("END"))
            #expect(error?.code == nil)
        }
    }

    @Test func rateLimitHonoursRetryAfter() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "limit", headers: ["Retry-After": "7"]),
                .envelope(status: 429, code: "TooManyRequests", message: "limit", headers: ["Retry-After": "0"]))
            let sleeps = SleepRecorder()
            let answer = try await client(api, sleeps: sleeps).getWebhook(id: id)
            #expect(answer.value.id == id)
            #expect(sleeps.recorded == [.seconds(7), .seconds(0)])
            #expect(api.requests.count == 3)
        }
    }

    @Test func retryAfterAsAnHTTPDate() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            // 1_800_000_000 is Fri, 15 Jan 2027 08:00:00 GMT; the answer asks for 12 s later.
            api.failNext(
                .envelope(
                    status: 503, code: "Unavailable", message: "later",
                    headers: ["Retry-After": "Fri, 15 Jan 2027 08:00:12 GMT"]))
            let sleeps = SleepRecorder()
            _ = try await client(api, sleeps: sleeps).getWebhook(id: id)
            #expect(sleeps.recorded == [.seconds(12)])
        }
    }

    @Test func serverErrorsBackOffThenGiveUpAfterThreeAttempts() async throws {
        try await FakeFivetranAPI.with { api in
            for _ in 0..<3 { api.failNext(.envelope(status: 500, code: "InternalError", message: "oops")) }
            let sleeps = SleepRecorder()
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api, sleeps: sleeps).listWebhooks()
            }
            #expect(error?.status == 500)
            #expect(error?.message.contains("Gave up after 3 attempts") == true)
            #expect(sleeps.recorded == [.seconds(1), .seconds(2)])
            #expect(api.requests.count == 3)
        }
    }

    @Test func aRetryAfterBeyondTheCapIsNotWaitedOut() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "hourly", headers: ["Retry-After": "3600"]))
            let sleeps = SleepRecorder()
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api, sleeps: sleeps).listWebhooks()
            }
            #expect(error?.message.contains("3600 s") == true)
            #expect(sleeps.recorded.isEmpty)
            #expect(api.requests.count == 1)
        }
    }

    @Test func patchDeleteAndTestAreRetried() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let sleeps = SleepRecorder()
            let client = client(api, sleeps: sleeps)
            api.failNext(.envelope(status: 502, code: "BadGateway", message: "x"))
            _ = try await client.updateWebhook(id: id, WebhookUpdateRequest(active: true))
            api.failNext(.envelope(status: 503, code: "Unavailable", message: "x"))
            _ = try await client.testWebhook(id: id, event: "sync_end")
            api.failNext(.envelope(status: 429, code: "TooManyRequests", message: "x", headers: ["Retry-After": "1"]))
            _ = try await client.deleteWebhook(id: id)
            #expect(api.requests.map(\.method) == ["PATCH", "PATCH", "POST", "POST", "DELETE", "DELETE"])
            #expect(sleeps.recorded == [.seconds(1), .seconds(1), .seconds(1)])
        }
    }

    @Test(arguments: [500, 503, 429])
    func createIsNeverRetried(status: Int) async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.envelope(status: status, code: "Error", message: "x", headers: ["Retry-After": "1"]))
            let sleeps = SleepRecorder()
            await #expect(throws: FivetranAPIError.self) {
                try await client(api, sleeps: sleeps).createAccountWebhook(
                    WebhookCreateRequest(url: "https://h.example.com/", events: ["sync_end"]))
            }
            #expect(api.requests.count == 1)
            #expect(sleeps.recorded.isEmpty)
        }
    }

    @Test func createTimeoutSaysItMayHaveBeenCreated() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.hang)
            let error = await #expect(throws: NotifyError.self) {
                try await client(api, timeout: .seconds(1)).createAccountWebhook(
                    WebhookCreateRequest(url: "https://h.example.com/", events: ["sync_end"]))
            }
            #expect(error?.message.contains("may have created it anyway") == true)
            // Under load the request may reach the fake after the client gave up: it arrives once, never twice.
            #expect(await eventually { api.requests.count == 1 })
            #expect(api.requests.count == 1)
        }
    }

    @Test func connectionFailuresCarryCurlsTextAndAreRetriedForGets() async throws {
        let sleeps = SleepRecorder()
        let client = FivetranAPIClient(
            baseURL: "http://127.0.0.1:1/v1", apiKey: "k", apiSecret: "s",
            transport: CurlTransport(), sleep: sleeps.sleep)
        let error = await #expect(throws: HTTPTransportError.self) { try await client.listWebhooks() }
        #expect(error?.host == "127.0.0.1")
        #expect(error?.reason.isEmpty == false)
        #expect(sleeps.recorded.count == 2)

        let createSleeps = SleepRecorder()
        var creating = client
        creating.sleep = createSleeps.sleep
        // A refused connection sent nothing: the plain network error, no "may have been created".
        await #expect(throws: HTTPTransportError.self) {
            try await creating.createAccountWebhook(WebhookCreateRequest(url: "https://h.example.com/", events: []))
        }
        #expect(createSleeps.recorded.isEmpty)
    }

    @Test func traceRedactsAuthorizationAndSecrets() async throws {
        try await FakeFivetranAPI.with { api in
            let lines = Mutex<[String]>([])
            let client = client(api, trace: { line in lines.withLock { $0.append(line) } })
            _ = try await client.createAccountWebhook(
                WebhookCreateRequest(url: "https://h.example.com/", events: ["sync_end"], secret: "hush-hush"))
            let trace = lines.withLock { $0.joined(separator: "\n") }
            #expect(trace.contains("> POST \(api.apiURL)/webhooks/account"))
            #expect(trace.contains("> Authorization: Basic [redacted]"))
            #expect(trace.contains("\"secret\":\"[redacted]\""))
            #expect(trace.contains("< 200 in"))
            #expect(!trace.contains("hush-hush"))
            #expect(!trace.contains(FakeFivetranAPI.apiSecret))
            #expect(api.requests.last?.json["secret"] == .string("hush-hush"))
        }
    }

    @Test func modelsTolerateUnknownAndMissingFields() throws {
        let json = """
            {"id":"wh_1","type":"group","url":"https://h/","events":["sync_end",null],"active":false,
             "secret":"******","group_id":"g","created_at":"2024-01-01T00:00:00Z","created_by":"u",
             "brand_new":{"nested":[1,2]}}
            """
        let full = try JSONDecoder().decode(Webhook.self, from: Data(json.utf8))
        #expect(
            full
                == Webhook(
                    id: "wh_1", type: "group", url: "https://h/", events: ["sync_end"], active: false, secret: "******",
                    groupID: "g", createdAt: "2024-01-01T00:00:00Z", createdBy: "u"))
        let sparse = try JSONDecoder().decode(Webhook.self, from: Data(#"{"id":"wh_2","active":"yes"}"#.utf8))
        #expect(sparse == Webhook(id: "wh_2"))
        let test = try JSONDecoder().decode(WebhookTestResult.self, from: Data(#"{"succeed":true}"#.utf8))
        #expect(test == WebhookTestResult(succeed: true, status: 0))
    }

    @Test func updateRequestEncodesOnlySetFields() throws {
        let data = try JSONEncoder().encode(WebhookUpdateRequest(events: ["sync_end"]))
        #expect(String(decoding: data, as: UTF8.self) == #"{"events":["sync_end"]}"#)
        #expect(WebhookUpdateRequest().isEmpty)
    }

    @Test func jsonOutputIsSortedIndentedAndRoundTrips() throws {
        let value = JSONValue.object([
            "b": .array([.number(1), .number(2.5), .bool(true), .null]),
            "a": .string("quote\" slash/ tab\t nl\n bell\u{07} é"),
            "c": .object([:]),
            "d": .array([]),
        ])
        let text = JSONOutput.render(value)
        #expect(
            text == """
                {
                  "a": "quote\\" slash/ tab\\t nl\\n bell\\u0007 é",
                  "b": [
                    1,
                    2.5,
                    true,
                    null
                  ],
                  "c": {},
                  "d": []
                }
                """)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value)
    }

    @Test func eventParsing() {
        #expect(WebhookEvents.parse(["a,b", " c ,", "a"]) == ["a", "b", "c"])
        #expect(WebhookEvents.unknown(in: ["sync_end", "nope"]) == ["nope"])
    }
}
