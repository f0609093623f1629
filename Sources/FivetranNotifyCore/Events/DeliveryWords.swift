/// The words and the link every destination kind uses for a delivery: its one line and that line's
/// title (PagerDuty's summary, a forwarded notice's `text`), its title as a Slack or Teams card heads
/// it, and its page in the Fivetran dashboard. Plain text, unescaped: each destination escapes and
/// cuts for its own format.
public enum DeliveryWords {
    /// The Fivetran dashboard, the link for a delivery without a page of its own.
    static let dashboard = "https://fivetran.com/dashboard"

    /// A notice line's title: "Sync failed", "Sync rescheduled", "Sync canceled", "dbt run failed",
    /// "Transformation failed", "Connection test failed", or the event in words ("Fivetran connector
    /// broken", "dbt run start").
    static func eventTitle(_ event: String, status: String?) -> String {
        switch (event, status?.uppercased()) {
        case ("sync_end", "RESCHEDULED"): return "Sync rescheduled"
        case ("sync_end", "CANCELED"), ("sync_end", "CANCELLED"): return "Sync canceled"
        case ("sync_end", _): return "Sync failed"
        case ("dbt_run_failed", _): return "dbt run failed"
        case ("transformation_run_failed", _), ("transformation_failed", _): return "Transformation failed"
        case ("connection_failure", _): return "Connection test failed"
        default:
            let words = event.replacingOccurrences(of: "_", with: " ")
            return words.hasPrefix("dbt ") ? words : "Fivetran " + words
        }
    }

    /// One failure's line, as a phone shows it: "Sync failed: salesforce_prod (salesforce) —
    /// FAILURE_WITH_TASK: java.lang.RuntimeException: …", "dbt run failed: nightly on grp_1 — … —
    /// `transformationReason`", or an account-watch finding's title and reason. Not cut to length,
    /// and it may hold newlines.
    static func line(_ d: Delivery, transformationReason: String?) -> String {
        if IncidentSignal.isWatchEvent(d.event) {
            let title = d.data["title"]?.displayText ?? "\(eventTitle(d.event, status: nil)) — \(d.displayName)"
            return d.reason.map { "\(title): \($0)" } ?? title
        }
        if d.isTransformationEvent {
            var text = "\(eventTitle(d.event, status: nil)): \(d.dbtJobName ?? d.dbtJobId ?? d.displayName)"
            if let group = d.destinationGroupId { text += " on \(group)" }
            if let description = d.data["result"]?["description"]?.displayText { text += " — \(description)" }
            if let reason = transformationReason { text += " — \(reason)" }
            return text
        }
        var text = "\(eventTitle(d.event, status: d.status)): \(d.displayName)"
        if let type = d.connectorType { text += " (\(type))" }
        switch d.event {
        case "sync_end":
            text += " — \(d.status ?? "no status")"
            if let reason = d.reason { text += ": \(reason)" }
        case "connection_failure":
            text += " — \(d.reason ?? d.status ?? "Fivetran gave no reason")"
        default:
            if let status = d.status { text += " — \(status)" }
            if let reason = d.reason { text += ": \(reason)" }
        }
        return text
    }

    /// A Slack or Teams card's title for an event other than `sync_end` (see `syncTitle(status:)`):
    /// "dbt run failed", "Transformation succeeded", "Connection test failed", or the event name in
    /// words ("Connector broken").
    static func cardTitle(_ event: String) -> String {
        switch event {
        case "dbt_run_failed": return "dbt run failed"
        case "dbt_run_succeeded": return "dbt run succeeded"
        case "dbt_run_start": return "dbt run started"
        case "transformation_run_failed", "transformation_failed": return "Transformation failed"
        case "transformation_run_succeeded", "transformation_succeeded": return "Transformation succeeded"
        case "connection_failure": return "Connection test failed"
        case "connection_successful": return "Connection test succeeded"
        default:
            let words = event.replacingOccurrences(of: "_", with: " ")
            if words.hasPrefix("dbt ") { return words }
            return words.prefix(1).uppercased() + words.dropFirst()
        }
    }

    /// A Slack or Teams card's title for a `sync_end` with this status: "Sync rescheduled", "Sync
    /// canceled", "Sync succeeded", else "Sync failed".
    static func syncTitle(status: String) -> String {
        switch status.uppercased() {
        case "RESCHEDULED": return "Sync rescheduled"
        case "CANCELED", "CANCELLED": return "Sync canceled"
        case SyncStatus.successful: return "Sync succeeded"
        default: return "Sync failed"
        }
    }

    /// The delivery's page in Fivetran: the connector's status, the destination's dbt jobs, or the
    /// dashboard. Ids are percent-encoded, so none can end or change the URL.
    static func dashboardURL(_ d: Delivery) -> String {
        if d.isTransformationEvent {
            let base = dashboard + "/dbt-transformations"
            return d.destinationGroupId.map { base + "?groupId=" + URLComponent.encoded($0) } ?? base
        }
        if let id = d.connectorId {
            return dashboard + "/connectors/\(URLComponent.encoded(id))/status"
        }
        return dashboard
    }
}
