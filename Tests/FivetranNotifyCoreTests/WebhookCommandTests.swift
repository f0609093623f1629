import FivetranNotifyCore
import Foundation
import Testing

@testable import fivetran_notify

/// The `webhook` commands end to end: real parser, real CurlTransport, fake Fivetran API.
@Suite struct WebhookCommandTests {
    // MARK: - create

    @Test func createAccountUsesStoredKeyAndDefaultEvents() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["keygen"]) == 0)
            let key = try #require(try KeyStore(paths: cli.paths).currentKey())

            let status = await cli.run(["webhook", "create", "--account", "--url", "https://hooks.example.com/ft"])

            #expect(status == 0)
            let request = try #require(api.requests.last)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/webhooks/account")
            #expect(request.json["secret"] == .string(key))
            #expect(request.json["url"] == .string("https://hooks.example.com/ft"))
            #expect(request.json["active"] == .bool(true))
            #expect(
                request.json["events"]
                    == .array(["sync_end", "dbt_run_failed", "connection_failure"].map { .string($0) }))
            #expect(cli.output.stdout.contains("Created account webhook wh_00001"))
            #expect(cli.output.stdout.contains("the stored signing key"))
            #expect(!cli.output.stdout.contains(key))
            #expect(!cli.output.stderr.contains(key))
        }
    }

    @Test func createGroupPostsToTheGroupPath() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--group", "grp_warm", "--url", "https://h.example.com/", "--no-secret",
            ])
            #expect(status == 0)
            let request = try #require(api.requests.last)
            #expect(request.path == "/v1/webhooks/group/grp_warm")
            #expect(request.json["secret"] == nil)
            #expect(cli.output.stdout.contains("group webhook for group grp_warm"))
            #expect(cli.output.stdout.contains("not signed"))
        }
    }

    @Test func createJSONPrintsOnlyTheDataObject() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--secret", "s3cret-value",
                "--json",
            ])
            #expect(status == 0)
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(cli.output.stdout.utf8))
            #expect(object["id"] == .string("wh_00001"))
            #expect(object["secret"] == .string("******"))
            #expect(cli.output.stderr.isEmpty)
            #expect(api.requests.last?.json["secret"] == .string("s3cret-value"))
        }
    }

    @Test func eventsRepeatAndTakeCommaListsAndUnknownOnesOnlyWarn() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret",
                "--event", "sync_end,dbt_run_failed", "--event", "sync_ends", "--event", "sync_end",
            ])
            #expect(status == 0)
            #expect(
                api.requests.last?.json["events"]
                    == .array(["sync_end", "dbt_run_failed", "sync_ends"].map { .string($0) }))
            #expect(cli.output.stderr.contains("warning: \"sync_ends\" is not an event Fivetran is known to send"))
        }
    }

    @Test func createInactiveSendsActiveFalse() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            #expect(
                await cli.run([
                    "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret", "--inactive",
                ]) == 0)
            #expect(api.requests.last?.json["active"] == .bool(false))
            #expect(cli.output.stdout.contains("INACTIVE"))
            #expect(cli.output.stdout.contains("webhook update wh_00001 --active"))
        }
    }

    @Test func createWithoutStoredKeySaysToRunKeygen() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            let status = await cli.run(["webhook", "create", "--account", "--url", "https://h.example.com/"])
            #expect(status == 1)
            #expect(cli.output.stderr.contains("keygen"))
            #expect(cli.output.stderr.contains("--no-secret"))
            #expect(api.requests.isEmpty)
        }
    }

    @Test(arguments: [
        ["webhook", "create", "--group", "grp with space", "--url", "https://h.example.com/"],
        ["webhook", "create", "--url", "https://h.example.com/"],
        ["webhook", "create", "--account", "--group", "g", "--url", "https://h.example.com/"],
        ["webhook", "create", "--account", "--url", "not a url"],
        ["webhook", "create", "--account", "--url", "https://h.example.com/", "--secret", "a", "--no-secret"],
        ["webhook", "create", "--account", "--url", "https://h.example.com/", "--event", ","],
        ["webhook", "get", "wh 1"],
        ["webhook", "update", "wh_1"],
        ["webhook", "list", "--page-size", "0"],
        ["keygen", "--rotate", "--drop-previous"],
    ])
    func usageErrorsExit64(arguments: [String]) async {
        let cli = CommandHarness()
        #expect(await cli.run(arguments) == 64)
        #expect(!cli.output.stderr.isEmpty)
    }

    @Test func groupIDWithSpacesIsAUsageError() async {
        let cli = CommandHarness()
        let status = await cli.run(["webhook", "create", "--group", "my group", "--url", "https://h.example.com/"])
        #expect(status == 64)
        #expect(cli.output.stderr.contains("contains spaces"))
    }

    @Test func httpURLIsRefusedUnlessForced() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            let refused = await cli.run([
                "webhook", "create", "--account", "--url", "http://h.example.com/", "--no-secret",
            ])
            #expect(refused == 64)
            #expect(cli.output.stderr.contains("Fivetran accepts only https://"))
            #expect(api.requests.isEmpty)

            let forced = CommandHarness(api: api)
            let status = await forced.run([
                "webhook", "create", "--account", "--url", "http://h.example.com/", "--no-secret", "--force",
            ])
            #expect(status == 1)
            #expect(forced.output.stderr.contains("warning: Fivetran accepts only https://"))
            #expect(forced.output.stderr.contains("400 InvalidInput: Webhook url must use https"))
            #expect(!forced.output.stderr.contains("fivetran-notify listen"))
            #expect(api.requests.count == 1)
        }
    }

    @Test func failedValidationPingIsExplained() async throws {
        try await FakeFivetranAPI.with { api in
            api.setValidationPingSucceeds(false)
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret",
            ])
            #expect(status == 1)
            #expect(cli.output.stderr.contains("400 BadRequest: Test event delivery failed"))
            #expect(cli.output.stderr.contains("fivetran-notify listen"))
            #expect(cli.output.stderr.contains("--inactive"))
        }
    }

    @Test func createIsNotRetriedAfterA500() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.envelope(status: 500, code: "InternalError", message: "boom"))
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret",
            ])
            #expect(status == 1)
            #expect(api.requests.count == 1)
            #expect(cli.sleeps.isEmpty)
            #expect(cli.output.stderr.contains("webhook list"))
        }
    }

    @Test func createIsNotRetriedAfterATimeout() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.hang)
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret", "--timeout", "1",
            ])
            #expect(status == 1)
            // Under load the request may reach the fake after the client gave up: it arrives once, never twice.
            #expect(await eventually { api.requests.count == 1 })
            #expect(api.requests.count == 1)
            #expect(cli.output.stderr.contains("may have created it anyway"))
            #expect(cli.output.stderr.contains("webhook list"))
        }
    }

    @Test func runTestsReportsEachEvent() async throws {
        try await FakeFivetranAPI.with { api in
            api.setTestResult(event: "dbt_run_failed", succeed: false, status: 500, message: "Internal Server Error")
            let cli = CommandHarness(api: api)
            let status = await cli.run([
                "webhook", "create", "--account", "--url", "https://h.example.com/", "--no-secret", "--run-tests",
                "--event", "sync_end,dbt_run_failed",
            ])
            #expect(status == 1)
            let tests = api.requests.filter { $0.path.hasSuffix("/test") }
            #expect(tests.map { $0.json["event"] } == [.string("sync_end"), .string("dbt_run_failed")])
            #expect(cli.output.stdout.contains("test sync_end: ok (the receiver answered 200"))
            #expect(cli.output.stderr.contains("test dbt_run_failed: FAILED (the receiver answered 500"))
            #expect(cli.output.stderr.contains("1 of 2 test deliveries failed"))
        }
    }

    // MARK: - list

    @Test func listShowsATableWithInactiveWebhooksMarked() async throws {
        try await FakeFivetranAPI.with { api in
            api.addWebhook(url: "https://a.example.com/", events: ["sync_end"])
            api.addWebhook(
                url: "https://b.example.com/", events: ["sync_end", "dbt_run_failed"], active: false, groupID: "grp_1")
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "list"]) == 0)
            let lines = cli.output.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("ID") == true)
            let inactive = try #require(lines.first { $0.contains("wh_00002") })
            #expect(inactive.contains("INACTIVE"))
            #expect(inactive.contains("grp_1"))
            let active = try #require(lines.first { $0.contains("wh_00001") })
            #expect(!active.contains("INACTIVE"))
            #expect(cli.output.stdout.contains("Fivetran deactivates a webhook whose deliveries keep failing"))
            #expect(cli.output.stdout.contains("webhook update wh_00002 --active"))
        }
    }

    @Test func listJSONIsOneArrayAcrossAllPages() async throws {
        try await FakeFivetranAPI.with { api in
            for index in 0..<5 {
                api.addWebhook(url: "https://h\(index).example.com/", extra: ["future_field": .string("kept")])
            }
            api.setLastPage(.nullCursor)
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "list", "--json", "--page-size", "2"]) == 0)
            let array = try #require(
                try JSONDecoder().decode(JSONValue.self, from: Data(cli.output.stdout.utf8)).arrayValue)
            #expect(array.count == 5)
            #expect(array.map { $0["id"]?.stringValue } == (1...5).map { String(format: "wh_%05d", $0) })
            #expect(array.allSatisfy { $0["future_field"] == .string("kept") })
            #expect(api.requests.map { $0.query["cursor"] } == [nil, "cursor-2", "cursor-4"])
            #expect(api.requests.allSatisfy { $0.query["limit"] == "2" })
            #expect(cli.output.stderr.isEmpty)
        }
    }

    @Test func listWithNoWebhooksSaysHowToCreateOne() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "list"]) == 0)
            #expect(cli.output.stdout.contains("No webhooks"))
        }
    }

    // MARK: - get

    @Test func getShowsOneWebhookAndJSONIsTheDataObject() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook(active: false, groupID: "grp_9")
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "get", id]) == 0)
            #expect(cli.output.stdout.contains("ID:"))
            #expect(cli.output.stdout.contains(id))
            #expect(cli.output.stdout.contains("INACTIVE"))
            #expect(cli.output.stdout.contains("group grp_9"))

            let json = CommandHarness(api: api)
            #expect(await json.run(["webhook", "get", id, "--json"]) == 0)
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(json.output.stdout.utf8))
            #expect(object["group_id"] == .string("grp_9"))
            #expect(object["active"] == .bool(false))
        }
    }

    @Test func notFoundPrintsCodeAndMessage() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "get", "wh_missing", "--json"]) == 1)
            #expect(cli.output.stderr.contains("404 NotFound_Webhook: Webhook with id 'wh_missing' not found"))
            #expect(cli.output.stdout.isEmpty)
        }
    }

    // MARK: - update

    @Test func updateSendsOnlyTheGivenFields() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook(active: false)
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "update", id, "--active"]) == 0)
            let request = try #require(api.requests.last)
            #expect(request.method == "PATCH")
            #expect(request.path == "/v1/webhooks/\(id)")
            #expect(request.json == ["active": .bool(true)])
            #expect(cli.output.stdout.contains("Updated webhook \(id) (active)"))

            #expect(
                await cli.run([
                    "webhook", "update", id, "--inactive", "--event", "sync_start,sync_end", "--url",
                    "https://n.example.com/",
                ]) == 0)
            #expect(
                api.requests.last?.json == [
                    "active": .bool(false), "events": .array([.string("sync_start"), .string("sync_end")]),
                    "url": .string("https://n.example.com/"),
                ])
        }
    }

    @Test func updateWithStoredKeySendsTheCurrentKey() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["keygen"]) == 0)
            #expect(await cli.run(["keygen", "--rotate"]) == 0)
            let key = try #require(try KeyStore(paths: cli.paths).currentKey())
            #expect(await cli.run(["webhook", "update", id, "--use-stored-key"]) == 0)
            #expect(api.requests.last?.json == ["secret": .string(key)])
            #expect(!cli.output.stdout.contains(key))
        }
    }

    @Test func activatingAWebhookWhoseURLFailsTheCheckIsExplained() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook(active: false)
            api.setValidationPingSucceeds(false)
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "update", id, "--active"]) == 1)
            #expect(cli.output.stderr.contains("fivetran-notify listen"))
        }
    }

    @Test func bothActiveAndInactiveIsAUsageError() async {
        let cli = CommandHarness()
        #expect(await cli.run(["webhook", "update", "wh_1", "--active", "--inactive"]) == 64)
    }

    // MARK: - delete

    @Test func deleteWithoutTerminalNeedsYes() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "delete", id]) == 64)
            #expect(cli.output.stderr.contains("--yes"))
            #expect(api.requests.isEmpty)

            #expect(await cli.run(["webhook", "delete", id, "--yes"]) == 0)
            #expect(api.requests.last?.method == "DELETE")
            #expect(api.webhooks.isEmpty)
            #expect(cli.output.stdout.contains("Deleted webhook \(id)"))
        }
    }

    @Test func deleteAsksOnATerminal() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook(url: "https://shown.example.com/")
            let declined = CommandHarness(api: api)
            declined.typeAnswers("n")
            #expect(await declined.run(["webhook", "delete", id]) == 1)
            #expect(declined.output.stderr.contains("Delete webhook \(id) (https://shown.example.com/)?"))
            #expect(!api.requests.contains { $0.method == "DELETE" })
            #expect(api.webhooks.count == 1)

            let confirmed = CommandHarness(api: api)
            confirmed.typeAnswers("yes")
            #expect(await confirmed.run(["webhook", "delete", id]) == 0)
            #expect(api.requests.last?.method == "DELETE")
            #expect(api.webhooks.isEmpty)
        }
    }

    @Test func deleteJSONPrintsTheAnswer() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "delete", id, "--yes", "--json"]) == 0)
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(cli.output.stdout.utf8))
            #expect(object["message"]?.stringValue?.contains("has been deleted") == true)
        }
    }

    // MARK: - test

    @Test func testSucceedsOnlyWhenFivetranSaysSo() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "test", id]) == 0)
            #expect(api.requests.last?.json == ["event": .string("sync_end")])
            #expect(cli.output.stdout.contains("test sync_end: ok"))

            api.setTestResult(event: "dbt_run_failed", succeed: false, status: 404, message: "Not Found")
            let failing = CommandHarness(api: api)
            #expect(await failing.run(["webhook", "test", id, "--event", "dbt_run_failed", "--json"]) == 1)
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(failing.output.stdout.utf8))
            #expect(object["succeed"] == .bool(false))
            #expect(failing.output.stderr.contains("did not succeed"))
            #expect(failing.output.stderr.contains("404"))
        }
    }

    // MARK: - Credentials, retries, errors

    @Test func missingCredentialsExit77NamingAllThreeWays() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["webhook", "list"]) == 77)
        let message = cli.output.stderr
        for way in [
            "--api-key", "--api-secret", "FIVETRAN_API_KEY", "FIVETRAN_API_SECRET", "api_key", "api_secret",
            "config.toml",
        ] {
            #expect(message.contains(way), "missing \(way)")
        }
    }

    @Test func rejectedCredentialsExit77() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "list", "--api-secret", "wrong"]) == 77)
            #expect(cli.output.stderr.contains("401 AuthFailed"))
            #expect(cli.output.stderr.contains("--api-key"))

            api.failNext(.envelope(status: 403, code: "Forbidden", message: "No permission"))
            let forbidden = CommandHarness(api: api)
            #expect(await forbidden.run(["webhook", "list"]) == 77)
            #expect(forbidden.output.stderr.contains("403 Forbidden: No permission"))
        }
    }

    @Test func credentialsComeFromConfigFile() async throws {
        try await FakeFivetranAPI.with { api in
            let cli = CommandHarness()
            try cli.writeConfig(
                """
                api_key = "\(FakeFivetranAPI.apiKey)"
                api_secret = "\(FakeFivetranAPI.apiSecret)"
                api_url = "\(api.apiURL)"
                """)
            #expect(await cli.run(["webhook", "list"]) == 0)
            #expect(api.requests.count == 1)
        }
    }

    @Test func looseConfigFileIsRefused() async throws {
        let cli = CommandHarness()
        try cli.writeConfig("api_key = \"k\"\napi_secret = \"s\"\n", mode: 0o644)
        #expect(await cli.run(["webhook", "list"]) == 77)
        #expect(cli.output.stderr.contains("chmod 600"))
    }

    @Test func rateLimitIsRetriedHonouringRetryAfter() async throws {
        try await FakeFivetranAPI.with { api in
            api.addWebhook()
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "slow down", headers: ["Retry-After": "2"]))
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "list", "--json"]) == 0)
            #expect(cli.sleeps == [.seconds(2)])
            #expect(api.requests.count == 2)
            #expect(cli.output.stderr.contains("retrying in 2 s"))
            let array = try JSONDecoder().decode(JSONValue.self, from: Data(cli.output.stdout.utf8)).arrayValue
            #expect(array?.count == 1)
        }
    }

    @Test func nonJSONAnswerShowsStatusAndStart() async throws {
        try await FakeFivetranAPI.with { api in
            api.failNext(.raw(status: 502, body: "<html>Bad Gateway</html>"))
            api.failNext(.raw(status: 502, body: "<html>Bad Gateway</html>"))
            api.failNext(.raw(status: 502, body: "<html>Bad Gateway</html>"))
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "get", "wh_1"]) == 1)
            #expect(cli.output.stderr.contains("502"))
            #expect(cli.output.stderr.contains("<html>Bad Gateway</html>"))
            #expect(cli.sleeps == [.seconds(1), .seconds(2)])
        }
    }

    @Test func networkFailureCarriesCurlsText() async throws {
        let cli = CommandHarness()
        cli.environment["FIVETRAN_API_KEY"] = "k"
        cli.environment["FIVETRAN_API_SECRET"] = "s"
        cli.environment["FIVETRAN_API_URL"] = "http://127.0.0.1:1/v1"
        #expect(await cli.run(["webhook", "get", "wh_1"]) == 1)
        #expect(cli.output.stderr.contains("could not reach 127.0.0.1"))
        #expect(cli.output.stderr.lowercased().contains("connect"))
    }

    @Test func verboseTraceRedactsSecrets() async throws {
        try await FakeFivetranAPI.with { api in
            let id = api.addWebhook()
            let cli = CommandHarness(api: api)
            #expect(await cli.run(["webhook", "update", id, "--secret", "very-secret-value", "--verbose"]) == 0)
            let trace = cli.output.stderr
            #expect(trace.contains("> PATCH \(api.apiURL)/webhooks/\(id)"))
            #expect(trace.contains("Authorization: Basic [redacted]"))
            #expect(trace.contains("[redacted]"))
            #expect(trace.contains("< 200"))
            #expect(!trace.contains("very-secret-value"))
            #expect(!trace.contains(FakeFivetranAPI.apiSecret))
            let basic = Data("\(FakeFivetranAPI.apiKey):\(FakeFivetranAPI.apiSecret)".utf8).base64EncodedString()
            #expect(!trace.contains(basic))
        }
    }

    @Test func helpNamesTheEnvironmentVariables() {
        let help = FivetranNotifyCommand.helpMessage(for: FivetranNotifyCommand.Webhook.List.self)
        #expect(help.contains("FIVETRAN_API_KEY"))
        #expect(help.contains("FIVETRAN_API_SECRET"))
        #expect(help.contains("FIVETRAN_API_URL"))
        #expect(help.contains("--json"))
    }
}
