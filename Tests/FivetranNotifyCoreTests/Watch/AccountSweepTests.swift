import Foundation
import Testing

@testable import FivetranNotifyCore

/// The sweep's rules (watch.md), on plain values.
@Suite struct WatchSweepRuleTests {
    let now = utc("2026-05-22T09:00:00.000Z")
    let settings = WatchSettings(publicURL: "https://alerts.example.com/fivetran")

    func connection(
        _ id: String = "conn_1", paused: Bool = false, frequency: Int = 60, schedule: String = "auto",
        succeeded: String? = "2026-05-22T08:30:00Z", setup: String = "connected", sync: String = "scheduled",
        update: String = "on_schedule", historical: Bool = false, rescheduledFor: Date? = nil,
        tasks: [ConnectionAlert] = [], warnings: [ConnectionAlert] = []
    ) -> Connection {
        Connection(
            id: id, groupID: "grp_1", service: "salesforce", schema: "salesforce_prod", paused: paused,
            syncFrequency: frequency, scheduleType: schedule, succeededAt: succeeded.map(utc),
            createdAt: utc("2026-01-01T00:00:00Z"),
            status: ConnectionStatus(
                setupState: setup, syncState: sync, updateState: update, isHistoricalSync: historical,
                rescheduledFor: rescheduledFor, tasks: tasks, warnings: warnings))
    }

    func evaluate(
        _ memory: WatchMemory = WatchMemory(), connections: [Connection]? = nil, webhooks: [Webhook]? = nil,
        settings: WatchSettings? = nil, complete: Bool = true, openInStore: Set<String>? = [], at: Date? = nil,
        groups: [String: String] = ["grp_1": "Snowflake prod"]
    ) -> AccountSweep.Result {
        AccountSweep.evaluate(
            memory: memory,
            observation: AccountObservation(
                webhooks: webhooks, connections: connections, connectionsComplete: complete, groupNames: groups),
            settings: settings ?? self.settings, now: at ?? now, openInStore: openInStore)
    }

    @Test func aBrokenConnectionIsAFailureWithItsTaskMessages() {
        let broken = connection(
            setup: "broken",
            tasks: [
                ConnectionAlert(
                    code: "reconnect", message: "Reconnect your warehouse", details: "password authentication failed")
            ])
        let result = evaluate(connections: [broken])
        #expect(result.findings.count == 1)
        let finding = result.findings[0]
        #expect(finding.event == "watch_connection_broken")
        #expect(finding.title == "Connector broken — salesforce_prod")
        #expect(finding.reason == "Reconnect your warehouse: password authentication failed")
        #expect(finding.severity == .failure)
        #expect(finding.groupName == "Snowflake prod")
        let raw = finding.raw(created: now)
        #expect(raw["connector_id"] == "conn_1")
        #expect(raw["watch_subject"] == "conn_1")
        #expect(raw["destination_name"] == "Snowflake prod")
        #expect(raw["created"] == "2026-05-22T09:00:00.000Z")
    }

    @Test func aConditionIsResubmittedWithTheSameReasonAndClearedWhenItEnds() {
        let broken = connection(setup: "broken", tasks: [ConnectionAlert(message: "Reconnect")])
        let first = evaluate(connections: [broken])
        let second = evaluate(first.memory, connections: [broken], openInStore: nil, at: now + 300)
        #expect(second.findings.map(\.reason) == first.findings.map(\.reason))
        let fixed = evaluate(second.memory, connections: [connection()], openInStore: nil, at: now + 600)
        #expect(fixed.findings.map(\.event) == ["watch_connection_broken_cleared"])
        #expect(fixed.findings[0].connectorName == "salesforce_prod")
        #expect(fixed.findings[0].subject == "conn_1")
        #expect(fixed.memory.open.isEmpty)
        #expect(evaluate(fixed.memory, connections: [connection()], openInStore: nil).findings.isEmpty)
    }

    @Test func newlyPausedIsJudgedBetweenTwoSweepsAndNeedsAnExplanation() {
        let reason = [ConnectionAlert(message: "Paused by Fivetran", details: "the source rejected the credentials")]
        // Paused at the first sweep: not announced, even with a task.
        let first = evaluate(connections: [connection(paused: true, tasks: reason)])
        #expect(first.findings.isEmpty)
        // Unpaused, then paused with a task: announced.
        let running = evaluate(first.memory, connections: [connection()], openInStore: nil)
        let paused = evaluate(running.memory, connections: [connection(paused: true, tasks: reason)], openInStore: nil)
        #expect(paused.findings.map(\.event) == ["watch_connection_paused"])
        #expect(paused.findings[0].severity == .warning)
        #expect(paused.findings[0].reason == "Paused by Fivetran: the source rejected the credentials")
        // Still paused: kept open (resubmitted); unpaused: cleared.
        let still = evaluate(paused.memory, connections: [connection(paused: true)], openInStore: nil)
        #expect(still.findings.map(\.event) == ["watch_connection_paused"])
        let resumed = evaluate(still.memory, connections: [connection()], openInStore: nil)
        #expect(resumed.findings.map(\.event) == ["watch_connection_paused_cleared"])
        // Paused by a person (no task or warning): not announced.
        let byHand = evaluate(resumed.memory, connections: [connection(paused: true)], openInStore: nil)
        #expect(byHand.findings.isEmpty)
    }

    @Test func staleByTheDefaultRule() {
        // Syncs every hour: stale after 3 h.
        let fresh = evaluate(connections: [connection(succeeded: "2026-05-22T06:30:00Z")])
        #expect(fresh.findings.isEmpty)
        let stale = evaluate(connections: [connection(succeeded: "2026-05-22T00:00:00Z")])
        #expect(stale.findings.map(\.title) == ["No successful sync for 9 h — salesforce_prod (syncs every 1 h)"])
        #expect(stale.findings[0].status == "stale")
        // A 5-minute connector: still at least an hour.
        let quick = evaluate(connections: [connection(frequency: 5, succeeded: "2026-05-22T08:10:00Z")])
        #expect(quick.findings.isEmpty)
        let quickStale = evaluate(connections: [connection(frequency: 5, succeeded: "2026-05-22T07:50:00Z")])
        #expect(quickStale.findings.count == 1)
        // Never synced: counted from created_at.
        let never = evaluate(connections: [connection(succeeded: nil)])
        #expect(never.findings.first?.reason?.hasPrefix("Never synced successfully since it was created") == true)
    }

    @Test func staleAfterFixesOneValueAndTheReasonStaysStableAsHoursPass() {
        var settings = self.settings
        settings.staleAfter = .seconds(6 * 3600)
        let old = connection(frequency: 15, succeeded: "2026-05-22T04:00:00Z")
        #expect(evaluate(connections: [old], settings: settings).findings.isEmpty)
        let first = evaluate(connections: [old], settings: settings, at: now + 2 * 3600)
        #expect(first.findings.map(\.title) == ["No successful sync for 7 h — salesforce_prod (syncs every 15 min)"])
        let later = evaluate(first.memory, connections: [old], settings: settings, openInStore: nil, at: now + 5 * 3600)
        #expect(later.findings[0].title.contains("10 h"))
        #expect(later.findings[0].reason == first.findings[0].reason)
        // A newer success clears it.
        let synced = evaluate(
            later.memory, connections: [connection(frequency: 15, succeeded: "2026-05-22T13:59:00Z")],
            settings: settings, openInStore: nil, at: now + 5 * 3600)
        #expect(synced.findings.map(\.event) == ["watch_connection_stale_cleared"])
    }

    @Test func delayedAsFivetranReportsIt() {
        let result = evaluate(connections: [connection(update: "delayed")])
        #expect(result.findings.map(\.title) == ["Data delayed — salesforce_prod (Fivetran reports it delayed)"])
        #expect(result.findings[0].status == "delayed")
    }

    @Test func connectionsThatAreNotExpectedToSyncAreNeverStale() {
        let old = "2026-05-01T00:00:00Z"
        let cases = [
            connection(schedule: "manual", succeeded: old),
            connection(succeeded: old, historical: true),
            connection(succeeded: old, sync: "rescheduled", rescheduledFor: now + 600),
            connection(succeeded: old, setup: "incomplete"),
            connection(paused: true, succeeded: old),
        ]
        for c in cases {
            #expect(evaluate(connections: [c]).findings.isEmpty, "\(c)")
        }
        // Rescheduled for a time already past: judged again.
        let overdue = connection(succeeded: old, sync: "rescheduled", rescheduledFor: now - 600)
        #expect(evaluate(connections: [overdue]).findings.count == 1)
    }

    @Test func aRestartDoesNotReannounceOpenIncidentsAndClearsTheOnesThatEnded() {
        let open: Set<String> = [
            "watch_broken|conn_1", "watch_stale|conn_2", "watch_paused|conn_3", "sync|conn_1",
            "watch_webhook|webhook:https://alerts.example.com/fivetran",
        ]
        let connections = [
            connection("conn_1", setup: "broken"),  // still broken: quiet
            connection("conn_2"),  // synced since: cleared
            connection("conn_3", paused: true),  // still paused: kept open, quiet
            connection("conn_4", setup: "broken"),  // new: announced
        ]
        let webhooks = [Webhook(id: "wh_1", url: "https://alerts.example.com/fivetran", active: true)]
        let result = evaluate(connections: connections, webhooks: webhooks, openInStore: open)
        #expect(
            result.findings.map(\.event).sorted() == [
                "watch_connection_broken", "watch_connection_stale_cleared", "watch_webhook_inactive_cleared",
            ])
        #expect(result.findings.first { $0.event == "watch_connection_broken" }?.subject == "conn_4")
        let cleared = result.findings.first { $0.event == "watch_connection_stale_cleared" }
        #expect(cleared?.connectorName == "salesforce_prod")
        #expect(
            result.memory.open.keys.sorted() == ["watch_broken|conn_1", "watch_broken|conn_4", "watch_paused|conn_3"])
        // The next sweep goes on as usual: conditions resubmitted, unpausing clears.
        let next = evaluate(
            result.memory, connections: [connection("conn_1", setup: "broken"), connection("conn_3")], openInStore: nil)
        #expect(
            next.findings.map(\.event).sorted() == [
                "watch_connection_broken", "watch_connection_broken_cleared", "watch_connection_paused_cleared",
            ])
    }

    @Test func anIncompleteListClearsNothingItDidNotSee() {
        let first = evaluate(connections: [
            connection("conn_1", setup: "broken"), connection("conn_2", setup: "broken"),
        ])
        #expect(first.findings.count == 2)
        let partial = evaluate(first.memory, connections: [connection("conn_1")], complete: false, openInStore: nil)
        #expect(partial.findings.map(\.event) == ["watch_connection_broken_cleared"])
        #expect(partial.memory.open.keys.sorted() == ["watch_broken|conn_2"])
        // A complete list without conn_2: it was deleted, so its incident ends.
        let complete = evaluate(partial.memory, connections: [connection("conn_1")], openInStore: nil)
        #expect(complete.findings.map(\.subject) == ["conn_2"])
        // A failed list (nil) judges nothing.
        #expect(evaluate(first.memory, connections: nil, openInStore: nil).findings.isEmpty)
    }

    @Test func webhookConditions() {
        let url = "https://alerts.example.com/fivetran"
        let none = evaluate(webhooks: [Webhook(id: "wh_9", url: "https://elsewhere.example.com/", active: true)])
        #expect(none.findings.map(\.title) == ["Fivetran is not sending alerts here — no webhook points at \(url)"])
        #expect(none.findings[0].fix == "fivetran-notify webhook create --account --url \(url)")
        #expect(none.findings[0].subject == "webhook:\(url)")

        let inactive = evaluate(webhooks: [Webhook(id: "wh_1", url: url + "/", active: false)])
        #expect(
            inactive.findings.map(\.title) == [
                "Fivetran is not sending alerts here — webhook wh_1 is inactive (Fivetran turns off webhooks whose deliveries keep failing)"
            ])
        #expect(inactive.findings[0].fix == "fivetran-notify webhook update wh_1 --active")
        // One active webhook with the URL is enough.
        let fine = evaluate(
            webhooks: [Webhook(id: "wh_1", url: url, active: false), Webhook(id: "wh_2", url: url, active: true)])
        #expect(fine.findings.isEmpty)
        // Without a public URL, webhooks are not judged.
        var noURL = settings
        noURL.publicURL = nil
        #expect(evaluate(webhooks: [], settings: noURL).findings.isEmpty)
    }

    @Test func theWebhookFindingAndItsClearedShareOneIncident() throws {
        let url = "https://alerts.example.com/fivetran"
        let failing = evaluate(webhooks: [Webhook(id: "wh_1", url: url, active: false)])
        let cleared = evaluate(
            failing.memory, webhooks: [Webhook(id: "wh_1", url: url, active: true)], openInStore: nil)
        let failure = try Delivery.parse(failing.findings[0].body(created: now))
        let recovery = try Delivery.parse(cleared.findings[0].body(created: now))
        let forwarded = ForwardedEvents(names: ["sync_end"])
        let open = try #require(IncidentSignal.of(failure, forwarded: forwarded))
        let close = try #require(IncidentSignal.of(recovery, forwarded: forwarded))
        #expect(open.family == .webhook && close.family == .webhook)
        #expect(open.subject == close.subject)
        #expect(close.kind == .resolution)
        #expect(
            open.kind
                == .failure(
                    status: "inactive",
                    reason:
                        "Webhook wh_1 (\(url)) is inactive: Fivetran turns off webhooks whose deliveries keep failing, and then sends nothing."
                ))
        #expect(ForwardedEvents.severity(of: failure) == .warning)
    }
}
