import Foundation
import Testing

@testable import FivetranNotifyCore

/// The Slack layout of watch findings, and what the event code makes of them.
@Suite struct WatchRenderTests {
    let now = utc("2026-05-22T09:00:00.000Z")

    func finding(_ finding: WatchFinding) throws -> Delivery {
        try Delivery.parse(finding.body(created: now))
    }

    @Test func aBrokenConnectorAlert() throws {
        let d = try finding(
            WatchFinding(
                kind: .connectionBroken, subject: "conn_1", connectorID: "conn_1", connectorName: "sales<force>",
                connectorType: "salesforce", groupID: "grp_1", groupName: "Snowflake & prod",
                title: "Connector broken — sales<force>", reason: "Reconnect: token ```expired```",
                severity: .failure, status: "broken", fix: "fivetran-notify webhook update wh_1 --active"))
        let message = AlertRenderer.alert(for: d, now: now)
        let json = String(decoding: message.jsonBody(), as: UTF8.self)
        #expect(json.contains(":red_circle: Connector broken — sales<force>"))  // header: plain text
        #expect(json.contains("sales&lt;force&gt; (`conn_1`)"))
        #expect(json.contains("Snowflake &amp; prod (`grp_1`)"))
        #expect(json.contains("```\\nReconnect: token ˋˋˋexpiredˋˋˋ```"))
        #expect(json.contains("*Fix:* `fivetran-notify webhook update wh_1 --active`"))
        #expect(json.contains("https://fivetran.com/dashboard/connectors/conn_1/status"))
        #expect(message.text.hasPrefix("Connector broken — sales&lt;force&gt;: Reconnect"))
    }

    @Test func warningsAndTheWebhookMarker() throws {
        let stale = try finding(
            WatchFinding(
                kind: .connectionStale, subject: "c", connectorID: "c",
                title: "No successful sync for 9 h — c (syncs every 1 h)",
                reason: "r", severity: .warning, status: "stale"))
        let staleJSON = String(decoding: AlertRenderer.alert(for: stale, now: now).jsonBody(), as: UTF8.self)
        #expect(staleJSON.contains(":large_yellow_circle: No successful sync for 9 h"))
        let webhook = try finding(
            WatchFinding(
                kind: .webhookInactive, subject: "webhook:https://a.example.com",
                title: "Fivetran is not sending alerts here",
                severity: .warning, status: "missing"))
        let webhookJSON = String(decoding: AlertRenderer.alert(for: webhook, now: now).jsonBody(), as: UTF8.self)
        #expect(webhookJSON.contains(":warning: Fivetran is not sending alerts here"))
        let resolved = AlertRenderer.watchResolved(
            try finding(
                WatchFinding(
                    kind: .connectionBroken, cleared: true, subject: "c", connectorID: "c",
                    title: "Connector no longer broken — c", status: "cleared")),
            failingSince: now - 7980, now: now)
        let resolvedJSON = String(decoding: resolved.jsonBody(), as: UTF8.self)
        #expect(resolvedJSON.contains(":large_green_circle: *Connector no longer broken — c*, after 2 h 13 min"))
    }

    @Test func watchEventsMapToTheirFamiliesWhateverIsForwarded() throws {
        let forwarded = ForwardedEvents(names: ["dbt_run_failed"])
        for (kind, family) in [
            (WatchFinding.Kind.webhookInactive, IncidentSignal.Family.webhook), (.connectionBroken, .broken),
            (.connectionPaused, .paused), (.connectionStale, .stale),
        ] {
            #expect(IncidentSignal.family(of: kind.rawValue) == family)
            #expect(IncidentSignal.family(of: kind.rawValue + "_cleared") == family)
            let failure = try finding(
                WatchFinding(kind: kind, subject: "s", connectorID: "s", title: "t", reason: "r", status: "x"))
            #expect(
                IncidentSignal.of(failure, forwarded: forwarded)
                    == IncidentSignal(family: family, subject: "s", kind: .failure(status: "x", reason: "r")))
            var clearing = WatchFinding(kind: kind, subject: "s", connectorID: "s", title: "t", status: "cleared")
            clearing.cleared = true
            #expect(IncidentSignal.of(try finding(clearing), forwarded: forwarded)?.kind == .resolution)
        }
        #expect(IncidentSignal.family(of: "watch_something_new") == nil)
        #expect(IncidentSignal.Family(rawValue: "watch_broken") == .broken)
    }
}
