import Foundation

/// Builds the Slack messages of messages.md from deliveries. Pure: the same deliveries and `now` give
/// the same messages. Every message it returns satisfies every limit in `SlackLimits`, whatever the
/// input (a 100,000-character stack trace, thousands of connectors): user strings are escaped, long
/// texts are cut visibly, and long lists are split over sections and messages.
public enum AlertRenderer {
    /// The message for one forwarded delivery: a sync failure or warning, a dbt or transformation
    /// failure, a connection failure, or (for any other event forwarded with `--events`) a generic
    /// layout that shows the event's data.
    public static func alert(for d: Delivery, now: Date) -> SlackMessage {
        let message: SlackMessage
        if d.isWatchFinding { return watchAlert(d, now: now).fittingLimits() }
        if d.isSyncEnd {
            message = syncAlert(d, now: now)
        } else if d.isTransformationEvent {
            message = transformationAlert(d, now: now)
        } else if d.event == "connection_failure" {
            message = connectionAlert(d, now: now)
        } else {
            message = genericAlert(d, now: now)
        }
        return message.fittingLimits()
    }

    /// The notice that a failing connector or dbt job succeeded again:
    /// "Recovered — salesforce_prod, after 2 h 13 min (4 failed syncs)".
    /// - Parameters:
    ///   - d: the successful delivery (`sync_end` SUCCESSFUL, `dbt_run_succeeded`, …).
    ///   - failingSince: when the first failure of the episode happened.
    ///   - failures: how many failures the episode had.
    public static func resolved(_ d: Delivery, failingSince: Date, failures: Int, now: Date) -> SlackMessage {
        let recoveredAt = d.createdDate ?? now
        let unit = d.isTransformationEvent ? "failed run" : "failed sync"
        let count = "\(failures) \(failures == 1 ? unit : unit + "s")"
        let duration = TimeText.duration(recoveredAt.timeIntervalSince(failingSince))
        let name = d.displayName
        let line = "Recovered — \(name), after \(duration) (\(count))"
        let blocks: [JSONValue] = [
            SlackMessage.section(
                ":large_green_circle: *Recovered* — \(inline(name, 500)), after \(duration) (\(count))"),
            SlackMessage.context([
                "failing since \(TimeText.time(failingSince, now: now)) · recovered \(TimeText.time(recoveredAt, now: now))",
                dashboardLink(d),
            ]),
        ]
        return SlackMessage(text: Mrkdwn.escapeAndClamp(line, to: 1000), blocks: blocks).fittingLimits()
    }

    /// The reminder that a connector or job is still failing for the same reason:
    /// "Still failing — salesforce_prod: 9 more failures since 01:12 UTC (same reason)".
    /// - Parameters:
    ///   - d: the latest failure.
    ///   - failuresSince: failures stored (not posted) since the last post about this subject.
    ///   - since: the time of that last post.
    public static func reminder(_ d: Delivery, failuresSince: Int, since: Date, now: Date) -> SlackMessage {
        let severity = ForwardedEvents.severity(of: d)
        let name = ReminderWords.subject(d)
        let failures = ReminderWords.repeats(failuresSince, of: d)
        let sinceText = TimeText.shortTime(since, now: now)
        let line = "Still failing — \(name): \(failures) since \(sinceText) (same reason)"
        var blocks: [JSONValue] = [
            SlackMessage.section(
                "\(marker(severity)) *Still failing* — \(inline(name, 500)): \(failures) since \(sinceText) (same reason)"
            )
        ]
        if let reason = reasonText(d) {
            blocks.append(SlackMessage.section(Mrkdwn.codeBlock(reason, limit: 600)))
        }
        var context = ["last \(TimeText.time(d.createdDate ?? now, now: now))"]
        if let status = d.status { context[0] += " · \(inline(status, 100))" }
        context.append(dashboardLink(d))
        blocks.append(SlackMessage.context(context))
        return SlackMessage(text: Mrkdwn.escapeAndClamp(line, to: 1000), blocks: blocks).fittingLimits()
    }

    // MARK: - Layouts

    /// "*Destination* Snowflake prod (`grp_…`)": the destination's name when the account watch knows it.
    static func destinationField(_ d: Delivery) -> String? {
        guard let group = d.destinationGroupId else { return nil }
        let id = "`\(inline(group, 500))`"
        return "*Destination*\n" + (d.destinationName.map { "\(inline($0, 500)) (\(id))" } ?? id)
    }

    private static func syncAlert(_ d: Delivery, now: Date) -> SlackMessage {
        let severity = ForwardedEvents.severity(of: d)
        let status = d.status ?? "no status"
        let title = DeliveryWords.syncTitle(status: status)
        var statusLine = inline(status, 300)
        if let task = d.data["taskType"]?.displayText, !task.isEmpty {
            statusLine += " · \(inline(task, 300))"
        }
        if let rescheduled = d.data["rescheduledAt"]?.displayText, !rescheduled.isEmpty {
            let when = ISO8601Timestamp.date(from: rescheduled).map { TimeText.time($0, now: now) }
            statusLine += " · retry at \(when ?? inline(rescheduled, 100))"
        }
        var fields = [connectorField(d)]
        if let type = d.connectorType { fields.append("*Type*\n\(inline(type, 500))") }
        fields.append("*Status*\n\(statusLine)")
        if let destination = destinationField(d) { fields.append(destination) }

        var context = [TimeText.time(d.createdDate ?? now, now: now)]
        if let sync = d.syncId { context[0] += " · sync \(inline(String(sync.prefix(8)), 50))" }
        context.append(dashboardLink(d))

        let succeeded = SyncStatus.isSuccessful(status)
        var blocks: [JSONValue] = [
            SlackMessage.header("\(succeeded ? ":large_green_circle:" : marker(severity)) \(title) — \(d.displayName)"),
            SlackMessage.fields(fields),
        ]
        if !succeeded || d.reason != nil {
            blocks.append(reasonSection(d.reason))
        }
        blocks.append(SlackMessage.context(context))
        var text = "\(title): \(d.displayName)"
        if let type = d.connectorType { text += " (\(type))" }
        text += " — \(status)"
        if let reason = d.reason { text += ": \(reason)" }
        return SlackMessage(text: summary(text), blocks: blocks)
    }

    private static func connectionAlert(_ d: Delivery, now: Date) -> SlackMessage {
        let reason = d.reason ?? d.status
        var fields = [connectorField(d)]
        if let type = d.connectorType { fields.append("*Type*\n\(inline(type, 500))") }
        if let status = d.status { fields.append("*Status*\n\(inline(status, 500))") }
        if let destination = destinationField(d) { fields.append(destination) }
        let blocks: [JSONValue] = [
            SlackMessage.header(":red_circle: Connection test failed — \(d.displayName)"),
            SlackMessage.fields(fields),
            reasonSection(reason),
            SlackMessage.context([TimeText.time(d.createdDate ?? now, now: now), dashboardLink(d)]),
        ]
        var text = "Connection test failed: \(d.displayName)"
        if let type = d.connectorType { text += " (\(type))" }
        text += " — \(reason ?? "Fivetran gave no reason")"
        return SlackMessage(text: summary(text), blocks: blocks)
    }

    private static func transformationAlert(_ d: Delivery, now: Date) -> SlackMessage {
        let severity: AlertSeverity = d.event.contains("fail") ? .failure : ForwardedEvents.severity(of: d)
        let title = eventTitle(d.event)
        let name = d.dbtJobName ?? d.dbtJobId ?? d.displayName
        let result = d.data["result"]
        let description = result?["description"]?.displayText

        var job = inline(name, 800)
        if let id = d.dbtJobId, d.dbtJobName != nil { job += " (`\(inline(id, 500))`)" }
        var fields = ["*Job*\n\(job)"]
        if let destination = destinationField(d) { fields.append(destination) }
        if let description { fields.append("*Result*\n\(inline(description, 1500))") }
        if let startup = d.data["startupDetails"], let type = startup["type"]?.displayText {
            fields.append("*Started by*\n\(inline(type, 500))")
        }

        var blocks: [JSONValue] = [
            SlackMessage.header("\(marker(severity)) \(title) — \(name)"),
            SlackMessage.fields(fields),
        ]
        let steps = DbtFailingStep.failing(in: result)
        if steps.isEmpty {
            if d.reason != nil || description == nil { blocks.append(reasonSection(d.reason)) }
        } else {
            blocks += stepSections(steps)
        }

        let start = d.data["startTime"]?.stringValue.flatMap(ISO8601Timestamp.date(from:))
        let end = d.data["endTime"]?.stringValue.flatMap(ISO8601Timestamp.date(from:))
        let when: String
        if let start, let end, end >= start {
            when = "ran \(TimeText.range(start, end, now: now)) (\(TimeText.duration(end.timeIntervalSince(start))))"
        } else {
            when = TimeText.time(d.createdDate ?? now, now: now)
        }
        blocks.append(SlackMessage.context([when, dashboardLink(d)]))

        var text = "\(title): \(name)"
        if let group = d.destinationGroupId { text += " on \(group)" }
        if let description { text += " — \(description)" }
        if let step = steps.first {
            text += " — \(step.command) exited \(step.exitCode.map(String.init) ?? "?")"
            if let line = step.output.split(whereSeparator: \.isNewline).first { text += ": \(line)" }
        } else if let reason = d.reason {
            text += " — \(reason)"
        }
        return SlackMessage(text: summary(text), blocks: blocks)
    }

    private static func genericAlert(_ d: Delivery, now: Date) -> SlackMessage {
        let severity = ForwardedEvents.severity(of: d)
        let failing = d.event.contains("fail") || severity == .warning
        let marker = failing ? marker(severity) : ":large_blue_circle:"
        var fields = ["*Event*\n`\(inline(d.event, 500))`"]
        if d.connectorId != nil || d.connectorName != nil { fields.append(connectorField(d)) }
        if let type = d.connectorType { fields.append("*Type*\n\(inline(type, 500))") }
        if let status = d.status { fields.append("*Status*\n\(inline(status, 500))") }
        if let destination = destinationField(d) { fields.append(destination) }

        var blocks: [JSONValue] = [
            SlackMessage.header("\(marker) \(eventTitle(d.event)) — \(d.displayName)"),
            SlackMessage.fields(fields),
        ]
        if let reason = d.reason {
            blocks.append(SlackMessage.section(Mrkdwn.codeBlock(reason, limit: 2000)))
        }
        var others = d.data
        others["reason"] = nil
        others["message"] = nil
        others["status"] = nil
        if !others.isEmpty {
            let json = String(decoding: SlackMessage.compactJSON(.object(others)), as: UTF8.self)
            blocks.append(SlackMessage.section("*Data*\n" + Mrkdwn.codeBlock(json, limit: 2500)))
        }
        blocks.append(SlackMessage.context([TimeText.time(d.createdDate ?? now, now: now), dashboardLink(d)]))

        var text = "Fivetran \(d.event): \(d.displayName)"
        if let type = d.connectorType { text += " (\(type))" }
        if let status = d.status { text += " — \(status)" }
        if let reason = d.reason { text += ": \(reason)" }
        return SlackMessage(text: summary(text), blocks: blocks)
    }

    // MARK: - dbt steps

    /// One section per failing step (command, exit code, model counts, output in a code block). The
    /// outputs share what the other blocks leave of the message's budget; steps beyond what fits are
    /// named in a last section.
    private static func stepSections(_ steps: [DbtFailingStep]) -> [JSONValue] {
        let shownCount = min(steps.count, 8)
        // Header, fields and context take at most about 2,000 characters.
        let budget = SlackLimits.allBlocksText - 2500
        let perStep = min(SlackLimits.sectionText, budget / shownCount)
        var sections: [JSONValue] = []
        for step in steps.prefix(shownCount) {
            var line = "*Step* `\(inline(step.command, 300))` — exit \(step.exitCode.map(String.init) ?? "unknown")"
            if let failed = step.failedModels {
                line += ", \(failed) \(failed == 1 ? "model" : "models") failed"
            }
            if let succeeded = step.succeededModels { line += ", \(succeeded) succeeded" }
            let outputBudget = perStep - Mrkdwn.length(line) - 1
            if step.output.isEmpty || outputBudget < 40 {
                sections.append(SlackMessage.section(line + (step.output.isEmpty ? "\n_no output_" : "")))
            } else {
                sections.append(SlackMessage.section(line + "\n" + Mrkdwn.codeBlock(step.output, limit: outputBudget)))
            }
        }
        if steps.count > shownCount {
            let rest = steps.dropFirst(shownCount).map { "`\(inline($0.command, 100))`" }.joined(separator: ", ")
            sections.append(
                SlackMessage.section(
                    Mrkdwn.clamp("*\(steps.count - shownCount) more failing steps:* \(rest)", to: 1500)))
        }
        return sections
    }

    // MARK: - Pieces

    static func marker(_ severity: AlertSeverity) -> String {
        severity == .warning ? ":large_yellow_circle:" : ":red_circle:"
    }

    /// A user string for mrkdwn: escaped, on one line, at most `limit` characters.
    static func inline(_ text: String, _ limit: Int) -> String {
        Mrkdwn.escapeAndClamp(text.replacingNewlines(), to: limit)
    }

    /// The one-line `text` fallback: escaped, and cut with a bare ellipsis at about a phone screen.
    static func summary(_ text: String, limit: Int = 200) -> String {
        let line = text.replacingNewlines()
        guard line.count > limit else { return Mrkdwn.escape(line) }
        var cut = String(line.prefix(limit - 1))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 {
            cut = String(cut[..<space])
        }
        return Mrkdwn.escape(cut) + " …"
    }

    private static func connectorField(_ d: Delivery) -> String {
        switch (d.connectorName, d.connectorId) {
        case (let name?, let id?): return "*Connector*\n\(inline(name, 1000)) (`\(inline(id, 500))`)"
        case (nil, let id?): return "*Connector*\n`\(inline(id, 1000))`"
        case (let name?, nil): return "*Connector*\n\(inline(name, 1000))"
        case (nil, nil): return "*Connector*\nunknown connector"
        }
    }

    private static func reasonText(_ d: Delivery) -> String? {
        if let reason = d.reason { return reason }
        if d.event == "connection_failure" { return d.status }
        if let output = DbtFailingStep.failing(in: d.data["result"]).first?.output, !output.isEmpty { return output }
        return nil
    }

    private static func reasonSection(_ reason: String?) -> JSONValue {
        guard let reason, !reason.isEmpty else { return SlackMessage.section("_Fivetran gave no reason_") }
        return SlackMessage.section(Mrkdwn.codeBlock(reason, limit: 2900))
    }

    /// "dbt run failed", "Transformation failed", or the event name in words: `DeliveryWords.cardTitle`.
    static func eventTitle(_ event: String) -> String {
        DeliveryWords.cardTitle(event)
    }

    /// The mrkdwn link to the delivery's page in Fivetran.
    static func dashboardLink(_ d: Delivery) -> String {
        "<\(DeliveryWords.dashboardURL(d))|Open in Fivetran>"
    }
}
