import Foundation
import Testing

@testable import FivetranNotifyCore

/// Names, not ids: the cache filled by sweeps, and the bounded lookup of what it does not know.
@Suite struct WatchNamesTests {
    func delivery(_ raw: [String: JSONValue]) -> Delivery { Delivery(raw: raw) }

    @Test func fillsNamesFromASweepWithoutAnyRequest() async throws {
        try await FakeFivetranAPI.with { api in
            let h = WatchHarness(api: api)
            let names = h.names()
            names.update(connections: [
                Connection(id: "conn_1", groupID: "grp_1", service: "salesforce", schema: "salesforce_prod")
            ])
            names.update(groups: [FivetranGroup(id: "grp_1", name: "Snowflake prod")])
            let d = await names.enrich(
                delivery([
                    "event": "sync_end", "connector_id": "conn_1", "data": ["status": "FAILURE", "reason": "boom"],
                ]))
            #expect(d.connectorName == "salesforce_prod")
            #expect(d.connectorType == "salesforce")
            #expect(d.destinationGroupId == "grp_1")
            #expect(d.destinationName == "Snowflake prod")
            #expect(d.reason == "boom")
            #expect(api.requests.isEmpty)
            // What the delivery says is kept.
            let own = await names.enrich(
                delivery([
                    "event": "sync_end", "connector_id": "conn_1", "connector_name": "mine",
                    "destination_group_id": "grp_1",
                ]))
            #expect(own.connectorName == "mine")
        }
    }

    @Test func anUnknownConnectionAndGroupAreLookedUpOnce() async throws {
        try await FakeFivetranAPI.with { api in
            api.addGroup(id: "grp_9", name: "BigQuery")
            api.addConnection(id: "conn_9", schema: "stripe", service: "stripe", groupID: "grp_9")
            let h = WatchHarness(api: api)
            // Not about the bound: a loaded machine must not turn a slow answer into a missing name.
            let names = h.names(lookupTimeout: .seconds(30))
            let d = await names.enrich(
                delivery(["event": "sync_end", "connector_id": "conn_9", "data": ["status": "FAILURE", "reason": "x"]]))
            #expect(d.connectorName == "stripe")
            #expect(d.destinationName == "BigQuery")
            #expect(api.requests.map(\.path) == ["/v1/connections/conn_9", "/v1/groups/grp_9"])
            #expect(api.requests[0].headers["accept"] == "application/json;version=2")
            // An id Fivetran does not know: one lookup (404), then the ids alone, without asking again.
            let unknown = delivery(["event": "sync_end", "connector_id": "conn_gone", "data": ["status": "FAILURE"]])
            let first = await names.enrich(unknown)
            let second = await names.enrich(unknown)
            #expect(first == unknown && second == unknown)
            #expect(api.requests.filter { $0.path == "/v1/connections/conn_gone" }.count == 1)
        }
    }

    @Test func aSlowLookupWaitsAtMostTheTimeout() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "conn_1", schema: "slow_one")
            api.failNext(path: "/v1/connections/conn_1", .hang)
            let h = WatchHarness(api: api)
            let names = h.names(lookupTimeout: .milliseconds(200))
            let original = delivery([
                "event": "sync_end", "connector_id": "conn_1", "data": ["status": "FAILURE", "reason": "r"],
            ])
            let started = ContinuousClock.now
            let d = await names.enrich(original)
            // Well under the client's own 5 s timeout (what a missing bound would wait for), with room
            // for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(4))
            #expect(d == original)
            #expect(h.logs.count(containing: "goes out with the ids alone") == 1)
        }
    }

    @Test func aFailedSyncWithoutReasonGetsTheConnectionsStatusMessages() async throws {
        try await FakeFivetranAPI.with { api in
            let names = WatchHarness(api: api).names()
            names.update(connections: [
                Connection(
                    id: "conn_1", groupID: "grp_1", schema: "pg",
                    status: ConnectionStatus(
                        setupState: "broken",
                        tasks: [
                            ConnectionAlert(
                                message: "Reconnect your warehouse", details: "password authentication failed")
                        ],
                        warnings: [ConnectionAlert(code: "resync_table_warning")]))
            ])
            names.update(groups: [FivetranGroup(id: "grp_1", name: "Snowflake prod")])
            let d = await names.enrich(
                delivery(["event": "sync_end", "connector_id": "conn_1", "data": ["status": "FAILURE_WITH_TASK"]]))
            #expect(
                d.reason
                    == "Reconnect your warehouse: password authentication failed\nresync_table_warning (from Fivetran's connection status)"
            )
            // A success, or a failure with its own reason, is left alone.
            let ok = await names.enrich(
                delivery(["event": "sync_end", "connector_id": "conn_1", "data": ["status": "SUCCESSFUL"]]))
            #expect(ok.reason == nil)
            let own = await names.enrich(
                delivery([
                    "event": "sync_end", "connector_id": "conn_1", "data": ["status": "FAILURE", "reason": "mine"],
                ]))
            #expect(own.reason == "mine")
        }
    }

    @Test func sweepsFillTheCache() async throws {
        try await FakeFivetranAPI.with { api in
            api.addGroup(id: "grp_1", name: "Snowflake prod")
            api.addConnection(id: "conn_1", schema: "salesforce_prod")
            let h = WatchHarness(api: api)
            let names = h.names()
            await h.watcher(WatchSettings(), names: names).sweep()
            let before = api.requests.count
            let d = await names.enrich(
                delivery(["event": "sync_end", "connector_id": "conn_1", "data": ["status": "FAILURE", "reason": "x"]]))
            #expect(d.connectorName == "salesforce_prod")
            #expect(d.destinationName == "Snowflake prod")
            #expect(api.requests.count == before)
        }
    }
}

/// `[watch]` in config.toml and the flags.
@Suite struct WatchSettingsTests {
    func config(_ text: String) throws -> ConfigFile {
        try ConfigFile.parse(text, url: URL(fileURLWithPath: "/tmp/config.toml"))
    }

    @Test func defaults() throws {
        let settings = try WatchSettings.resolve(config: nil, flags: WatchFlags(), hasCredentials: true)
        #expect(settings == WatchSettings())
        #expect(settings.enabled && settings.every == .seconds(300) && settings.publicURL == nil)
        #expect(!settings.reactivate && settings.staleAfter == nil)
    }

    @Test func readsTheWatchTableAndFlagsWin() throws {
        let file = try config(
            """
            [watch]
            every = "10m"
            public_url = "https://alerts.example.com/fivetran"
            reactivate = true
            stale_after = "6h"
            """)
        let settings = try WatchSettings.resolve(config: file, flags: WatchFlags(), hasCredentials: true)
        #expect(settings.every == .seconds(600))
        #expect(settings.publicURL == "https://alerts.example.com/fivetran")
        #expect(settings.reactivate)
        #expect(settings.staleAfter == .seconds(6 * 3600))
        let flagged = try WatchSettings.resolve(
            config: file, flags: WatchFlags(every: "2m", publicURL: "https://b.example.com/x"), hasCredentials: true)
        #expect(flagged.every == .seconds(120) && flagged.publicURL == "https://b.example.com/x")
    }

    @Test func offWithoutCredentialsOrWhenTurnedOff() throws {
        let none = try WatchSettings.resolve(config: nil, flags: WatchFlags(), hasCredentials: false)
        #expect(!none.enabled)
        #expect(none.disabledReason?.contains("no Fivetran API credentials") == true)
        let flag = try WatchSettings.resolve(config: nil, flags: WatchFlags(noWatch: true), hasCredentials: true)
        #expect(!flag.enabled && flag.disabledReason == "--no-watch")
        let file = try config("[watch]\nenabled = false\n")
        let configured = try WatchSettings.resolve(config: file, flags: WatchFlags(), hasCredentials: true)
        #expect(!configured.enabled && configured.disabledReason?.contains("enabled = false") == true)
    }

    @Test func mistakesAreRefusedWithASentence() throws {
        func message(_ text: String, flags: WatchFlags = WatchFlags()) throws -> String {
            let file = try config(text)
            do {
                _ = try WatchSettings.resolve(config: file, flags: flags, hasCredentials: true)
                return ""
            } catch let error as NotifyError {
                return error.message
            }
        }
        #expect(
            try message("[watch]\nevry = \"5m\"\n")
                == "/tmp/config.toml:2: [watch]: unknown key \"evry\" (known: enabled, every, public_url, reactivate, stale_after)."
        )
        #expect(try message("[watch]\n\nevery = \"30s\"\n").hasPrefix("/tmp/config.toml:3: every: 30s is too often"))
        #expect(try message("[watch]\nevery = \"soon\"\n").contains("is not a duration"))
        #expect(
            try message("[watch]\nreactivate = \"yes\"\n").contains("reactivate must be true or false, not a string"))
        #expect(try message("[watch]\npublic_url = \"http://a.example.com/x\"\n").contains("is not https"))
        #expect(try message("", flags: WatchFlags(every: "59s")).hasPrefix("--watch-every: 59s is too often"))
        #expect(try message("", flags: WatchFlags(publicURL: "alerts")).contains("is not a URL"))
    }
}
