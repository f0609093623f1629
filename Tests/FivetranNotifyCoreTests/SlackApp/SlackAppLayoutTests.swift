import Foundation
import Testing

@testable import FivetranNotifyCore

/// Every way an app-mode message breaks Slack's limits (`slackLimitViolations`, where a mention of the
/// clicker, `<@U…>`, is ours), plus the limits of the actions block and its buttons.
func appLayoutViolations(_ message: SlackMessage) -> [String] {
    var problems = slackLimitViolations(message).filter { !$0.contains("unescaped < before @U") }
    for block in message.blocks where block["type"] == .string("actions") {
        let elements = block["elements"]?.arrayValue ?? []
        if elements.isEmpty || elements.count > 25 { problems.append("actions: \(elements.count) elements") }
        let ids = elements.compactMap { $0["action_id"]?.stringValue }
        if Set(ids).count != elements.count { problems.append("actions: action_ids missing or repeated") }
        for element in elements {
            let label = element["text"]?["text"]?.stringValue ?? ""
            if label.isEmpty || label.utf16.count > 75 { problems.append("button label \(label.utf16.count)") }
            if (element["value"]?.stringValue ?? "").utf16.count > 2000 { problems.append("button value too long") }
            if let confirm = element["confirm"] {
                for (key, limit) in [("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)] {
                    let text = confirm[key]?["text"]?.stringValue ?? ""
                    if text.isEmpty || text.utf16.count > limit {
                        problems.append("confirm \(key) \(text.utf16.count)")
                    }
                }
            }
        }
    }
    return problems
}

func actionsBlock(_ message: SlackMessage) -> [JSONValue]? {
    message.blocks.first { $0["type"] == .string("actions") }?["elements"]?.arrayValue
}

func buttonIDs(_ message: SlackMessage) -> [String] {
    (actionsBlock(message) ?? []).compactMap { $0["action_id"]?.stringValue }
}

@Suite struct SlackAppLayoutTests {
    /// The same UTC day as the fixtures (2026-05-22).
    let now = ISO8601Timestamp.date(from: "2026-05-22T10:20:00Z")!
    let alice = SlackActor(userID: "U0ALICE", name: "alice")
    let buttons = SlackButtons(key: "sync|warrant_sheep", canResync: true)

    private func at(_ time: String) -> Date { ISO8601Timestamp.date(from: "2026-05-22T\(time)Z")! }

    @Test func aFailureIsTheUsualLayoutWithAcknowledgeMuteAndResync() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let message = SlackAppLayout.failure(d, buttons: buttons, now: now)
        #expect(appLayoutViolations(message) == [])
        let plain = AlertRenderer.alert(for: d, now: now)
        #expect(message.text == plain.text)
        #expect(Array(message.blocks.dropLast()) == plain.blocks)
        #expect(message.blocks.last?["type"] == .string("actions"))
        let elements = try #require(actionsBlock(message))
        #expect(
            buttonIDs(message) == ["fivetran_notify_acknowledge", "fivetran_notify_mute", "fivetran_notify_resync"])
        #expect(elements.map { $0["text"]?["text"]?.stringValue } == ["Acknowledge", "Mute 4h", "Re-sync"])
        #expect(elements[0]["style"] == .string("primary"))
        for element in elements {
            let value = try #require(element["value"]?.stringValue.flatMap(SlackButtonValue.init(encoded:)))
            #expect(value == SlackButtonValue(incident: "sync|warrant_sheep", connection: "warrant_sheep"))
        }
        #expect(elements[0]["confirm"] == nil)
        let confirm = try #require(elements[2]["confirm"])
        #expect(confirm["title"]?["text"] == .string("Re-sync salesforce_prod?"))
        #expect(confirm["text"]?["text"]?.stringValue?.contains("(warrant_sheep)") == true)
        #expect(confirm["confirm"]?["text"] == .string("Re-sync"))
        #expect(confirm["deny"]?["text"] == .string("Cancel"))
    }

    @Test func withoutASigningSecretThereAreNoButtons() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let message = SlackAppLayout.failure(d, buttons: nil, now: now)
        #expect(message == AlertRenderer.alert(for: d, now: now))
        #expect(actionsBlock(message) == nil)
    }

    @Test func resyncOnlyForNoticesAboutOneConnectionWithCredentials() throws {
        let sync = try eventFixture("sync_end_failure_with_task")
        let noCredentials = SlackAppLayout.failure(
            sync, buttons: SlackButtons(key: "sync|warrant_sheep", canResync: false), now: now)
        #expect(buttonIDs(noCredentials) == ["fivetran_notify_acknowledge", "fivetran_notify_mute"])
        let value = actionsBlock(noCredentials)?.first?["value"]?.stringValue.flatMap(SlackButtonValue.init(encoded:))
        #expect(value == SlackButtonValue(incident: "sync|warrant_sheep"))

        let dbt = try eventFixture("dbt_run_failed")
        #expect(!buttonIDs(SlackAppLayout.failure(dbt, buttons: buttons, now: now)).contains("fivetran_notify_resync"))
        let connection = try eventFixture("connection_failure")
        #expect(
            buttonIDs(SlackAppLayout.failure(connection, buttons: buttons, now: now)).contains("fivetran_notify_resync")
        )

        let broken = Delivery(raw: [
            "event": "watch_connection_broken", "connector_id": "warrant_sheep", "connector_name": "salesforce_prod",
            "watch_subject": "warrant_sheep", "data": ["title": "Connector broken — salesforce_prod"],
        ])
        #expect(SlackAppLayout.resyncTarget(of: broken) == "warrant_sheep")
        let webhook = Delivery(raw: [
            "event": "watch_webhook_inactive", "watch_subject": "webhook:https://alerts.example.com",
            "data": ["title": "No webhook sends alerts"],
        ])
        #expect(SlackAppLayout.resyncTarget(of: webhook) == nil)
        #expect(SlackAppLayout.resyncTarget(of: dbt) == nil)
        #expect(appLayoutViolations(SlackAppLayout.failure(broken, buttons: buttons, now: now)) == [])
    }

    @Test func anAcknowledgedParentSaysWhoAndOffersUnacknowledge() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let state = SlackParentState(acknowledgedBy: alice, acknowledgedAt: at("10:14:05"))
        let message = SlackAppLayout.failure(d, buttons: buttons, state: state, now: now)
        #expect(appLayoutViolations(message) == [])
        #expect(allTexts(message).contains("Acknowledged by <@U0ALICE> at 10:14 UTC"))
        #expect(
            buttonIDs(message) == ["fivetran_notify_unacknowledge", "fivetran_notify_mute", "fivetran_notify_resync"])
        #expect(actionsBlock(message)?.first?["style"] == nil)
    }

    @Test func aMutedParentSaysWhoAndUntilWhen() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let state = SlackParentState(mutedBy: alice, mutedUntil: at("14:10:00"))
        let message = SlackAppLayout.failure(
            d, buttons: SlackButtons(key: "sync|warrant_sheep", muteFor: .seconds(90 * 60), canResync: true),
            state: state, now: now)
        #expect(allTexts(message).contains("Muted by <@U0ALICE> until 14:10 UTC"))
        #expect(actionsBlock(message)?[1]["text"]?["text"] == .string("Mute 90m"))
        // A name that is not a user id is escaped, never a mention or a broadcast.
        let stranger = SlackParentState(acknowledgedBy: SlackActor(userID: "x", name: "<!channel>"))
        let escaped = SlackAppLayout.failure(d, buttons: buttons, state: stranger, now: now)
        #expect(allTexts(escaped).contains("Acknowledged by @&lt;!channel&gt;"))
        #expect(appLayoutViolations(escaped) == [])
    }

    @Test func theRecoveredParentIsGreenKeepsTheReasonAndHasNoButtons() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let message = SlackAppLayout.recovered(
            lastFailure: d, recoveredAt: at("10:14:05"), failingSince: at("08:01:05"), failures: 4,
            state: SlackParentState(acknowledgedBy: alice, acknowledgedAt: at("09:00:00")), now: now)
        #expect(appLayoutViolations(message) == [])
        #expect(headerText(message) == ":large_green_circle: Recovered — salesforce_prod")
        #expect(message.text == "Recovered — salesforce_prod, after 2 h 13 min (4 failed syncs)")
        let texts = allTexts(message)
        #expect(texts.contains("after 2 h 13 min (4 failed syncs)"))
        #expect(texts.contains("Last failure: FAILURE_WITH_TASK — java.lang.RuntimeException: Unable to connect"))
        #expect(texts.contains("Acknowledged by <@U0ALICE> at 09:00 UTC"))
        #expect(texts.contains("https://fivetran.com/dashboard/connectors/warrant_sheep"))
        #expect(actionsBlock(message) == nil)
    }

    @Test func recoveryCountsSayWhatFailed() throws {
        let dbt = try eventFixture("dbt_run_failed")
        let one = SlackAppLayout.recovered(
            lastFailure: dbt, recoveredAt: at("10:00:50"), failingSince: at("10:00:00"), failures: 1, now: now)
        #expect(one.text.hasSuffix("after 50 s (1 failed run)"))
        let many = SlackAppLayout.recoveryReply(
            lastFailure: dbt, recoveredAt: at("10:00:00"), failingSince: at("09:00:00"), failures: 3, broadcast: false,
            now: now)
        #expect(many.message.text.hasSuffix("after 1 h (3 failed runs)"))
        let noReason = try modifiedFixture("sync_end_failure_with_task", data: ["reason": nil])
        let message = SlackAppLayout.recovered(
            lastFailure: noReason, recoveredAt: now, failingSince: at("10:00:00"), failures: 2, now: now)
        #expect(allTexts(message).contains("Last failure: FAILURE_WITH_TASK — Fivetran gave no reason"))
    }

    @Test func aReminderIsAQuietThreadReply() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let reply = SlackAppLayout.reminderReply(d, failuresSince: 3, since: at("10:05:00"), now: now)
        #expect(!reply.broadcast)
        #expect(appLayoutViolations(reply.message) == [])
        #expect(allTexts(reply.message).contains("*Still failing — 3 more failed syncs since 10:05 UTC*"))
        #expect(reply.message.text == "Still failing — 3 more failed syncs since 10:05 UTC — salesforce_prod")
        #expect(actionsBlock(reply.message) == nil)
        let single = SlackAppLayout.reminderReply(d, failuresSince: 1, since: at("10:05:00"), now: now)
        #expect(single.message.text.hasPrefix("Still failing — 1 more failed sync since"))
    }

    @Test func aChangedStatusIsABroadcastReplyWithTheNewReason() throws {
        let before = try eventFixture("sync_end_failure")
        let after = try eventFixture("sync_end_failure_with_task")
        let reply = SlackAppLayout.changeReply(after, previous: before, now: now)
        #expect(reply.broadcast)
        #expect(appLayoutViolations(reply.message) == [])
        let texts = allTexts(reply.message)
        #expect(texts.contains("*Now* FAILURE_WITH_TASK · reconnect_warehouse (was \(before.status ?? "?"))"))
        #expect(texts.contains("```\njava.lang.RuntimeException: Unable to connect"))
        #expect(reply.message.text.hasPrefix("salesforce_prod: Now FAILURE_WITH_TASK (was "))
    }

    @Test func aRecoveryReplyIsBroadcastOnlyWithNotifyResolved() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        for broadcast in [false, true] {
            let reply = SlackAppLayout.recoveryReply(
                lastFailure: d, recoveredAt: at("10:14:05"), failingSince: at("08:01:05"), failures: 4,
                broadcast: broadcast, now: now)
            #expect(reply.broadcast == broadcast)
            #expect(appLayoutViolations(reply.message) == [])
            #expect(reply.message.text == "Recovered — salesforce_prod, after 2 h 13 min (4 failed syncs)")
        }
    }

    @Test func buttonRepliesSayWhoAndNeverInjectMarkup() {
        #expect(SlackAppLayout.resyncReply(by: alice, error: nil).message.text == "Sync started by <@U0ALICE>")
        let failed = SlackAppLayout.resyncReply(by: alice, error: "Fivetran has no connection <x> (404)")
        #expect(failed.message.text == "Re-sync by <@U0ALICE> failed: Fivetran has no connection &lt;x&gt; (404)")
        #expect(!failed.broadcast)
        let unack = SlackAppLayout.unacknowledgeReply(by: alice, pagesPagerDuty: true)
        #expect(unack.message.text.contains("PagerDuty has no un-acknowledge"))
        #expect(!SlackAppLayout.unacknowledgeReply(by: alice, pagesPagerDuty: false).message.text.contains("PagerDuty"))
    }

    @Test func hostileReasonsStayEscapedAndTheButtonsStay() throws {
        let huge = String(repeating: "<!channel> & ``` ", count: 20_000)
        let d = try modifiedFixture(
            "sync_end_failure_with_task", data: ["reason": .string(huge)],
            top: ["connector_name": .string(String(repeating: "n", count: 400))])
        let message = SlackAppLayout.failure(
            d, buttons: buttons, state: SlackParentState(acknowledgedBy: alice, mutedBy: alice), now: now)
        #expect(appLayoutViolations(message) == [])
        #expect(message.blocks.last?["type"] == .string("actions"))
        #expect(!mrkdwnTexts(message).contains("<!channel>"))
        let recovered = SlackAppLayout.recovered(
            lastFailure: d, recoveredAt: now, failingSince: at("09:00:00"), failures: 2, now: now)
        #expect(appLayoutViolations(recovered) == [])
        #expect(!mrkdwnTexts(recovered).contains("<!channel>"))
    }

    // MARK: - Digests

    private func storm(_ count: Int) throws -> [Delivery] {
        try (0..<count).map { index in
            try modifiedFixture(
                "sync_end_failure_with_task",
                top: [
                    "connector_id": .string("conn_\(index)"), "connector_name": .string("connector_\(index)"),
                ])
        }
    }

    @Test func aDigestParentCountsRecoveriesAndTurnsGreen() throws {
        let deliveries = try storm(3)
        let digestButtons = SlackButtons(key: "digest|42", canResync: true)
        let open = try #require(SlackAppLayout.digest(deliveries, recovered: [], buttons: digestButtons, now: now))
        #expect(appLayoutViolations(open.parent) == [])
        #expect(open.continuations.isEmpty)
        #expect(!allTexts(open.parent).contains("recovered"))
        #expect(buttonIDs(open.parent) == ["fivetran_notify_acknowledge", "fivetran_notify_mute"])
        let value = actionsBlock(open.parent)?.first?["value"]?.stringValue.flatMap(SlackButtonValue.init(encoded:))
        #expect(value == SlackButtonValue(incident: "digest|42"))

        let some = try #require(
            SlackAppLayout.digest(deliveries, recovered: ["conn_1", "elsewhere"], buttons: digestButtons, now: now))
        #expect(some.parent.blocks[1]["text"]?["text"] == .string(":large_green_circle: *1 of 3 recovered*"))
        #expect(some.parent.text.hasSuffix(" — 1 of 3 recovered"))
        #expect(buttonIDs(some.parent).count == 2)

        let all = try #require(
            SlackAppLayout.digest(
                deliveries, recovered: ["conn_0", "conn_1", "conn_2"], buttons: digestButtons, now: now))
        #expect(appLayoutViolations(all.parent) == [])
        #expect(headerText(all.parent)?.hasPrefix(":large_green_circle: All 3 recovered — 3 failures") == true)
        #expect(all.parent.text.hasPrefix("All 3 recovered — "))
        #expect(actionsBlock(all.parent) == nil)
        #expect(SlackAppLayout.digest([], recovered: [], buttons: digestButtons, now: now) == nil)
    }

    @Test func aHugeDigestNamesEveryConnectorInItsParentAndThread() throws {
        let deliveries = try (0..<3000).map { index in
            try modifiedFixture(
                "sync_end_failure_with_task",
                data: ["reason": .string("reason number \(index % 60) with some words to make it longer")],
                top: [
                    "connector_id": .string("conn_\(index)"), "connector_name": .string("connector_name_\(index)"),
                ])
        }
        let layout = try #require(
            SlackAppLayout.digest(
                deliveries, recovered: ["conn_7"], buttons: SlackButtons(key: "digest|1", canResync: false),
                state: SlackParentState(acknowledgedBy: alice), now: now))
        let messages = [layout.parent] + layout.continuations
        for message in messages { #expect(appLayoutViolations(message) == []) }
        #expect(layout.parent.blocks.last?["type"] == .string("actions"))
        let names = Set(
            messages.map(allTexts).joined(separator: "\n").split { $0 == "," || $0 == " " || $0.isNewline }.map(
                String.init)
        )
        #expect((0..<3000).allSatisfy { names.contains("connector_name_\($0)") })
        #expect(allTexts(layout.parent).contains("1 of 3000 recovered"))
    }

    @Test func aDigestShowsWhatPeopleDidWithoutLosingANameOrBreakingALimit() throws {
        let buttons = SlackButtons(key: "digest:42", canResync: false)
        for count in [3, 3000] {
            let deliveries = try (0..<count).map { index in
                try modifiedFixture(
                    "sync_end_failure_with_task",
                    data: ["reason": .string("reason number \(index % 60) with some words to make it longer")],
                    top: [
                        "connector_id": .string("conn_\(index)"),
                        "connector_name": .string("connector_name_\(index)"),
                    ])
            }
            let posted = try #require(SlackAppLayout.digest(deliveries, recovered: [], buttons: buttons, now: now))
            let acknowledged = SlackAppLayout.digestShowing(
                SlackParentState(acknowledgedBy: alice, acknowledgedAt: now), on: posted.parent, buttons: buttons,
                now: now)
            #expect(appLayoutViolations(acknowledged) == [])
            #expect(allTexts(acknowledged).contains("Acknowledged by"))
            #expect(buttonIDs(acknowledged) == ["fivetran_notify_unacknowledge", "fivetran_notify_mute"])
            // Every name the parent had is still there: what people did took only the room kept for it.
            #expect(acknowledged.blocks.count == posted.parent.blocks.count + 1)
            #expect(
                Array(acknowledged.blocks.prefix(posted.parent.blocks.count - 1)) == posted.parent.blocks.dropLast())
            // Shown again (muted too, then unacknowledged): one state line, replaced, never repeated.
            let both = SlackAppLayout.digestShowing(
                SlackParentState(
                    acknowledgedBy: alice, acknowledgedAt: now, mutedBy: alice, mutedUntil: now + 4 * 3600),
                on: acknowledged, buttons: buttons, now: now)
            #expect(appLayoutViolations(both) == [])
            #expect(both.blocks.count == acknowledged.blocks.count)
            #expect(allTexts(both).contains("Muted by"))
            let muted = SlackAppLayout.digestShowing(
                SlackParentState(mutedBy: alice, mutedUntil: now + 4 * 3600), on: both, buttons: buttons, now: now)
            #expect(!allTexts(muted).contains("Acknowledged by"))
            #expect(buttonIDs(muted) == ["fivetran_notify_acknowledge", "fivetran_notify_mute"])
            #expect(
                SlackAppLayout.digestShowing(SlackParentState(), on: muted, buttons: buttons, now: now) == posted.parent
            )
        }
    }
}
