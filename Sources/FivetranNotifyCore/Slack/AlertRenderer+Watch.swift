import Foundation

/// The account watch's findings (`watch_*` events, see `WatchFinding`) in Slack: the finding's own
/// title as the header, the connector and destination by name, the reason in a code block, the fix as
/// a command to copy, and the time with a link to Fivetran.
extension AlertRenderer {
    /// A watch finding (or, when forwarded as one, its `_cleared` recovery).
    static func watchAlert(_ d: Delivery, now: Date) -> SlackMessage {
        let cleared = d.event.hasSuffix(IncidentSignal.watchClearedSuffix)
        let title = watchTitle(d)
        let marker: String
        if cleared {
            marker = ":large_green_circle:"
        } else if IncidentSignal.family(of: d.event) == .webhook {
            marker = ":warning:"
        } else {
            marker = self.marker(ForwardedEvents.severity(of: d))
        }
        var blocks: [JSONValue] = [SlackMessage.header("\(marker) \(title)")]
        var fields: [String] = []
        if let id = d.connectorId {
            let name = d.connectorName.map { "\(inline($0, 1000)) (`\(inline(id, 500))`)" } ?? "`\(inline(id, 1000))`"
            fields.append("*Connector*\n\(name)")
        }
        if let type = d.connectorType { fields.append("*Type*\n\(inline(type, 500))") }
        if let destination = destinationField(d) { fields.append(destination) }
        if !fields.isEmpty { blocks.append(SlackMessage.fields(fields)) }
        if let reason = d.data["reason"]?.displayText, !reason.isEmpty {
            blocks.append(SlackMessage.section(Mrkdwn.codeBlock(reason, limit: 2900)))
        }
        if let fix = d.data["fix"]?.displayText, !fix.isEmpty {
            blocks.append(
                SlackMessage.section("*Fix:* `\(inline(fix.replacingOccurrences(of: "`", with: "ˋ"), 1500))`"))
        }
        var when = TimeText.time(d.createdDate ?? now, now: now)
        if let status = d.data["status"]?.displayText, !status.isEmpty { when += " · \(inline(status, 100))" }
        blocks.append(SlackMessage.context([when, "found by fivetran-notify's account watch", dashboardLink(d)]))

        var text = title
        if let reason = d.data["reason"]?.displayText, !reason.isEmpty { text += ": \(reason)" }
        return SlackMessage(text: summary(text), blocks: blocks)
    }

    /// The notice that a watch finding cleared, for `notify_resolved`: "Connector no longer broken —
    /// salesforce_prod, after 2 h 13 min".
    public static func watchResolved(_ d: Delivery, failingSince: Date, now: Date) -> SlackMessage {
        let clearedAt = d.createdDate ?? now
        let duration = TimeText.duration(clearedAt.timeIntervalSince(failingSince))
        let title = watchTitle(d)
        let blocks: [JSONValue] = [
            SlackMessage.section(":large_green_circle: *\(inline(title, 1500))*, after \(duration)"),
            SlackMessage.context([
                "since \(TimeText.time(failingSince, now: now)) · cleared \(TimeText.time(clearedAt, now: now))",
                dashboardLink(d),
            ]),
        ]
        return SlackMessage(text: summary("\(title), after \(duration)"), blocks: blocks).fittingLimits()
    }

    /// `data.title`, else the event in words with the name.
    static func watchTitle(_ d: Delivery) -> String {
        if let title = d.data["title"]?.displayText, !title.isEmpty { return title }
        return "\(eventTitle(d.event)) — \(d.displayName)"
    }
}
