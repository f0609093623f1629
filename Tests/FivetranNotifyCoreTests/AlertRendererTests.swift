import Foundation
import Testing

@testable import FivetranNotifyCore

/// Every way a message can break Slack's limits or let a user string through unescaped, as readable
/// problems; empty when the message is valid. Walks the blocks itself rather than trusting the
/// renderer's own accounting. Lengths are UTF-16 units (never fewer than Slack's characters).
func slackLimitViolations(_ message: SlackMessage) -> [String] {
    var problems: [String] = []
    func length(_ text: String) -> Int { text.utf16.count }
    func checkText(_ text: String, _ place: String) {
        // Only our own links may open a `<`: user strings arrive escaped.
        for piece in text.utf8.split(separator: UInt8(ascii: "<"), omittingEmptySubsequences: false).dropFirst()
        where !piece.starts(with: "https://fivetran.com/".utf8) {
            problems.append("\(place): unescaped < before \(String(decoding: piece.prefix(40), as: UTF8.self))")
        }
        if text.components(separatedBy: "```").count % 2 == 0 { problems.append("\(place): unbalanced code fence") }
    }

    if message.text.isEmpty { problems.append("empty text") }
    if length(message.text) > 40_000 { problems.append("text over 40,000") }
    if message.text.contains(where: \.isNewline) { problems.append("text on more than one line") }
    checkText(message.text, "text")
    if message.blocks.count > 50 { problems.append("\(message.blocks.count) blocks") }
    var total = 0
    for (index, block) in message.blocks.enumerated() {
        let type = block["type"]?.stringValue ?? "?"
        let place = "block \(index) (\(type))"
        if let text = block["text"]?["text"]?.stringValue {
            total += length(text)
            if type == "header" {
                if length(text) > 150 { problems.append("\(place): header \(length(text))") }
                if block["text"]?["type"]?.stringValue != "plain_text" { problems.append("\(place): header not plain") }
                if text.contains(where: \.isNewline) { problems.append("\(place): header on two lines") }
            } else {
                if length(text) > 3000 { problems.append("\(place): section text \(length(text))") }
                checkText(text, place)
            }
        }
        if let fields = block["fields"]?.arrayValue {
            if fields.count > 10 { problems.append("\(place): \(fields.count) fields") }
            for field in fields {
                let text = field["text"]?.stringValue ?? ""
                total += length(text)
                if length(text) > 2000 { problems.append("\(place): field \(length(text))") }
                checkText(text, place)
            }
        }
        if let elements = block["elements"]?.arrayValue {
            if elements.count > 10 { problems.append("\(place): \(elements.count) elements") }
            for element in elements {
                let text = element["text"]?.stringValue ?? ""
                total += length(text)
                checkText(text, place)
            }
        }
        if type == "section" && block["text"]?.objectValue == nil && block["fields"]?.arrayValue == nil {
            problems.append("\(place): empty section")
        }
    }
    if total > 13_000 { problems.append("blocks hold \(total) characters") }
    if (try? JSONSerialization.jsonObject(with: message.jsonBody())) == nil { problems.append("body is not JSON") }
    return problems
}

/// All texts of a message (text, header, sections, fields, context), one per line.
func allTexts(_ message: SlackMessage) -> String {
    var texts = [message.text]
    for block in message.blocks {
        if let text = block["text"]?["text"]?.stringValue { texts.append(text) }
        for field in block["fields"]?.arrayValue ?? [] { texts.append(field["text"]?.stringValue ?? "") }
        for element in block["elements"]?.arrayValue ?? [] { texts.append(element["text"]?.stringValue ?? "") }
    }
    return texts.joined(separator: "\n")
}

/// The texts Slack parses as mrkdwn: `text`, sections, fields and context (not the plain_text header).
func mrkdwnTexts(_ message: SlackMessage) -> String {
    var texts = [message.text]
    for block in message.blocks where block["text"]?["type"]?.stringValue != "plain_text" {
        if let text = block["text"]?["text"]?.stringValue { texts.append(text) }
        for field in block["fields"]?.arrayValue ?? [] { texts.append(field["text"]?.stringValue ?? "") }
        for element in block["elements"]?.arrayValue ?? [] { texts.append(element["text"]?.stringValue ?? "") }
    }
    return texts.joined(separator: "\n")
}

func headerText(_ message: SlackMessage) -> String? {
    message.blocks.first { $0["type"] == .string("header") }?["text"]?["text"]?.stringValue
}

/// A delivery with `data` and top-level fields changed, from a fixture.
func modifiedFixture(_ name: String, data: [String: JSONValue] = [:], top: [String: JSONValue] = [:]) throws
    -> Delivery
{
    var raw = try eventFixture(name).raw
    var object = raw["data"]?.objectValue ?? [:]
    object.merge(data) { $1 }
    raw["data"] = .object(object)
    raw.merge(top) { $1 }
    return Delivery(raw: raw)
}

@Suite struct AlertRendererTests {
    /// The same UTC day as the sync fixtures.
    let sameDay = ISO8601Timestamp.date(from: "2026-05-22T09:00:00Z")!

    @Test func syncFailureShowsTheEssentials() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let message = AlertRenderer.alert(for: d, now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":red_circle: Sync failed — salesforce_prod")
        let texts = allTexts(message)
        #expect(texts.contains("salesforce_prod (`warrant_sheep`)"))
        #expect(texts.contains("*Type*\nsalesforce"))
        #expect(texts.contains("FAILURE_WITH_TASK · reconnect_warehouse"))
        #expect(texts.contains("*Destination*\n`inappropriate_implode`"))
        #expect(texts.contains("```\njava.lang.RuntimeException: Unable to connect to the destination"))
        #expect(texts.contains("01:12:44 UTC · sync 2f1d4b8e"))
        #expect(!texts.contains("2026-05-22 01:12:44"))
        #expect(texts.contains("<https://fivetran.com/dashboard/connectors/warrant_sheep/status|Open in Fivetran>"))
        #expect(message.blocks.last?["type"] == .string("context"))
        #expect(
            message.text.hasPrefix(
                "Sync failed: salesforce_prod (salesforce) — FAILURE_WITH_TASK: java.lang.RuntimeException: Unable"))
    }

    @Test func showsTheDateWhenNotToday() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let nextDay = ISO8601Timestamp.date(from: "2026-05-23T00:30:00Z")!
        #expect(allTexts(AlertRenderer.alert(for: d, now: nextDay)).contains("2026-05-22 01:12:44 UTC"))
    }

    @Test func rescheduledIsAYellowWarningWithItsTime() throws {
        let message = AlertRenderer.alert(for: try eventFixture("sync_end_rescheduled"), now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":large_yellow_circle: Sync rescheduled — hubspot_marketing")
        let texts = allTexts(message)
        #expect(texts.contains("RESCHEDULED · retry at 03:00:00 UTC"))
        #expect(texts.contains("API quota exhausted"))
        #expect(message.text.hasPrefix("Sync rescheduled: hubspot_marketing (hubspot) — RESCHEDULED: API quota"))
    }

    @Test func canceledIsAWarning() throws {
        let d = try modifiedFixture("sync_end_failure", data: ["status": .string("CANCELED")])
        let message = AlertRenderer.alert(for: d, now: sameDay)
        #expect(headerText(message)?.hasPrefix(":large_yellow_circle: Sync canceled — ftar_pg") == true)
    }

    @Test func legacyFailureUsesTheIdAndSaysThereIsNoReason() throws {
        let message = AlertRenderer.alert(for: try eventFixture("sync_end_legacy_failure"), now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":red_circle: Sync failed — some_id")
        let texts = allTexts(message)
        #expect(texts.contains("Fivetran gave no reason"))
        #expect(texts.contains("*Connector*\n`some_id`"))
        #expect(!texts.contains("undefined") && !texts.contains("nil"))
        #expect(texts.contains("2021-08-18 11:38:34 UTC"))
        #expect(!texts.contains(" · sync "))
        #expect(message.text == "Sync failed: some_id (asana) — FAILURE")
    }

    @Test func dbtFailureShowsTheFailingStep() throws {
        let d = try eventFixture("dbt_run_failed")
        let message = AlertRenderer.alert(for: d, now: ISO8601Timestamp.date(from: "2022-06-01T08:00:00Z")!)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":red_circle: dbt run failed — at8_30")
        let texts = allTexts(message)
        #expect(texts.contains("*Job*\nat8_30 (`cover_scale`)"))
        #expect(texts.contains("*Destination*\n`inappropriate_implode`"))
        #expect(texts.contains("*Result*\nSteps: successful 0, failed 1"))
        #expect(texts.contains("*Started by*\nmanual"))
        #expect(texts.contains("*Step* `dbt run` — exit 1, 3 models failed, 0 succeeded\n```\nDatabase Error in model"))
        #expect(texts.contains(#"relation "raw.shop.orders" does not exist"#))
        #expect(texts.contains("ran 07:40:38–07:41:28 UTC (50 s)"))
        #expect(
            texts.contains(
                "<https://fivetran.com/dashboard/dbt-transformations?groupId=inappropriate_implode|Open in Fivetran>"))
        #expect(message.text.hasPrefix("dbt run failed: at8_30"))
        #expect(message.text.contains("Database Error in model stg_orders"))
    }

    @Test func dbtSuccessfulStepsAreLeftOut() throws {
        let failing = try eventFixture("dbt_run_failed").data["result"]!["stepResults"]!.arrayValue![0]
        var passing = failing.objectValue!
        passing["success"] = .bool(true)
        passing["step"] = .object(["name": .string("deps"), "command": .string("dbt deps")])
        let result: JSONValue = .object([
            "description": .string("Steps: successful 1, failed 1"),
            "stepResults": .array([.object(passing), failing]),
        ])
        let d = try modifiedFixture("dbt_run_failed", data: ["result": result])
        let texts = allTexts(AlertRenderer.alert(for: d, now: Date()))
        #expect(!texts.contains("dbt deps"))
        #expect(texts.contains("`dbt run`"))
    }

    @Test func connectionFailure() throws {
        let message = AlertRenderer.alert(for: try eventFixture("connection_failure"), now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":red_circle: Connection test failed — snowflake_finance")
        let texts = allTexts(message)
        #expect(texts.contains("Incorrect username or password was specified."))
        #expect(texts.contains("snowflake_finance (`humid_frame`)"))
        #expect(texts.contains("connectors/humid_frame/status"))
        #expect(message.text.hasPrefix("Connection test failed: snowflake_finance (snowflake_db) — Connection test"))
    }

    @Test func connectionFailureFallsBackToMessageThenStatus() throws {
        let withMessage = try Delivery.parse(
            Data(#"{"event":"connection_failure","connector_id":"c","data":{"message":"timed out"}}"#.utf8))
        #expect(allTexts(AlertRenderer.alert(for: withMessage, now: sameDay)).contains("```\ntimed out```"))
        let withStatus = try Delivery.parse(
            Data(#"{"event":"connection_failure","connector_id":"c","data":{"status":"BROKEN"}}"#.utf8))
        #expect(allTexts(AlertRenderer.alert(for: withStatus, now: sameDay)).contains("```\nBROKEN```"))
    }

    @Test func unknownEventGetsAGenericLayout() throws {
        let message = AlertRenderer.alert(for: try eventFixture("unknown_future_event"), now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message)?.contains("Schema change detected — pg_orders") == true)
        let texts = allTexts(message)
        #expect(texts.contains("`schema_change_detected`"))
        #expect(texts.contains(#"{"tables":["orders"]}"#))
        #expect(texts.contains("connectors/brisk_otter/status"))
        #expect(message.text.hasPrefix("Fivetran schema_change_detected: pg_orders (postgres)"))
    }

    @Test(arguments: allEventFixtures)
    func everyFixtureRendersValidly(name: String) throws {
        let message = AlertRenderer.alert(for: try eventFixture(name), now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(!message.text.isEmpty)
    }

    @Test func userStringsCannotMentionOrLink() throws {
        let evil = "<!channel> look <http://x|y> & <@U123> <!here|here>"
        let d = try modifiedFixture(
            "sync_end_failure_with_task", data: ["reason": .string(evil), "taskType": .string("<!everyone>")],
            top: ["connector_name": .string("<http://evil|name>"), "connector_type": .string("<#C1>")])
        for message in [
            AlertRenderer.alert(for: d, now: sameDay),
            AlertRenderer.reminder(d, failuresSince: 2, since: sameDay, now: sameDay),
            AlertRenderer.resolved(d, failingSince: sameDay, failures: 2, now: sameDay),
        ] + AlertRenderer.digest([d, d], now: sameDay) {
            #expect(slackLimitViolations(message) == [])
            // Header blocks are plain_text, which Slack never parses for links or mentions (checked by
            // the validator); every mrkdwn text must hold the strings escaped.
            for forbidden in ["<!channel>", "<http://x", "<@U123>", "<!here", "<http://evil", "<!everyone>", "<#C1>"] {
                #expect(!mrkdwnTexts(message).contains(forbidden), "\(forbidden)")
            }
        }
        #expect(
            headerText(AlertRenderer.alert(for: d, now: sameDay)) == ":red_circle: Sync failed — <http://evil|name>")
        let texts = allTexts(AlertRenderer.alert(for: d, now: sameDay))
        #expect(texts.contains("&lt;!channel&gt; look &lt;http://x|y&gt; &amp; &lt;@U123&gt;"))
    }

    @Test func aHugeReasonIsClampedVisibly() throws {
        let trace = (0..<2000).map { "\tat com.example.Frame\($0).call(Frame.java:\($0))" }.joined(separator: "\n")
        let reason = String(("java.lang.IllegalStateException: <boom> & " + trace).prefix(100_000))
        let d = try modifiedFixture("sync_end_failure", data: ["reason": .string(reason)])
        let message = AlertRenderer.alert(for: d, now: sameDay)
        #expect(slackLimitViolations(message) == [])
        let texts = allTexts(message)
        #expect(texts.contains("more characters)"))
        #expect(texts.contains("java.lang.IllegalStateException: &lt;boom&gt; &amp;"))
        #expect(message.text.count < 1000)
    }

    @Test func hugeDbtOutputAndManyStepsStayWithinLimits() throws {
        let output = String(repeating: "Compilation Error in model m (models/m.sql) <x> & 👩‍👩‍👧 é\n", count: 2000)
        let step: (Int) -> JSONValue = { index in
            .object([
                "step": .object(["name": .string("step \(index)"), "command": .string("dbt run --select m\(index)")]),
                "success": .bool(false),
                "commandResult": .object([
                    "output": .string(String(output.prefix(100_000))), "error": .string(""), "exitCode": .number(2),
                ]),
                "failedModelRuns": .number(1), "successfulModelRuns": .number(0),
            ])
        }
        for count in [1, 3, 60] {
            let result: JSONValue = .object([
                "description": .string("Steps: successful 0, failed \(count)"),
                "stepResults": .array((0..<count).map(step)),
            ])
            let d = try modifiedFixture("dbt_run_failed", data: ["result": result])
            let message = AlertRenderer.alert(for: d, now: Date())
            #expect(slackLimitViolations(message) == [], "\(count) steps")
            let texts = allTexts(message)
            #expect(texts.contains("more characters)"))
            // Every failing step is named somewhere.
            for index in 0..<count {
                #expect(texts.contains("`dbt run --select m\(index)`"), "step \(index) of \(count)")
            }
        }
    }

    @Test func hugeNamesAndIdsStayWithinLimits() throws {
        let long = String(repeating: "ñame<&>", count: 20_000)
        let d = try modifiedFixture(
            "sync_end_failure_with_task",
            data: ["taskType": .string(long), "rescheduledAt": .string(long)],
            top: [
                "connector_name": .string(long), "connector_id": .string(long), "connector_type": .string(long),
                "destination_group_id": .string(long), "sync_id": .string(long),
            ])
        for message in [
            AlertRenderer.alert(for: d, now: sameDay),
            AlertRenderer.resolved(d, failingSince: sameDay, failures: 1, now: sameDay),
            AlertRenderer.reminder(d, failuresSince: 1, since: sameDay, now: sameDay),
        ] {
            #expect(slackLimitViolations(message) == [])
        }
        let dbt = try modifiedFixture(
            "dbt_run_failed",
            data: ["dbtJobName": .string(long), "dbtJobId": .string(long)], top: ["destination_group_id": .string(long)]
        )
        #expect(slackLimitViolations(AlertRenderer.alert(for: dbt, now: sameDay)) == [])
        let generic = try modifiedFixture(
            "unknown_future_event", data: ["tables": .string(long)], top: ["event": .string(long)])
        #expect(slackLimitViolations(AlertRenderer.alert(for: generic, now: sameDay)) == [])
    }

    @Test func resolvedSaysHowLongAndHowMany() throws {
        let d = try eventFixture("sync_end_successful")
        let since = d.createdDate!.addingTimeInterval(-(2 * 3600 + 13 * 60))
        let message = AlertRenderer.resolved(d, failingSince: since, failures: 4, now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(message.text == "Recovered — ftar_pg, after 2 h 13 min (4 failed syncs)")
        let texts = allTexts(message)
        #expect(texts.contains(":large_green_circle: *Recovered* — ftar_pg, after 2 h 13 min (4 failed syncs)"))
        #expect(texts.contains("connectors/assimilate_seem/status|Open in Fivetran>"))
        let once = AlertRenderer.resolved(
            d, failingSince: d.createdDate!.addingTimeInterval(-50), failures: 1, now: sameDay)
        #expect(once.text == "Recovered — ftar_pg, after 50 s (1 failed sync)")
    }

    @Test func reminderSaysHowManySinceWhen() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let message = AlertRenderer.reminder(d, failuresSince: 9, since: d.createdDate!, now: sameDay)
        #expect(slackLimitViolations(message) == [])
        #expect(message.text == "Still failing — salesforce_prod: 9 more failures since 01:12 UTC (same reason)")
        #expect(allTexts(message).contains(":red_circle: *Still failing* — salesforce_prod"))
        #expect(allTexts(message).contains("java.lang.RuntimeException"))
        let later = ISO8601Timestamp.date(from: "2026-05-24T00:00:00Z")!
        #expect(
            AlertRenderer.reminder(d, failuresSince: 1, since: d.createdDate!, now: later).text.contains(
                "1 more failure since 2026-05-22 01:12 UTC"))
    }

    @Test func durationsAndTimesInWords() {
        #expect(TimeText.duration(0) == "0 s")
        #expect(TimeText.duration(50) == "50 s")
        #expect(TimeText.duration(200) == "3 min 20 s")
        #expect(TimeText.duration(13 * 60) == "13 min")
        #expect(TimeText.duration(2 * 3600 + 13 * 60 + 5) == "2 h 13 min")
        #expect(TimeText.duration(3600) == "1 h")
        #expect(TimeText.duration(90_000) == "1 d 1 h")
        #expect(TimeText.duration(-5) == "0 s")
        let date = ISO8601Timestamp.date(from: "2024-02-29T23:59:58.900Z")!
        #expect(TimeText.time(date, now: date) == "23:59:58 UTC")
        #expect(TimeText.time(date, now: date.addingTimeInterval(2)) == "2024-02-29 23:59:58 UTC")
        #expect(TimeText.shortTime(date, now: date) == "23:59 UTC")
    }

    @Test func theLimitGuardShortensAnOversizedMessageVisibly() {
        let big = String(repeating: "x", count: 5000)
        let blocks: [JSONValue] =
            [SlackMessage.header(String(repeating: "h", count: 400))]
            + (0..<60).map { _ in SlackMessage.section(big) }
            + [SlackMessage.fields(Array(repeating: big, count: 12)), SlackMessage.context(["last", "link"])]
        let message = SlackMessage(text: "line one\nline two", blocks: blocks).fittingLimits()
        #expect(slackLimitViolations(message) == [])
        #expect(message.text == "line one line two")
        #expect(allTexts(message).contains("shortened to fit"))
        #expect(message.blocks.last == SlackMessage.context(["last", "link"]))
    }

    @Test func farAwayDatesDoNotTrap() {
        #expect(TimeText.time(.distantFuture, now: Date()).hasSuffix("UTC"))
        #expect(TimeText.time(.distantPast, now: Date()).hasSuffix("UTC"))
    }

    @Test func bodyIsSlackJSON() throws {
        let message = AlertRenderer.alert(for: try eventFixture("sync_end_failure"), now: sameDay)
        let object = try #require(try JSONSerialization.jsonObject(with: message.jsonBody()) as? [String: Any])
        #expect(object["text"] as? String == message.text)
        #expect((object["blocks"] as? [Any])?.count == message.blocks.count)
        let decoded = try JSONDecoder().decode(SlackMessage.self, from: JSONEncoder().encode(message))
        #expect(decoded == message)
    }
}
