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
    }

    public enum Kind: Sendable, Equatable {
        case failure(status: String?, reason: String?)
        case resolution
    }

    public var family: Family
    /// The connector id or dbt job id (`Delivery.subjectKey`).
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
        let subject = delivery.subjectKey
        if isResolution(delivery) {
            return IncidentSignal(family: family, subject: subject, kind: .resolution)
        }
        guard forwarded.shouldForward(delivery) else { return nil }
        return IncidentSignal(
            family: family, subject: subject,
            kind: .failure(status: delivery.status, reason: firstLine(delivery.reason)))
    }

    /// The family an event's incidents belong to; nil for events that open or resolve none.
    public static func family(of event: String) -> Family? {
        switch event {
        case "sync_end", "status": return .sync
        case "connection_failure", "connection_successful": return .connection
        default:
            return event.hasPrefix("dbt_run_") || event.hasPrefix("transformation_") ? .transformation : nil
        }
    }

    private static func isResolution(_ delivery: Delivery) -> Bool {
        switch delivery.event {
        case "sync_end", "status": return delivery.status?.uppercased() == "SUCCESSFUL"
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
