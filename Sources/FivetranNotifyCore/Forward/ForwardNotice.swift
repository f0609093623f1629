import Foundation

/// The documented JSON notice of destinations.md ("Any HTTPS endpoint"), version 1: what happened, the
/// incident it belongs to, the facts of the Slack layout, a one-line `text`, and the Fivetran delivery
/// as received. Fields that do not apply are omitted; keys are sorted, so the same notice always gives
/// the same bytes (and the same signature input).
enum ForwardNotice {
    static let version = 1

    /// The notice's JSON body.
    static func body(for notice: Notice, now: Date) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to JSON.
        return (try? encoder.encode(JSONValue.object(object(for: notice, now: now)))) ?? Data()
    }

    /// `ntc_<createdAt in ms>_<outbox id>`: unique to the notice and the same on every retry of it,
    /// so receivers deduplicate on it (it is also the `webhook-id`).
    static func id(of notice: Notice) -> String {
        let milliseconds = (notice.createdAt.timeIntervalSince1970 * 1000).rounded()
        let stamp = milliseconds.isFinite && abs(milliseconds) < 9e15 ? Int64(milliseconds) : 0
        return "ntc_\(stamp)_\(notice.id)"
    }

    static func object(for notice: Notice, now: Date) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        switch notice.kind {
        case .alert where notice.deliveries.count == 1:
            object = incident(notice.deliveries[0], key: incidentKey(notice))
            object["type"] = "failure"
            if let failures = notice.failures { object["failures"] = .number(Double(failures)) }
        case .alert, .digest:
            object["type"] = "digest"
            object["failures"] = .number(Double(notice.deliveries.count))
            object["incidents"] = .array(
                notice.deliveries.map { d in
                    var single = notice
                    single.kind = .alert
                    single.deliveries = [d]
                    return .object(incident(d, key: incidentKey(single)))
                })
            let groups = Set(notice.deliveries.map(\.destinationGroupId))
            if groups.count == 1, let group = groups.first ?? nil {
                object["destination_group_id"] = .string(group)
            }
        case .reminder:
            if let latest = notice.deliveries.last { object = incident(latest, key: incidentKey(notice)) }
            object["type"] = "reminder"
            // Failures since the last notice, which was sent at `last_notice_at`.
            if let failures = notice.failures { object["failures"] = .number(Double(failures)) }
            if let since = notice.since { object["last_notice_at"] = .string(ISO8601Timestamp.string(from: since)) }
        case .resolved:
            if let success = notice.deliveries.last { object = incident(success, key: incidentKey(notice)) }
            object["type"] = "resolved"
            if let failures = notice.failures { object["failures"] = .number(Double(failures)) }
            if let since = notice.since { object["failing_since"] = .string(ISO8601Timestamp.string(from: since)) }
        }
        object["version"] = .number(Double(version))
        object["id"] = .string(id(of: notice))
        object["text"] = .string((notice.isTest ? "Test — " : "") + ForwardText.line(for: notice, now: now))
        if notice.isTest { object["test"] = true }
        return object
    }

    /// The fields of one delivery: the top level of a failure, reminder or recovery, one element of a
    /// digest's `incidents`.
    static func incident(_ d: Delivery, key: String?) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "event": .string(d.event),
            "delivery": .object(d.raw),
            "dashboard_url": .string(DeliveryWords.dashboardURL(d)),
            "text": .string(ForwardText.alert(d)),
        ]
        func set(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { object[name] = .string(value) }
        }
        set("incident_key", key)
        set("status", d.status)
        set("reason", d.reason)
        set("destination_group_id", d.destinationGroupId)
        set("destination_name", d.destinationName)
        set("created", d.created)
        var connector: [String: JSONValue] = [:]
        if let id = d.connectorId { connector["id"] = .string(id) }
        if let name = d.connectorName { connector["name"] = .string(name) }
        if let type = d.connectorType { connector["type"] = .string(type) }
        if !connector.isEmpty { object["connector"] = .object(connector) }
        var job: [String: JSONValue] = [:]
        if let id = d.dbtJobId { job["id"] = .string(id) }
        if let name = d.dbtJobName { job["name"] = .string(name) }
        if !job.isEmpty { object["dbt_job"] = .object(job) }
        if IncidentSignal.isWatchEvent(d.event) {
            set("title", d.data["title"]?.displayText)
            set("fix", d.data["fix"]?.displayText)
            if !d.event.hasSuffix("_cleared") { set("severity", d.data["severity"]?.displayText) }
        } else if !d.event.hasSuffix("_succeeded"), d.event != "connection_successful",
            !d.isSuccessful
        {
            object["severity"] = .string(ForwardedEvents.severity(of: d).rawValue)
        }
        return object
    }

    /// `family|subject` as the store keys the incident: `Notice.incidentKey`, except that an account-watch
    /// finding's subject is its `watch_subject` (`IncidentSignal.subject(of:)`), which the webhook finding
    /// and its `_cleared` share where `Delivery.subjectKey` differs. Nil for a digest and for an event
    /// that opens no incident.
    static func incidentKey(_ notice: Notice) -> String? {
        guard notice.kind != .digest, let d = notice.deliveries.last,
            let family = IncidentSignal.family(of: d.event)
        else { return nil }
        return "\(family.rawValue)|\(IncidentSignal.subject(of: d))"
    }
}
