import Foundation

/// What a delivery means for a connector's (or dbt job's) ongoing trouble: a failure that opens or
/// continues an incident, a success that resolves one, or neither.
public struct IncidentSignal: Sendable, Equatable {
    /// Failures and their recoveries come in families: a successful sync resolves a failed sync, a
    /// succeeded dbt run resolves a failed one, a successful connection test a failed one.
    public enum Family: String, Sendable, Equatable, CaseIterable {
        case sync
        case transformation
        case connection
        /// The account watch's findings (`watch_*` events): no webhook is sending alerts here, a
        /// connection is broken, newly paused, or stale. Raw values are stored in the state directory.
        case webhook = "watch_webhook"
        case broken = "watch_broken"
        case paused = "watch_paused"
        case stale = "watch_stale"
    }

    public enum Kind: Sendable, Equatable {
        case failure(status: String?, reason: String?)
        case resolution
    }

    public var family: Family
    /// The connector id or dbt job id (`Delivery.subjectKey`), or a watch finding's `watch_subject`.
    public var subject: String
    public var kind: Kind

    public init(family: Family, subject: String, kind: Kind) {
        self.family = family
        self.subject = subject
        self.kind = kind
    }

    /// The signal a delivery carries, given which events are forwarded as failures; nil for events that
    /// neither fail nor resolve anything (sync_start, lifecycle events, test_event).
    public static func of(_ delivery: Delivery, forwarded: ForwardedEvents) -> IncidentSignal? {
        guard let family = family(of: delivery.event) else { return nil }
        let subject = subject(of: delivery)
        if isResolution(delivery) {
            return IncidentSignal(family: family, subject: subject, kind: .resolution)
        }
        // The watch's findings are signals whatever `--events` forwards: they are this tool's own.
        guard isWatchEvent(delivery.event) || forwarded.shouldForward(delivery) else { return nil }
        return IncidentSignal(
            family: family, subject: subject,
            kind: .failure(status: delivery.status, reason: firstLine(delivery.reason)))
    }

    /// The family an event's incidents belong to; nil for events that open or resolve none.
    public static func family(of event: String) -> Family? {
        if isWatchEvent(event) { return watchFamily(of: event) }
        switch event {
        case EventName.syncEnd, EventName.legacyStatus: return .sync
        case "connection_failure", "connection_successful": return .connection
        default:
            return event.hasPrefix("dbt_run_") || event.hasPrefix("transformation_") ? .transformation : nil
        }
    }

    /// The subject of the incident a delivery belongs to: `Delivery.subjectKey`, except that a watch
    /// finding's top-level `watch_subject` wins. The webhook finding has no connector id, and
    /// `subjectKey`'s fallback ("event:<event>") would differ between `watch_webhook_inactive` and its
    /// `_cleared`; both carry `"watch_subject": "webhook:<public_url>"` instead. Connection findings
    /// carry their connection id there too, equal to their `connector_id`.
    public static func subject(of delivery: Delivery) -> String {
        if isWatchEvent(delivery.event), let subject = delivery.raw["watch_subject"]?.stringValue, !subject.isEmpty {
            return subject
        }
        return delivery.subjectKey
    }

    /// Whether the event is one of the account watch's synthetic findings (`watch_…`).
    public static func isWatchEvent(_ event: String) -> Bool {
        EventName.isWatchFinding(event)
    }

    /// The suffix of a watch finding's recovery: `watch_connection_broken_cleared`.
    public static let watchClearedSuffix = "_cleared"

    private static func watchFamily(of event: String) -> Family? {
        let base = event.hasSuffix(watchClearedSuffix) ? String(event.dropLast(watchClearedSuffix.count)) : event
        switch base {
        case "watch_webhook_inactive": return .webhook
        case "watch_connection_broken": return .broken
        case "watch_connection_paused": return .paused
        case "watch_connection_stale": return .stale
        default: return nil
        }
    }

    private static func isResolution(_ delivery: Delivery) -> Bool {
        if isWatchEvent(delivery.event) { return delivery.event.hasSuffix(watchClearedSuffix) }
        switch delivery.event {
        case EventName.syncEnd, EventName.legacyStatus: return delivery.isSuccessful
        case "connection_successful", "dbt_run_succeeded", "transformation_run_succeeded", "transformation_succeeded":
            return true
        default: return false
        }
    }

    /// Reasons are compared on their first line: stack traces differ in line numbers and ids below it.
    private static func firstLine(_ text: String?) -> String? {
        guard let text else { return nil }
        return String(text.prefix { $0 != "\n" }.prefix(500))
    }
}
