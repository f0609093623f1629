import Foundation
import Testing

@testable import FivetranNotifyCore

/// A rendered Teams body read back: the card, and its blocks by kind.
private struct RenderedCard {
    let bytes: Int
    let envelope: [String: Any]
    let card: [String: Any]

    init(_ data: Data) throws {
        bytes = data.count
        envelope = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let attachments = try #require(envelope["attachments"] as? [[String: Any]])
        try #require(attachments.count == 1)
        #expect(attachments[0]["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        card = try #require(attachments[0]["content"] as? [String: Any])
    }

    var body: [[String: Any]] { card["body"] as? [[String: Any]] ?? [] }
    var textBlocks: [[String: Any]] { body.filter { $0["type"] as? String == "TextBlock" } }
    /// Markdown texts: TextBlocks and fact values.
    var markdown: [String] { textBlocks.compactMap { $0["text"] as? String } + facts.map(\.value) }
    var title: String { textBlocks.first?["text"] as? String ?? "" }
    var titleBlock: [String: Any] { textBlocks.first ?? [:] }
    var subtle: [String] { textBlocks.filter { $0["isSubtle"] as? Bool == true }.compactMap { $0["text"] as? String } }
    var facts: [(title: String, value: String)] {
        body.filter { $0["type"] as? String == "FactSet" }
            .flatMap { ($0["facts"] as? [[String: Any]]) ?? [] }
            .map { ($0["title"] as? String ?? "", $0["value"] as? String ?? "") }
    }
    func fact(_ title: String) -> String? { facts.first { $0.title == title }?.value }
    /// Monospace blocks' texts (TextRuns, shown verbatim).
    var monospace: [String] {
        body.filter { $0["type"] as? String == "RichTextBlock" }
            .flatMap { ($0["inlines"] as? [[String: Any]]) ?? [] }
            .filter { $0["type"] as? String == "TextRun" && $0["fontType"] as? String == "Monospace" }
            .compactMap { $0["text"] as? String }
    }
    var actions: [[String: Any]] { card["actions"] as? [[String: Any]] ?? [] }
    var everything: String { (markdown + monospace).joined(separator: "\n") }
}

@Suite struct TeamsCardRendererTests {
    let now = ISO8601Timestamp.date(from: "2026-05-22T02:00:00Z")!

    private func render(_ notice: Notice) -> [Data] {
        TeamsCardRenderer.cards(for: notice, now: now).map { $0.jsonBody() }
    }

    private func alert(_ d: Delivery) throws -> RenderedCard {
        let bodies = render(Notice(id: 1, kind: .alert, deliveries: [d], createdAt: now))
        try #require(bodies.count == 1)
        return try RenderedCard(bodies[0])
    }

    private func delivery(_ fields: [String: JSONValue]) -> Delivery { Delivery(raw: fields) }

    @Test func syncFailureCard() throws {
        let card = try alert(try eventFixture("sync_end_failure_with_task"))
        #expect(card.envelope["type"] as? String == "message")
        #expect(card.card["type"] as? String == "AdaptiveCard")
        #expect(card.card["version"] as? String == "1.4")
        #expect(card.title == "🔴 Sync failed — salesforce\\_prod")
        #expect(card.titleBlock["weight"] as? String == "Bolder")
        #expect(card.titleBlock["color"] as? String == "Attention")
        #expect(card.facts.map(\.title) == ["Connector", "Type", "Status", "Destination", "Sync"])
        #expect(card.fact("Connector") == "salesforce\\_prod (warrant\\_sheep)")
        #expect(card.fact("Type") == "salesforce")
        #expect(card.fact("Status") == "FAILURE\\_WITH\\_TASK · reconnect\\_warehouse")
        #expect(card.fact("Destination") == "inappropriate\\_implode")
        #expect(card.fact("Sync") == "2f1d4b8e-97a3-4c56-b0de-6a1c3e9f7d21")
        #expect(
            card.monospace == [
                "java.lang.RuntimeException: Unable to connect to the destination: password authentication failed for user \"fivetran\""
            ])
        #expect(card.subtle == ["01:12:44 UTC"])
        try #require(card.actions.count == 1)
        #expect(card.actions[0]["type"] as? String == "Action.OpenUrl")
        #expect(card.actions[0]["title"] as? String == "Open in Fivetran")
        #expect(card.actions[0]["url"] as? String == "https://fivetran.com/dashboard/connectors/warrant_sheep/status")
    }

    @Test func rescheduledSyncIsAWarning() throws {
        let card = try alert(try eventFixture("sync_end_rescheduled"))
        #expect(card.title == "🟡 Sync rescheduled — hubspot\\_marketing")
        #expect(card.titleBlock["color"] as? String == "Warning")
        #expect(card.fact("Status") == "RESCHEDULED · retry at 03:00:00 UTC")
        #expect(card.monospace == ["API quota exhausted"])
    }

    @Test func syncWithoutReasonSaysSo() throws {
        let card = try alert(
            delivery([
                "event": "sync_end", "connector_id": "warrant_sheep", "data": ["status": "FAILURE"],
                "created": "2026-05-22T01:12:44.000Z",
            ]))
        #expect(card.title == "🔴 Sync failed — warrant\\_sheep")
        #expect(card.markdown.contains("_Fivetran gave no reason_"))
        #expect(card.monospace.isEmpty)
    }

    @Test func dbtFailureCard() throws {
        let card = try alert(try eventFixture("dbt_run_failed"))
        #expect(card.title == "🔴 dbt run failed — at8\\_30")
        #expect(card.fact("Job") == "at8\\_30 (cover\\_scale)")
        #expect(card.fact("Destination") == "inappropriate\\_implode")
        #expect(card.fact("Result") == "Steps: successful 0, failed 1")
        #expect(card.fact("Started by") == "manual")
        #expect(card.markdown.contains("**Step** dbt run — exit 1, 3 models failed, 0 succeeded"))
        try #require(card.monospace.count == 1)
        #expect(card.monospace[0].hasPrefix("Database Error in model stg_orders (models/staging/stg_orders.sql)\n"))
        #expect(card.subtle == ["ran 2022-06-01 07:40:38–07:41:28 UTC (50 s)"])
        #expect(
            card.actions.first?["url"] as? String
                == "https://fivetran.com/dashboard/dbt-transformations?groupId=inappropriate_implode")
    }

    @Test func connectionFailureCard() throws {
        let card = try alert(try eventFixture("connection_failure"))
        #expect(card.title == "🔴 Connection test failed — snowflake\\_finance")
        #expect(card.facts.map(\.title) == ["Connector", "Type", "Status", "Destination"])
        #expect(card.monospace == ["Connection test failed: Incorrect username or password was specified."])
        #expect(card.subtle == ["2026-05-23 09:15:27 UTC"])
        #expect(card.actions.first?["url"] as? String == "https://fivetran.com/dashboard/connectors/humid_frame/status")
    }

    @Test func genericEventShowsItsData() throws {
        let card = try alert(try eventFixture("sync_start"))
        #expect(card.title.hasPrefix("🔵 Sync start — "))
        #expect(card.fact("Event") == "sync\\_start")
        #expect(card.titleBlock["color"] as? String == "Accent")
    }

    @Test func destinationNamedByTheAccountWatch() throws {
        var raw = try eventFixture("sync_end_failure_with_task").raw
        raw["destination_name"] = "Snowflake prod"
        let card = try alert(Delivery(raw: raw))
        #expect(card.fact("Destination") == "Snowflake prod (inappropriate\\_implode)")
    }

    @Test func reminderCard() throws {
        let latest = try eventFixture("sync_end_failure_with_task")
        let since = ISO8601Timestamp.date(from: "2026-05-22T01:12:00Z")!
        let bodies = render(
            Notice(id: 2, kind: .reminder, deliveries: [latest], failures: 9, since: since, createdAt: now))
        try #require(bodies.count == 1)
        let card = try RenderedCard(bodies[0])
        #expect(
            card.title
                == "🔴 **Still failing** — salesforce\\_prod: 9 more failures since 01:12 UTC (same reason)")
        #expect(card.monospace.first?.hasPrefix("java.lang.RuntimeException") == true)
        #expect(card.subtle == ["last 01:12:44 UTC · FAILURE\\_WITH\\_TASK"])
        #expect(card.actions.first?["title"] as? String == "Open in Fivetran")
    }

    @Test func resolvedCard() throws {
        let success = try eventFixture("sync_end_successful")
        let recovered = try #require(success.createdDate)
        let since = recovered.addingTimeInterval(-(2 * 3600 + 13 * 60))
        let bodies = render(
            Notice(id: 3, kind: .resolved, deliveries: [success], failures: 4, since: since, createdAt: now))
        try #require(bodies.count == 1)
        let card = try RenderedCard(bodies[0])
        let name = TeamsText.escape(success.displayName)
        #expect(card.title == "🟢 **Recovered** — \(name), after 2 h 13 min (4 failed syncs)")
        #expect(card.titleBlock["color"] as? String == "Good")
        #expect(card.subtle.first?.hasPrefix("failing since ") == true)
        #expect(card.actions.first?["title"] as? String == "Open in Fivetran")
    }

    @Test func watchFindingCard() throws {
        let finding = delivery([
            "event": "watch_connection_broken", "created": "2026-05-22T01:30:00.000Z",
            "connector_id": "warrant_sheep", "connector_name": "salesforce_prod", "connector_type": "salesforce",
            "destination_group_id": "inappropriate_implode", "destination_name": "Snowflake prod",
            "data": [
                "title": "Connector broken — salesforce_prod",
                "reason": "Fivetran reports setup_state broken since 01:12 UTC.\nReconnect the source.",
                "severity": "failure",
                "fix": "fivetran-notify status --connector warrant_sheep",
            ],
        ])
        let card = try alert(finding)
        #expect(card.title == "🔴 Connector broken — salesforce\\_prod")
        #expect(card.titleBlock["color"] as? String == "Attention")
        #expect(card.fact("Connector") == "salesforce\\_prod (warrant\\_sheep)")
        #expect(card.fact("Destination") == "Snowflake prod (inappropriate\\_implode)")
        #expect(
            card.markdown.contains("Fivetran reports setup\\_state broken since 01:12 UTC.\n\nReconnect the source."))
        #expect(card.monospace == ["fivetran-notify status --connector warrant_sheep"])
        #expect(
            card.actions.first?["url"] as? String == "https://fivetran.com/dashboard/connectors/warrant_sheep/status")

        var warning = finding.raw
        warning["event"] = "watch_webhook_inactive"
        warning["data"] = [
            "title": "Webhook quiet — no delivery for 3 h", "reason": "Check the webhook.", "severity": "warning",
        ]
        let quiet = try alert(Delivery(raw: warning))
        #expect(quiet.title == "🟡 Webhook quiet — no delivery for 3 h")
        #expect(quiet.titleBlock["color"] as? String == "Warning")
        #expect(quiet.monospace.isEmpty)

        let success = delivery(["event": "watch_connection_broken_cleared", "connector_name": "salesforce_prod"])
        let bodies = render(
            Notice(id: 4, kind: .resolved, deliveries: [success], failures: 1, since: now, createdAt: now))
        #expect(try RenderedCard(bodies[0]).title.hasPrefix("🟢 **Recovered** — salesforce\\_prod, after "))
    }

    @Test func hugeReasonIsClampedVisibly() throws {
        let reason = String(repeating: "x", count: 99_990) + "\u{1}\"\\<>"
        let d = delivery([
            "event": "sync_end", "connector_id": "warrant_sheep", "connector_name": .string(reason),
            "connector_type": .string(reason), "destination_group_id": .string(reason), "sync_id": .string(reason),
            "data": ["status": .string(reason), "reason": .string(reason), "taskType": .string(reason)],
        ])
        let bodies = render(Notice(id: 5, kind: .alert, deliveries: [d], createdAt: now))
        try #require(bodies.count == 1)
        #expect(bodies[0].count < 26_000)
        let card = try RenderedCard(bodies[0])
        let shown = try #require(card.monospace.first)
        let marker = try #require(shown.range(of: "… (", options: .backwards))
        #expect(shown.hasSuffix(" more characters)"))
        let kept = shown[..<marker.lowerBound].count
        let more = Int(shown[marker.upperBound...].prefix { $0.isNumber }) ?? -1
        #expect(kept + more == reason.count)
        #expect(kept > 5_000)
        #expect(card.actions.count == 1)

        // Every kind and layout stays under the limit with the same input.
        var dbt = d.raw
        dbt["event"] = "dbt_run_failed"
        let step: JSONValue = [
            "step": ["command": .string(reason)], "success": false,
            "commandResult": ["output": .string(reason), "error": .string(reason), "exitCode": .number(1)],
        ]
        dbt["data"] = [
            "result": ["description": .string(reason), "stepResults": .array(Array(repeating: step, count: 12))]
        ]
        var generic = d.raw
        generic["event"] = .string(reason)
        var watch = d.raw
        watch["event"] = "watch_connection_broken"
        watch["data"] = ["title": .string(reason), "reason": .string(reason), "fix": .string(reason)]
        for raw in [dbt, generic, watch, d.raw] {
            let one = Delivery(raw: raw)
            for kind in [NoticeKind.alert, .reminder, .resolved] {
                for body in render(
                    Notice(id: 6, kind: kind, deliveries: [one], failures: 3, since: now, createdAt: now))
                {
                    #expect(body.count < 26_000, "\(kind) of \(one.event.prefix(20)): \(body.count) bytes")
                    _ = try RenderedCard(body)
                }
            }
        }
    }

    @Test func userTextCannotAddLinksMentionsOrFormatting() throws {
        let evil =
            "[click](https://evil) <at>everyone</at> **bold** _it_ ~~s~~ `code` &amp; {{DATE(2026-01-01T00:00:00Z)}}"
        let d = delivery([
            "event": "sync_end", "connector_id": .string(evil), "connector_name": .string(evil),
            "connector_type": .string(evil), "destination_group_id": .string(evil),
            "destination_name": .string(evil), "sync_id": .string(evil),
            "data": ["status": .string(evil), "reason": .string(evil), "taskType": .string(evil)],
        ])
        var cards = [try alert(d)]
        cards += try render(Notice(id: 7, kind: .reminder, deliveries: [d], failures: 2, since: now, createdAt: now))
            .map(RenderedCard.init)
        cards += try render(Notice(id: 8, kind: .resolved, deliveries: [d], failures: 2, since: now, createdAt: now))
            .map(RenderedCard.init)
        cards += try render(Notice(id: 9, kind: .digest, deliveries: [d, d], createdAt: now)).map(RenderedCard.init)
        var watch = d.raw
        watch["event"] = "watch_connection_broken"
        watch["data"] = ["title": .string(evil), "reason": .string(evil), "fix": .string(evil)]
        cards.append(try alert(Delivery(raw: watch)))

        let escaped = TeamsText.escape(evil)
        #expect(
            escaped
                == #"\[click\](https://evil) \<at\>everyone\</at\> \*\*bold\*\* \_it\_ \~\~s\~\~ \`code\` \&amp; \{\{DATE(2026-01-01T00:00:00Z)\}\}"#
        )
        for card in cards {
            for text in card.markdown {
                #expect(!text.contains("[click]"), "link in \(text)")
                #expect(!text.contains("<at>"), "mention in \(text)")
                #expect(!text.contains("**bold**"), "bold in \(text)")
                #expect(!text.contains("{{"), "date function in \(text)")
            }
            #expect(card.markdown.contains { $0.contains(TeamsText.escape("[click](https://evil)")) })
            for text in card.monospace { #expect(!text.contains("{{")) }
            for action in card.actions {
                #expect((action["url"] as? String)?.hasPrefix("https://fivetran.com/dashboard") == true)
            }
        }
        // The dashboard link's id is percent-encoded: it cannot leave the Fivetran URL.
        #expect(
            cards[0].actions.first?["url"] as? String
                == "https://fivetran.com/dashboard/connectors/\(URLComponent.encoded(evil))/status")
        // Machine output is verbatim in a TextRun (no Markdown there), date functions defused.
        #expect(cards[0].monospace.first?.hasPrefix("[click](https://evil) <at>everyone</at> **bold**") == true)
    }

    @Test func lastGuardDropsBlocksAndSaysSo() throws {
        let card = TeamsCard(
            body: [
                .text("title", .title(.attention)), .monospace(String(repeating: "a", count: 20_000)),
                .monospace(String(repeating: "b", count: 20_000)), .text("01:12:44 UTC", .subtle),
            ],
            actions: [TeamsCard.Link(title: "Open in Fivetran", url: "https://fivetran.com/dashboard")])
        let fitted = card.fittingLimit()
        let rendered = try RenderedCard(fitted.jsonBody())
        #expect(rendered.bytes < 26_000)
        #expect(rendered.title == "title")
        #expect(rendered.monospace.count == 1)
        #expect(rendered.subtle == ["_… shortened to fit Teams' limits_", "01:12:44 UTC"])
        #expect(rendered.actions.count == 1)
    }

    @Test func escapingLineStarts() {
        #expect(TeamsText.escape("- item") == "\\- item")
        #expect(TeamsText.escape("12. item\n3) x a-b 4.5") == "12\\. item\n3\\) x a-b 4.5")
        #expect(TeamsText.escape("# h\n+ x") == "\\# h\n\\+ x")
        #expect(TeamsText.escapeAndClamp("a_b", toBytes: 100) == "a\\_b")
        let cut = TeamsText.escapeAndClamp(String(repeating: "_", count: 100), toBytes: 60)
        #expect(TeamsText.jsonLength(cut) <= 60)
        #expect(cut.hasSuffix("… (89 more characters)"))
        #expect(cut.hasPrefix("\\_\\_"))
        #expect(!cut.hasPrefix("\\_\\\\"))
    }

    @Test func digestNamesEveryConnectorAcrossBodies() throws {
        let reasons = [
            "Unable to connect to the destination: password authentication failed", "API quota exhausted",
            "Timeout waiting for the source",
        ]
        var deliveries: [Delivery] = []
        for index in 0..<3_000 {
            let name = String(format: "connector_%04d_with_a_rather_long_descriptive_name", index)
            deliveries.append(
                delivery([
                    "event": "sync_end", "created": "2026-05-22T01:12:44.000Z",
                    "connector_id": .string("id_\(index)"), "connector_name": .string(name),
                    "destination_group_id": .string(index % 10 == 0 ? "other_group" : "inappropriate_implode"),
                    "data": [
                        "status": .string(index % 3 == 1 ? "RESCHEDULED" : "FAILURE"),
                        "reason": .string(reasons[index % 3]),
                    ],
                ]))
        }
        deliveries.append(deliveries[5])
        let notice = Notice(id: 10, kind: .digest, deliveries: deliveries, createdAt: now)
        let bodies = render(notice)
        #expect(bodies.count > 2)
        #expect(bodies == render(notice))
        let cards = try bodies.map(RenderedCard.init)
        for (body, card) in zip(bodies, cards) {
            #expect(body.count < 26_000)
            #expect(card.actions.first?["title"] as? String == "Open in Fivetran")
            #expect(card.titleBlock["weight"] as? String == "Bolder")
        }
        let all = cards.map(\.everything).joined(separator: "\n")
        for index in 0..<3_000 {
            let name = String(format: "connector_%04d_with_a_rather_long_descriptive_name", index)
            #expect(all.contains(TeamsText.escape(name)), "\(name) missing")
        }
        #expect(all.contains(TeamsText.escape("connector_0005_with_a_rather_long_descriptive_name") + " (×2)"))
        #expect(cards[0].title.hasPrefix("🚨 2701 failures — destination inappropriate\\_implode (part 1 of "))
        #expect(cards.last?.title.hasPrefix("🚨 300 failures — destination other\\_group") == true)
        #expect(all.contains("**Unable to connect to the destination: password authentication failed** — "))
        #expect(all.contains("(RESCHEDULED)"))
        #expect(all.contains("_(continued)_"))
    }

    @Test func smallDigestIsOneCard() throws {
        let a = try eventFixture("sync_end_failure_with_task")
        let b = try eventFixture("sync_end_rescheduled")
        let bodies = render(Notice(id: 11, kind: .digest, deliveries: [a, b], createdAt: now))
        try #require(bodies.count == 1)
        let card = try RenderedCard(bodies[0])
        #expect(card.title == "🚨 2 failures in 47 min — destination inappropriate\\_implode")
        #expect(card.everything.contains("salesforce\\_prod"))
        #expect(card.everything.contains("hubspot\\_marketing"))
        #expect(card.subtle == ["first 01:12:44 UTC, last 02:00:00 UTC · 2 reasons"])
    }

    @Test(arguments: allEventFixtures)
    func everyFixtureRendersDeterministically(name: String) throws {
        let notice = Notice(id: 12, kind: .alert, deliveries: [try eventFixture(name)], createdAt: now)
        let bodies = render(notice)
        try #require(bodies.count == 1)
        #expect(bodies == render(notice))
        #expect(bodies[0].count < 26_000)
        #expect(String(decoding: bodies[0].prefix(16), as: UTF8.self) == #"{"attachments":["#)
        let card = try RenderedCard(bodies[0])
        #expect(!card.title.isEmpty)
        #expect(card.actions.count == 1)
    }
}
