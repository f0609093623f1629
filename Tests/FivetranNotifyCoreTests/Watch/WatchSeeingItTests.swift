import Foundation
import Testing

@testable import FivetranNotifyCore

/// watch.md "Seeing it": status lists the open findings (kind, subject and name, since when) and the
/// last API error; /metrics counts every failed API call, name lookups included; a sweep that cannot
/// read the store's open incidents clears nothing and the next one asks again.
@Suite struct WatchSeeingItTests {
    static let url = "https://alerts.example.com/fivetran"

    func run<Result>(_ body: (FakeFivetranAPI, WatchHarness) async throws -> Result) async throws -> Result {
        try await FakeFivetranAPI.with { api in
            api.addGroup(id: "grp_1", name: "Snowflake prod")
            return try await body(api, WatchHarness(api: api))
        }
    }

    @Test func statusListsTheOpenFindingsWithTheirNamesAndSince() async throws {
        try await run { api, h in
            let webhook = api.addWebhook(url: Self.url, active: false)
            api.addConnection(id: "conn_1", schema: "salesforce_prod", setupState: "broken")
            let watcher = h.watcher()
            await watcher.sweep()
            h.advance(300)
            await watcher.sweep()
            let status = try #require(WatchStatus.read(url: h.statusFile))
            #expect(
                status.findings == [
                    .init(
                        kind: "connection_broken", subject: "conn_1", name: "salesforce_prod", since: WatchHarness.start
                    ),
                    .init(kind: "webhook_inactive", subject: "webhook:\(Self.url)", since: WatchHarness.start),
                ])
            let json = status.json["findings"]?.arrayValue?.first?.objectValue
            #expect(json?["kind"] == "connection_broken" && json?["name"] == "salesforce_prod")
            #expect(json?["since"] == "2026-05-22T09:00:00.000Z")
            let lines = status.lines(now: WatchHarness.start + 300)
            #expect(lines.contains("  Open: connection_broken conn_1 (salesforce_prod) since 09:00:00 UTC"), "\(lines)")

            // A restart keeps "since".
            h.openInStore.withLock { $0 = ["watch_broken|conn_1", "watch_webhook|webhook:\(Self.url)"] }
            h.advance(300)
            let restarted = h.watcher()
            await restarted.sweep()
            #expect(restarted.status.findings.count == 2)
            #expect(restarted.status.findings.allSatisfy { $0.since == WatchHarness.start })

            // A finding that clears leaves the list.
            api.setWebhookActive(webhook, true)
            h.advance(300)
            await restarted.sweep()
            #expect(restarted.status.findings.map(\.subject) == ["conn_1"])
        }
    }

    @Test func aFailedReadOfOpenIncidentsClearsNothingAndTheNextSweepAsksAgain() async throws {
        try await run { api, h in
            api.addWebhook(url: Self.url)
            api.addConnection(id: "conn_1")
            // After a restart: conn_1's broken incident is open in the store, but it cannot be read.
            h.openInStore.withLock { $0 = nil }
            let watcher = h.watcher()
            await watcher.sweep()
            #expect(h.takeSubmitted().isEmpty)
            #expect(h.logs.messages(.warning).contains { $0.contains("could not read the open incidents") })
            h.openInStore.withLock { $0 = ["watch_broken|conn_1"] }
            h.advance(300)
            await watcher.sweep()
            let findings = h.takeSubmitted()
            #expect(findings.map(\.event) == ["watch_connection_broken_cleared"])
            #expect(findings.map(\.connectorId) == ["conn_1"])
        }
    }

    @Test func everyFailedAPICallIsCountedLookupsIncluded() async throws {
        try await run { api, h in
            // conn_x is unknown: the lookup is answered 404.
            // Not about the bound: a loaded machine must not turn the slow 404 into "went with ids".
            let names = AccountNames(
                client: h.client(timeout: .seconds(30)), lookupTimeout: .seconds(30), logger: h.logs.logger,
                metrics: WatchMetrics(registry: h.registry))
            let delivery = try Delivery.parse(Data(#"{"event":"sync_end","connector_id":"conn_x","data":{}}"#.utf8))
            _ = await names.enrich(delivery)
            #expect(h.metricsText.contains("fivetran_notify_watch_api_errors_total 1"), "\(h.metricsText)")
            #expect(h.logs.messages(.warning).contains { $0.contains("could not look up connection conn_x") })
        }
    }
}
