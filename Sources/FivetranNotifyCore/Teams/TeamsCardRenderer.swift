import Foundation

/// Builds the Teams cards of messages.md from notices: the same facts and notice kinds as the Slack
/// layouts (alert, digest, reminder, recovery), as Adaptive Cards. Pure: the same notice and `now` give
/// the same cards. Every card it returns encodes to under `TeamsCard.maximumBytes` whatever the input
/// (a 100,000-character stack trace, thousands of connectors): user strings are escaped, long texts are
/// cut visibly, and long lists are split over cards.
public enum TeamsCardRenderer {
    // Budgets, in JSON bytes, that keep a card well under the limit: the title, each fact, the reason.
    static let titleBytes = 600
    static let factBytes = 700
    static let reasonBytes = 10_000
    static let dataBytes = 4_000
    static let stepsBytes = 10_000
    static let reminderReasonBytes = 1_500

    /// The cards for a notice, in order: one, or several for a digest too big for one message.
    public static func cards(for notice: Notice, now: Date) -> [TeamsCard] {
        switch notice.kind {
        case .alert where notice.deliveries.count == 1:
            return [alert(for: notice.deliveries[0], now: now)]
        case .alert, .digest:
            return digest(notice.deliveries, now: now)
        case .reminder:
            guard let latest = notice.deliveries.last else { return [] }
            return [
                reminder(latest, failuresSince: notice.failures ?? 1, since: notice.since ?? notice.createdAt, now: now)
            ]
        case .resolved:
            guard let success = notice.deliveries.last else { return [] }
            return [
                resolved(
                    success, failingSince: notice.since ?? notice.createdAt, failures: notice.failures ?? 1, now: now)
            ]
        }
    }

    /// The card for one forwarded delivery: a sync failure or warning, a dbt or transformation failure,
    /// a connection failure, an account-watch finding, or (for any other event) a generic layout that
    /// shows the event's data.
    public static func alert(for d: Delivery, now: Date) -> TeamsCard {
        let card: TeamsCard
        if d.isSyncEnd {
            card = syncAlert(d, now: now)
        } else if d.isTransformationEvent {
            card = transformationAlert(d, now: now)
        } else if d.event == "connection_failure" {
            card = connectionAlert(d, now: now)
        } else if isWatchFinding(d) {
            card = watchAlert(d, now: now)
        } else {
            card = genericAlert(d, now: now)
        }
        return card.fittingLimit()
    }

    /// "Recovered — salesforce_prod, after 2 h 13 min (4 failed syncs)".
    public static func resolved(_ d: Delivery, failingSince: Date, failures: Int, now: Date) -> TeamsCard {
        let recoveredAt = d.createdDate ?? now
        let unit = d.isTransformationEvent ? "failed run" : isWatchFinding(d) ? "failure" : "failed sync"
        let count = "\(failures) \(failures == 1 ? unit : unit + "s")"
        let duration = TimeText.duration(recoveredAt.timeIntervalSince(failingSince))
        let title = "🟢 **Recovered** — \(inline(d.displayName, 500)), after \(duration) (\(count))"
        let when =
            "failing since \(TimeText.time(failingSince, now: now)) · recovered \(TimeText.time(recoveredAt, now: now))"
        return TeamsCard(
            body: [.text(title, .title(.good)), .text(when, .subtle)], actions: [dashboardLink(d)]
        ).fittingLimit()
    }

    /// "Still failing — salesforce_prod: 9 more failures since 01:12 UTC (same reason)".
    /// - Parameters:
    ///   - d: the latest failure.
    ///   - failuresSince: failures since the last notice about this subject.
    ///   - since: the time of that last notice.
    public static func reminder(_ d: Delivery, failuresSince: Int, since: Date, now: Date) -> TeamsCard {
        let severity = severity(of: d)
        let failures = ReminderWords.repeats(failuresSince, of: d)
        let sinceText = TimeText.shortTime(since, now: now)
        let title =
            "\(marker(severity)) **Still failing** — \(inline(ReminderWords.subject(d), 500)): \(failures) since \(sinceText) (same reason)"
        var body: [TeamsCard.Element] = [.text(title, .title(color(severity)))]
        if let reason = reasonText(d) {
            body.append(.monospace(TeamsText.monospace(reason, reminderReasonBytes)))
        }
        var last = "last \(TimeText.time(d.createdDate ?? now, now: now))"
        if let status = d.status { last += " · \(inline(status, 200))" }
        body.append(.text(last, .subtle))
        return TeamsCard(body: body, actions: [dashboardLink(d)]).fittingLimit()
    }

    // MARK: - Layouts

    private static func syncAlert(_ d: Delivery, now: Date) -> TeamsCard {
        let severity = severity(of: d)
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
        var facts = [connectorFact(d)]
        if let type = d.connectorType { facts.append(.init("Type", inline(type, factBytes))) }
        facts.append(.init("Status", statusLine))
        if let destination = destinationFact(d) { facts.append(destination) }
        if let sync = d.syncId { facts.append(.init("Sync", inline(sync, 200))) }

        let succeeded = SyncStatus.isSuccessful(status)
        let headline = "\(succeeded ? "🟢" : marker(severity)) \(title) — \(inline(d.displayName, 500))"
        var body: [TeamsCard.Element] = [
            .text(headline, .title(succeeded ? .good : color(severity))), .facts(facts),
        ]
        if !succeeded || d.reason != nil { body.append(reasonBlock(d.reason)) }
        body.append(.text(TimeText.time(d.createdDate ?? now, now: now), .subtle))
        return TeamsCard(body: body, actions: [dashboardLink(d)])
    }

    private static func connectionAlert(_ d: Delivery, now: Date) -> TeamsCard {
        var facts = [connectorFact(d)]
        if let type = d.connectorType { facts.append(.init("Type", inline(type, factBytes))) }
        if let status = d.status { facts.append(.init("Status", inline(status, factBytes))) }
        if let destination = destinationFact(d) { facts.append(destination) }
        let body: [TeamsCard.Element] = [
            .text("🔴 Connection test failed — \(inline(d.displayName, 500))", .title(.attention)),
            .facts(facts),
            reasonBlock(d.reason ?? d.status),
            .text(TimeText.time(d.createdDate ?? now, now: now), .subtle),
        ]
        return TeamsCard(body: body, actions: [dashboardLink(d)])
    }

    private static func transformationAlert(_ d: Delivery, now: Date) -> TeamsCard {
        let severity: AlertSeverity = d.event.contains("fail") ? .failure : severity(of: d)
        let name = d.dbtJobName ?? d.dbtJobId ?? d.displayName
        let result = d.data["result"]
        let description = result?["description"]?.displayText

        var job = inline(name, factBytes)
        if let id = d.dbtJobId, d.dbtJobName != nil { job += " (\(inline(id, 300)))" }
        var facts = [TeamsCard.Fact("Job", job)]
        if let destination = destinationFact(d) { facts.append(destination) }
        if let description { facts.append(.init("Result", inline(description, factBytes))) }
        if let startup = d.data["startupDetails"], let type = startup["type"]?.displayText {
            facts.append(.init("Started by", inline(type, factBytes)))
        }

        var body: [TeamsCard.Element] = [
            .text(
                "\(marker(severity)) \(DeliveryWords.cardTitle(d.event)) — \(inline(name, 500))",
                .title(color(severity))),
            .facts(facts),
        ]
        let steps = DbtFailingStep.failing(in: result)
        if steps.isEmpty {
            if d.reason != nil || description == nil { body.append(reasonBlock(d.reason)) }
        } else {
            body += stepBlocks(steps)
        }

        let start = d.data["startTime"]?.stringValue.flatMap(ISO8601Timestamp.date(from:))
        let end = d.data["endTime"]?.stringValue.flatMap(ISO8601Timestamp.date(from:))
        if let start, let end, end >= start {
            let ran = "ran \(TimeText.range(start, end, now: now)) (\(TimeText.duration(end.timeIntervalSince(start))))"
            body.append(.text(ran, .subtle))
        } else {
            body.append(.text(TimeText.time(d.createdDate ?? now, now: now), .subtle))
        }
        return TeamsCard(body: body, actions: [dashboardLink(d)])
    }

    /// An account-watch finding (`watch_…`): its headline, details and severity come from `data`
    /// (`title`, `reason`, `severity`), with an optional `fix` command shown in monospace.
    private static func watchAlert(_ d: Delivery, now: Date) -> TeamsCard {
        let cleared = d.event.hasSuffix("_cleared")
        let severity = severity(of: d)
        let headline = d.data["title"]?.displayText ?? "\(DeliveryWords.cardTitle(d.event)) — \(d.displayName)"
        let marker = cleared ? "🟢" : marker(severity)
        var body: [TeamsCard.Element] = [
            .text("\(marker) \(inline(headline, 500))", .title(cleared ? .good : color(severity)))
        ]
        var facts: [TeamsCard.Fact] = []
        if d.connectorId != nil || d.connectorName != nil { facts.append(connectorFact(d)) }
        if let type = d.connectorType { facts.append(.init("Type", inline(type, factBytes))) }
        if let destination = destinationFact(d) { facts.append(destination) }
        if !facts.isEmpty { body.append(.facts(facts)) }
        if let reason = d.reason {
            // Prose written by the watch, which may quote user strings: escaped, paragraphs kept.
            let paragraphs = reason.split(whereSeparator: \.isNewline).map(String.init).joined(separator: "\n\n")
            body.append(.text(TeamsText.escapeAndClamp(paragraphs, toBytes: reasonBytes), .plain))
        }
        if let fix = d.data["fix"]?.displayText, !fix.isEmpty {
            body.append(.text("Fix:", .plain))
            body.append(.monospace(TeamsText.monospace(fix, 2_000)))
        }
        body.append(.text(TimeText.time(d.createdDate ?? now, now: now), .subtle))
        return TeamsCard(body: body, actions: [dashboardLink(d)])
    }

    private static func genericAlert(_ d: Delivery, now: Date) -> TeamsCard {
        let severity = severity(of: d)
        let failing = d.event.contains("fail") || severity == .warning
        let marker = failing ? marker(severity) : "🔵"
        var facts = [TeamsCard.Fact("Event", inline(d.event, factBytes))]
        if d.connectorId != nil || d.connectorName != nil { facts.append(connectorFact(d)) }
        if let type = d.connectorType { facts.append(.init("Type", inline(type, factBytes))) }
        if let status = d.status { facts.append(.init("Status", inline(status, factBytes))) }
        if let destination = destinationFact(d) { facts.append(destination) }

        var body: [TeamsCard.Element] = [
            .text(
                "\(marker) \(inline(DeliveryWords.cardTitle(d.event), 300)) — \(inline(d.displayName, 500))",
                .title(failing ? color(severity) : .accent)),
            .facts(facts),
        ]
        if let reason = d.reason { body.append(.monospace(TeamsText.monospace(reason, reasonBytes / 2))) }
        var others = d.data
        others["reason"] = nil
        others["message"] = nil
        others["status"] = nil
        if !others.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: (try? encoder.encode(JSONValue.object(others))) ?? Data(), as: UTF8.self)
            body.append(.text("**Data**", .plain))
            body.append(.monospace(TeamsText.monospace(json, dataBytes)))
        }
        body.append(.text(TimeText.time(d.createdDate ?? now, now: now), .subtle))
        return TeamsCard(body: body, actions: [dashboardLink(d)])
    }

    // MARK: - dbt steps

    /// Per failing step (at most 8): a line naming the command, exit code and model counts, and its
    /// output in a monospace block; the outputs share `stepsBytes`. Steps beyond 8 are named at the end.
    private static func stepBlocks(_ steps: [DbtFailingStep]) -> [TeamsCard.Element] {
        let shown = steps.prefix(8)
        let perStep = stepsBytes / shown.count
        var blocks: [TeamsCard.Element] = []
        for step in shown {
            var line = "**Step** \(inline(step.command, 300)) — exit \(step.exitCode.map(String.init) ?? "unknown")"
            if let failed = step.failedModels { line += ", \(failed) \(failed == 1 ? "model" : "models") failed" }
            if let succeeded = step.succeededModels { line += ", \(succeeded) succeeded" }
            if step.output.isEmpty { line += " — _no output_" }
            blocks.append(.text(line, .plain))
            if !step.output.isEmpty { blocks.append(.monospace(TeamsText.monospace(step.output, perStep))) }
        }
        if steps.count > shown.count {
            let rest = steps.dropFirst(shown.count).map { inline($0.command, 100) }.joined(separator: ", ")
            blocks.append(
                .text(
                    TeamsText.clamp("**\(steps.count - shown.count) more failing steps:** \(rest)", toBytes: 1500),
                    .plain))
        }
        return blocks
    }

    // MARK: - Pieces

    /// A finding of the account watch (`watch_connection_broken`, `watch_webhook_inactive_cleared`, …).
    static func isWatchFinding(_ d: Delivery) -> Bool {
        d.isWatchFinding
    }

    /// Red or yellow: a watch finding says which in `data.severity`; otherwise as for Slack.
    static func severity(of d: Delivery) -> AlertSeverity {
        if isWatchFinding(d) {
            return d.data["severity"]?.stringValue == "warning" ? .warning : .failure
        }
        return ForwardedEvents.severity(of: d)
    }

    static func marker(_ severity: AlertSeverity) -> String {
        severity == .warning ? "🟡" : "🔴"
    }

    static func color(_ severity: AlertSeverity) -> TeamsCard.Color {
        severity == .warning ? .warning : .attention
    }

    /// A user string for a TextBlock or Fact: escaped, on one line, at most `limit` bytes.
    static func inline(_ text: String, _ limit: Int) -> String {
        TeamsText.inline(text, limit)
    }

    private static func connectorFact(_ d: Delivery) -> TeamsCard.Fact {
        switch (d.connectorName, d.connectorId) {
        case (let name?, let id?): return .init("Connector", "\(inline(name, 500)) (\(inline(id, 200)))")
        case (nil, let id?): return .init("Connector", inline(id, factBytes))
        case (let name?, nil): return .init("Connector", inline(name, factBytes))
        case (nil, nil): return .init("Connector", "unknown connector")
        }
    }

    /// "Snowflake prod (grp\_id)" when the account watch named the destination, else its id.
    static func destinationFact(_ d: Delivery) -> TeamsCard.Fact? {
        switch (d.destinationName, d.destinationGroupId) {
        case (let name?, let id?): return .init("Destination", "\(inline(name, 400)) (\(inline(id, 250)))")
        case (nil, let id?): return .init("Destination", inline(id, factBytes))
        case (let name?, nil): return .init("Destination", inline(name, factBytes))
        case (nil, nil): return nil
        }
    }

    private static func reasonText(_ d: Delivery) -> String? {
        if let reason = d.reason { return reason }
        if d.event == "connection_failure" { return d.status }
        if let output = DbtFailingStep.failing(in: d.data["result"]).first?.output, !output.isEmpty { return output }
        return nil
    }

    private static func reasonBlock(_ reason: String?) -> TeamsCard.Element {
        guard let reason, !reason.isEmpty else { return .text("_Fivetran gave no reason_", .plain) }
        return .monospace(TeamsText.monospace(reason, reasonBytes))
    }

    /// The "Open in Fivetran" button: the delivery's page in Fivetran.
    static func dashboardLink(_ d: Delivery) -> TeamsCard.Link {
        TeamsCard.Link(title: "Open in Fivetran", url: dashboardURL(d))
    }

    static let dashboard = DeliveryWords.dashboard

    /// `DeliveryWords.dashboardURL`, except that an absurd id would make an absurd link: the dashboard
    /// itself then.
    static func dashboardURL(_ d: Delivery) -> String {
        let url = DeliveryWords.dashboardURL(d)
        return url.utf8.count > 1_000 ? dashboard : url
    }
}
