import Crypto
import Foundation

/// Builds the PagerDuty Events API v2 events of destinations.md from notices: a failure is a `trigger`
/// keyed by its incident (`dedup_key`), a recovery the `resolve` of that key. Pure, and without the
/// routing key: the destination adds it when it sends. Every field stays within PagerDuty's limits
/// whatever the delivery holds (a 100,000-character stack trace): long texts are cut visibly.
enum PagerDutyEvent {
    /// PagerDuty's limit for `payload.summary`.
    static let summaryLimit = 1024
    /// The reason (or dbt output) shown in `custom_details`.
    static let reasonLimit = 4096
    /// Any other text shown in the payload (names, ids, statuses).
    static let fieldLimit = 1024
    /// PagerDuty's limit for `dedup_key`.
    static let dedupKeyLimit = 255
    static let client = "fivetran-notify"

    /// The events for a notice, in order: a trigger per failure of an alert, a resolve for a recovery,
    /// and none for a reminder or a digest (an open PagerDuty alert already says it is still failing,
    /// and storms are never digested for PagerDuty).
    static func events(for notice: Notice) -> [JSONValue] {
        switch notice.kind {
        case .alert:
            // Normally one failure; should several come together, each is its own incident.
            return notice.deliveries.map { failure in
                var single = notice
                single.deliveries = [failure]
                return trigger(for: single)
            }
        case .resolved:
            return notice.deliveries.isEmpty ? [] : [resolve(for: notice)]
        case .reminder, .digest:
            return []
        }
    }

    /// A `trigger` for an alert about one failure (its last delivery).
    static func trigger(for notice: Notice) -> JSONValue {
        guard let d = notice.deliveries.last else { return .null }
        var payload: [String: JSONValue] = [
            "summary": .string(clamp((notice.isTest ? "Test — " : "") + summary(of: d).flattened, to: summaryLimit)),
            "source": .string(clamp(source(of: d), to: fieldLimit)),
            "severity": .string(severity(of: d)),
            // The time received stands in for a delivery without `created`.
            "timestamp": .string(ISO8601Timestamp.string(from: d.createdDate ?? notice.createdAt)),
            "class": .string(clamp(d.event, to: fieldLimit)),
            "custom_details": .object(details(of: d, failures: notice.failures)),
        ]
        if let type = d.connectorType { payload["component"] = .string(clamp(type, to: fieldLimit)) }
        if let group = d.destinationGroupId { payload["group"] = .string(clamp(group, to: fieldLimit)) }
        return .object([
            "event_action": "trigger",
            "dedup_key": .string(dedupKey(for: notice)),
            "payload": .object(payload),
            "links": [["href": .string(DeliveryWords.dashboardURL(d)), "text": "Open in Fivetran"]],
            "client": .string(client),
        ])
    }

    /// The `resolve` of the incident a recovery ends.
    static func resolve(for notice: Notice) -> JSONValue {
        .object(["event_action": "resolve", "dedup_key": .string(dedupKey(for: notice))])
    }

    /// `fivetran-notify/` and the notice's incident key (`sync|warrant_sheep`): the same for a failure
    /// and the recovery that resolves it. A key over PagerDuty's 255 characters is replaced by its
    /// SHA-256.
    static func dedupKey(for notice: Notice) -> String {
        // A `route test` alert is its own incident: its resolve never touches a real one.
        dedupKey(
            incident: (incidentKey(of: notice) ?? "notice|\(notice.id)") + (notice.isTest ? "|test-\(notice.id)" : ""))
    }

    /// The `dedup_key` of an incident key (`sync|warrant_sheep`).
    static func dedupKey(incident: String) -> String {
        let key = "fivetran-notify/" + incident
        guard key.utf8.count > dedupKeyLimit else { return key }
        let digest = SHA256.hash(data: Data(incident.utf8)).map { String(format: "%02x", $0) }.joined()
        return "fivetran-notify/sha256:" + digest
    }

    /// `family|subject` as the store keys the incident: `Notice.incidentKey`, except that an account-watch
    /// finding's subject is its `watch_subject` (`IncidentSignal.subject(of:)`), which the webhook finding
    /// and its `_cleared` share where `Delivery.subjectKey` differs. An event of no incident family
    /// (forwarded with `--events`) is keyed by its name and subject; it is never resolved.
    static func incidentKey(of notice: Notice) -> String? {
        guard notice.kind != .digest, let d = notice.deliveries.last else { return nil }
        let subject = IncidentSignal.subject(of: d)
        guard let family = IncidentSignal.family(of: d.event) else { return "\(d.event)|\(subject)" }
        return IncidentKey(family, subject).text
    }

    /// Where it happened: the connector or dbt job id, else a watch finding's subject
    /// (`webhook:<url>`), else the destination group.
    private static func source(of d: Delivery) -> String {
        if let id = d.connectorId ?? d.dbtJobId { return id }
        if isWatchFinding(d) { return IncidentSignal.subject(of: d) }
        return d.destinationGroupId ?? "fivetran"
    }

    /// `error`, or `warning` for a rescheduled or canceled sync and for watch findings that say so.
    static func severity(of d: Delivery) -> String {
        if isWatchFinding(d), let severity = d.data["severity"]?.stringValue {
            return severity == "warning" ? "warning" : "error"
        }
        return ForwardedEvents.severity(of: d) == .warning ? "warning" : "error"
    }

    // MARK: - Texts

    /// The alert's one line, as a phone shows it: "Sync failed: salesforce_prod (salesforce) —
    /// FAILURE_WITH_TASK: java.lang.RuntimeException: …". Not yet cut to length.
    static func summary(of d: Delivery) -> String {
        DeliveryWords.line(d, transformationReason: reasonText(d))
    }

    /// The facts of the Slack layout, for PagerDuty's alert details.
    private static func details(of d: Delivery, failures: Int?) -> [String: JSONValue] {
        var details: [String: JSONValue] = ["event": .string(clamp(d.event, to: fieldLimit))]
        func set(_ key: String, _ value: String?, limit: Int = fieldLimit) {
            if let value, !value.isEmpty { details[key] = .string(clamp(value, to: limit)) }
        }
        if d.connectorId != nil || d.connectorName != nil {
            set(
                "connector",
                d.connectorName.map { name in d.connectorId.map { "\(name) (\($0))" } ?? name } ?? d.connectorId)
        }
        set("connector_type", d.connectorType)
        if d.dbtJobId != nil || d.dbtJobName != nil {
            set("dbt_job", d.dbtJobName.map { name in d.dbtJobId.map { "\(name) (\($0))" } ?? name } ?? d.dbtJobId)
        }
        set("destination_group_id", d.destinationGroupId)
        set("destination_name", d.destinationName)
        set("status", d.status)
        set("task_type", d.data["taskType"]?.displayText)
        set("rescheduled_at", d.data["rescheduledAt"]?.displayText)
        set("result", d.data["result"]?["description"]?.displayText)
        set("reason", reasonText(d) ?? "Fivetran gave no reason", limit: reasonLimit)
        set("sync_id", d.syncId)
        set("created", d.created)
        if isWatchFinding(d) { set("fix", d.data["fix"]?.displayText) }
        if let failures { details["failures"] = .number(Double(failures)) }
        return details
    }

    /// The reason, else a connection failure's status, else the first failing dbt step's output.
    private static func reasonText(_ d: Delivery) -> String? {
        if let reason = d.reason { return reason }
        if d.event == "connection_failure" { return d.status }
        if let step = DbtFailingStep.failing(in: d.data["result"]).first {
            let output = step.output
            return "\(step.named ?? "a step") exited \(step.exitCode ?? 0)" + (output.isEmpty ? "" : ": \(output)")
        }
        return nil
    }

    private static func isWatchFinding(_ d: Delivery) -> Bool {
        IncidentSignal.isWatchEvent(d.event)
    }

    /// `text` cut to at most `limit` UTF-16 units (PagerDuty counts no fewer characters than these),
    /// at a character boundary, ending "… (N more characters)" when cut.
    static func clamp(_ text: String, to limit: Int) -> String {
        TextClamp.clamp(text, to: limit, measure: \.utf16.count, pieces: { text.map { String($0) } })
    }

    /// A JSON body: keys sorted, slashes as they are.
    static func body(_ event: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to JSON.
        return (try? encoder.encode(event)) ?? Data()
    }
}

extension String {
    /// On one line: newlines and tabs become spaces.
    fileprivate var flattened: String {
        guard contains(where: { $0.isNewline || $0 == "\t" }) else { return self }
        return String(map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
