import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

/// The watcher end to end: the real libcurl client against the fake Fivetran API, a virtual clock.
@Suite struct WatchAccountWatcherTests {
    static let url = "https://alerts.example.com/fivetran"

    func run<Result>(_ body: (FakeFivetranAPI, WatchHarness) async throws -> Result) async throws -> Result {
        try await FakeFivetranAPI.with { api in
            api.addGroup(id: "grp_1", name: "Snowflake prod")
            return try await body(api, WatchHarness(api: api))
        }
    }

    @Test func anInactiveWebhookIsReportedAndClearedWhenActiveAgain() async throws {
        try await run { api, h in
            let id = api.addWebhook(url: Self.url, active: false)
            let watcher = h.watcher()
            await watcher.sweep()
            let first = h.takeSubmitted()
            #expect(first.map(\.event) == ["watch_webhook_inactive"])
            #expect(first[0].data["fix"] == .string("fivetran-notify webhook update \(id) --active"))
            #expect(first[0].connectorId == nil)
            #expect(first[0].raw["watch_subject"] == .string("webhook:\(Self.url)"))
            #expect(first[0].created == "2026-05-22T09:00:00.000Z")
            // No PATCH without reactivate.
            #expect(!api.requests.contains { $0.method == "PATCH" })
            api.setWebhookActive(id, true)
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_webhook_inactive_cleared"])
        }
    }

    @Test func noWebhookPointingAtThePublicURL() async throws {
        try await run { api, h in
            api.addWebhook(url: "https://other.example.com/hook", active: true)
            await h.watcher().sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map(\.event) == ["watch_webhook_inactive"])
            #expect(findings[0].data["status"] == "missing")
            #expect(findings[0].data["fix"] == .string("fivetran-notify webhook create --account --url \(Self.url)"))
        }
    }

    @Test func reactivateTurnsTheWebhookBackOnAndSaysSo() async throws {
        try await run { api, h in
            let id = api.addWebhook(url: Self.url, active: false)
            let watcher = h.watcher(WatchSettings(publicURL: Self.url, reactivate: true))
            await watcher.sweep()
            let patch = try #require(api.requests.first { $0.method == "PATCH" })
            #expect(patch.path == "/v1/webhooks/\(id)")
            #expect(patch.json == ["active": true])
            #expect(api.webhooks.first?["active"] == .bool(true))
            let findings = h.takeSubmitted()
            #expect(findings.map { $0.data["status"] } == ["reactivated"])
            #expect(findings[0].data["title"]?.stringValue?.contains("has been turned back on") == true)
            #expect(findings[0].data["fix"] == nil)
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_webhook_inactive_cleared"])
        }
    }

    @Test func aFailedReactivationKeepsTheReasonStableAndSaysWhy() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url, active: false)
            api.setValidationPingSucceeds(false)
            await h.watcher(WatchSettings(publicURL: Self.url, reactivate: true)).sweep()
            let finding = try #require(h.takeSubmitted().first)
            #expect(finding.data["status"] == "inactive")
            let reason = finding.reason ?? ""
            #expect(reason.split(separator: "\n").count == 2)
            #expect(reason.contains("turning it back on failed"))
        }
    }

    @Test func brokenConnectionWithTaskMessagesAndNames() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url)
            api.addConnection(
                id: "conn_1", schema: "salesforce_prod", service: "salesforce", setupState: "broken",
                tasks: [["code": "reconnect", "message": "Reconnect", "details": "OAuth token expired"]])
            await h.watcher().sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map(\.event) == ["watch_connection_broken"])
            let d = findings[0]
            #expect(d.connectorId == "conn_1")
            #expect(d.connectorName == "salesforce_prod")
            #expect(d.connectorType == "salesforce")
            #expect(d.destinationGroupId == "grp_1")
            #expect(d.destinationName == "Snowflake prod")
            #expect(d.reason == "Reconnect: OAuth token expired")
            #expect(d.data["severity"] == "failure")
            #expect(d.data["title"] == "Connector broken — salesforce_prod")
            // The connection endpoints were asked with version=2, the rest with plain JSON.
            let connections = api.requests.filter { $0.path == "/v1/connections" }
            #expect(connections.count == 1 && connections[0].headers["accept"] == "application/json;version=2")
            #expect(connections[0].query["limit"] == "1000")
            #expect(
                api.requests.filter { $0.path != "/v1/connections" }.allSatisfy {
                    $0.headers["accept"] == "application/json"
                })
        }
    }

    @Test func newlyPausedBetweenSweepsButNotAtTheFirst() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url)
            api.addConnection(id: "conn_1", paused: true, warnings: [["message": "Paused after trial"]])
            api.addConnection(id: "conn_2")
            let watcher = h.watcher()
            await watcher.sweep()
            #expect(h.takeSubmitted().isEmpty)
            api.updateConnection("conn_2") { $0["paused"] = .bool(true) }
            api.updateConnectionStatus("conn_2") {
                $0["tasks"] = .array([.object(["message": .string("Source credentials rejected")])])
            }
            h.advance(300)
            await watcher.sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map(\.event) == ["watch_connection_paused"])
            #expect(findings.first?.connectorId == "conn_2")
            #expect(findings.first?.reason == "Source credentials rejected")
            api.updateConnection("conn_2") { $0["paused"] = .bool(false) }
            h.advance(300)
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_connection_paused_cleared"])
        }
    }

    @Test func staleThenRecovered() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url)
            api.addConnection(
                id: "conn_1", schema: "hubspot", syncFrequency: 60, succeededAt: "2026-05-22T00:00:00.000000Z")
            let watcher = h.watcher()
            await watcher.sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map { $0.data["title"] } == ["No successful sync for 9 h — hubspot (syncs every 1 h)"])
            api.updateConnection("conn_1") { $0["succeeded_at"] = "2026-05-22T09:01:00.000000Z" }
            h.advance(300)
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_connection_stale_cleared"])
        }
    }

    @Test func aRestartWithOpenIncidentsDoesNotReannounce() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url)
            api.addConnection(id: "conn_1", setupState: "broken")
            api.addConnection(id: "conn_2")
            h.openInStore.withLock { $0 = ["watch_broken|conn_1", "watch_broken|conn_2", "sync|conn_2"] }
            await h.watcher().sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map(\.event) == ["watch_connection_broken_cleared"])
            #expect(findings.map(\.connectorId) == ["conn_2"])
        }
    }

    @Test func fiveThousandConnectionsOverFivePagesCostFiveRequests() async throws {
        try await run { api, h in
            api.addConnections(count: 5000)
            let watcher = h.watcher(WatchSettings())
            await watcher.sweep()
            let pages = api.requests.filter { $0.path == "/v1/connections" }
            #expect(pages.count == 5)
            #expect(
                pages.map { $0.query["cursor"] } == [nil, "cursor-1000", "cursor-2000", "cursor-3000", "cursor-4000"])
            #expect(watcher.status.connections == 5000)
            // No public URL: no webhook request; the group was named by one list request.
            #expect(!api.requests.contains { $0.path == "/v1/webhooks" })
            #expect(api.requests.filter { $0.path == "/v1/groups" }.count == 1)
            #expect(watcher.status.requests == 6)
            #expect(h.logs.count(containing: "webhook checks skipped") == 1)
            // The next sweep knows the group already.
            await watcher.sweep()
            #expect(watcher.status.requests == 5)
            #expect(h.logs.count(containing: "webhook checks skipped") == 1)
        }
    }

    @Test func aMalformedPageIsSkippedWithALogLine() async throws {
        try await run { api, h in
            api.addConnections(count: 3)
            api.addConnection(id: "conn_b", setupState: "broken")
            // Page 1 is fine (with a cursor); page 2 has no items array but a cursor; page 3 is the rest.
            api.failNext(
                path: "/v1/connections",
                .raw(
                    status: 200,
                    body:
                        #"{"code":"Success","data":{"items":[{"id":"conn_00001","schema":"a"},"junk"],"next_cursor":"cursor-1"}}"#,
                    contentType: "application/json"),
                .raw(
                    status: 200, body: #"{"code":"Success","data":{"items":{"oops":1},"next_cursor":"cursor-2"}}"#,
                    contentType: "application/json"))
            let watcher = h.watcher(WatchSettings())
            await watcher.sweep()
            #expect(h.logs.messages(.warning).contains { $0.contains("page 2 of the connections list skipped") })
            #expect(h.logs.messages(.warning).contains { $0.contains("1 of 2 items skipped") })
            #expect(h.takeSubmitted().map(\.connectorId) == ["conn_b"])
            #expect(watcher.status.connections == 3)
            // A page that is not JSON at all ends the list as incomplete, without a crash.
            api.failNext(path: "/v1/connections", .raw(status: 200, body: "<html>proxy</html>"))
            await watcher.sweep()
            #expect(h.takeSubmitted().isEmpty)  // conn_b not seen, but not cleared either
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_connection_broken"])
        }
    }

    @Test func rejectedCredentialsAreLoggedOnceThenWatchingResumes() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1")
            let watcher = h.watcher(WatchSettings())
            for _ in 0..<3 {
                api.failNext(.envelope(status: 401, code: "AuthFailed", message: "Invalid API key"))
                await watcher.sweep()
            }
            #expect(h.logs.messages(.error).count == 1)
            #expect(h.logs.messages(.error).first?.contains("Fivetran rejected the API credentials") == true)
            #expect(watcher.status.credentialsRejected)
            #expect(WatchStatus.read(url: h.statusFile)?.credentialsRejected == true)
            await watcher.sweep()
            #expect(h.logs.count(containing: "watching resumed") == 1)
            #expect(!watcher.status.credentialsRejected)
            #expect(watcher.status.lastError?.contains("401") == true)
            #expect(h.metricsText.contains("fivetran_notify_watch_api_errors_total 3"))
        }
    }

    @Test func a429IsHonoured() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1", setupState: "broken")
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "slow down", headers: ["Retry-After": "7"]))
            let watcher = h.watcher(WatchSettings())
            await watcher.sweep()
            #expect(h.clock.sleeps.contains(.seconds(7)))
            #expect(h.takeSubmitted().count == 1)
            // A Retry-After longer than a minute ends the sweep; the next sweeps wait it out.
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "slow down", headers: ["Retry-After": "900"]))
            await watcher.sweep()
            let before = api.requests.count
            await watcher.sweep()
            #expect(api.requests.count == before)
            #expect(h.logs.count(containing: "Retry-After") >= 1)
            try await h.clock.serviceClock.sleep(.seconds(900))
            await watcher.sweep()
            #expect(api.requests.count > before)
        }
    }

    @Test func aHangingOrFailingAPIDoesNotBlockASweep() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1")
            api.failNext(.hang, .hang, .hang)
            let watcher = h.watcher(WatchSettings(), timeout: .milliseconds(300))
            let started = ContinuousClock.now
            await watcher.sweep()
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(watcher.status.lastError?.contains("connection list") == true)
            api.failNext(
                .envelope(status: 500, code: "Internal", message: "boom"),
                .envelope(status: 500, code: "Internal", message: "boom"),
                .envelope(status: 500, code: "Internal", message: "boom"))
            // The usual timeout here: on a loaded machine a 500 may take longer than 300 ms to arrive.
            let patient = h.watcher(WatchSettings())
            await patient.sweep()
            #expect(patient.status.lastError?.contains("500") == true)
            #expect(h.logs.messages(.warning).contains { $0.contains("reading the connection list failed") })
        }
    }

    @Test func theCostLineAfterTheFirstSweep() async throws {
        try await run { api, h in
            for _ in 0..<3 { api.addWebhook(url: Self.url) }
            api.addConnections(count: 412)
            let watcher = h.watcher()
            await watcher.sweep()
            await watcher.sweep()
            // Webhooks, connections and groups: 3 requests a sweep, 12 sweeps an hour.
            #expect(h.logs.messages(.notice) == ["watching 3 webhooks and 412 connections every 5m: ~36 requests/hour"])
            #expect(h.metricsText.contains("fivetran_notify_watch_sweeps_total 2"))
            #expect(h.metricsText.contains("fivetran_notify_watch_api_requests_total 5"))
        }
    }

    @Test func theStatusFileRoundTrips() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url, active: false)
            api.addConnection(id: "conn_1", setupState: "broken")
            let watcher = h.watcher()
            await watcher.sweep()
            let status = try #require(WatchStatus.read(url: h.statusFile))
            #expect(status == watcher.status)
            #expect(status.lastSweepAt == WatchHarness.start)
            #expect(status.webhooks == 1 && status.connections == 1 && status.findingsOpen == 2)
            #expect(status.requests == 3)
            #expect(status.publicURL == Self.url)
            #expect(status.json["findings_open"] == .number(2))
            #expect(status.json["last_sweep_at"] == "2026-05-22T09:00:00.000Z")
            let lines = status.lines(now: WatchHarness.start)
            #expect(lines.first?.hasPrefix("Watch: last sweep 09:00:00 UTC") == true)
            #expect(lines.first?.contains("1 webhook, 1 connection; 2 findings open") == true)
            #expect(WatchStatus.read(stateDirectory: h.directory) == status)
        }
    }

    @Test func aFindingNotRecordedIsTriedAgain() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1", setupState: "broken")
            let watcher = h.watcher(WatchSettings())
            await watcher.sweep()
            _ = h.takeSubmitted()
            api.updateConnectionStatus("conn_1") { $0["setup_state"] = "connected" }
            h.accepts.withLock { $0 = false }
            await watcher.sweep()
            h.accepts.withLock { $0 = true }
            await watcher.sweep()
            #expect(h.takeSubmitted().map(\.event) == ["watch_connection_broken_cleared"])
        }
    }

    /// ha.md "one sweep at a time": the node's lease (renewed through `mayRun`) is renewed again when a
    /// sweep ends, so a sweep slowed by a Retry-After never lets it run out before the next sweep.
    @Test func theLeaseIsRenewedWhenASweepEndsAsWellAsBeforeIt() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1")
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "slow down", headers: ["Retry-After": "30"]))
            let asked = Mutex<[Duration]>([])
            let clock = h.clock.serviceClock
            let watcher = h.watcher(
                WatchSettings(every: .seconds(60)),
                mayRun: {
                    asked.withLock { $0.append(clock.now()) }
                    return true
                })
            let task = Task { try await watcher.run() }
            #expect(await eventually { asked.withLock { $0.count } >= 3 })
            task.cancel()
            _ = try? await task.value
            // Before the first sweep, when it ended (after waiting 30 s), and before the next, a minute later.
            #expect(Array(asked.withLock { $0 }.prefix(3)) == [.zero, .seconds(30), .seconds(90)])
        }
    }

    /// Taken over while sweeping (its lease ran out), a node stands by rather than sweeping again.
    @Test func aNodeTakenOverDuringASweepStandsBy() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1")
            let answers = Mutex([true, false])
            let watcher = h.watcher(
                WatchSettings(every: .seconds(60)),
                mayRun: { answers.withLock { $0.isEmpty ? false : $0.removeFirst() } })
            let task = Task { try await watcher.run() }
            #expect(await eventually { answers.withLock { $0.isEmpty } })
            task.cancel()
            _ = try? await task.value
            #expect(api.requests.filter { $0.path == "/v1/connections" }.count == 1)
            #expect(!h.clock.sleeps.contains(.seconds(60)))
        }
    }

    @Test func theServiceSweepsEveryIntervalUntilCancelled() async throws {
        try await run { api, h in
            api.addConnection(id: "conn_1")
            let watcher = h.watcher(WatchSettings(every: .seconds(120)))
            let task = Task { try await watcher.run() }
            #expect(await eventually { api.requests.filter { $0.path == "/v1/connections" }.count >= 3 })
            task.cancel()
            _ = try? await task.value
            #expect(h.clock.sleeps.filter { $0 == .seconds(120) }.count >= 2)
            // Switched off, it does nothing.
            let off = h.watcher(WatchSettings(enabled: false))
            let before = api.requests.count
            try await off.run()
            #expect(api.requests.count == before)
        }
    }
}
