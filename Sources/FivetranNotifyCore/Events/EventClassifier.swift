import Foundation

/// How bad a forwarded event is: failures are red, warnings (a rescheduled or canceled sync) yellow.
public enum AlertSeverity: String, Sendable, Equatable, Hashable, Codable {
    case failure
    case warning
}

/// Which deliveries become Slack messages.
public struct ForwardedEvents: Sendable, Equatable {
    /// Forwarded without `--events`: failed syncs, dbt and transformation failures, connection failures.
    public static let defaultNames: [String] = [
        "sync_end", "dbt_run_failed", "transformation_run_failed", "transformation_failed", "connection_failure",
    ]

    /// Statuses of a `sync_end` that are warnings rather than failures.
    public static let warningStatuses: Set<String> = ["RESCHEDULED", "CANCELED", "CANCELLED"]

    /// The event names forwarded.
    public let names: Set<String>

    /// - Parameter names: the events to forward (`--events`); nil or empty for the default set.
    ///   Names are trimmed; a `sync_end` is forwarded only when its status is not SUCCESSFUL.
    public init(names: [String]?) {
        let cleaned = (names ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.names = Set(cleaned.isEmpty ? Self.defaultNames : cleaned)
    }

    /// Whether the delivery should be posted to Slack.
    public func shouldForward(_ d: Delivery) -> Bool {
        guard names.contains(d.event) else { return false }
        if d.isSyncEnd {
            return !d.isSuccessful
        }
        return true
    }

    /// Red or yellow: a rescheduled or canceled sync is a warning, so is a watch finding whose
    /// `data.severity` is "warning"; everything else forwarded is a failure.
    public func severity(_ d: Delivery) -> AlertSeverity {
        Self.severity(of: d)
    }

    /// As `severity(_:)`, without an instance.
    public static func severity(of d: Delivery) -> AlertSeverity {
        // The account watch says how bad its finding is in `data.severity`.
        if IncidentSignal.isWatchEvent(d.event) {
            return d.data["severity"]?.stringValue == AlertSeverity.warning.rawValue ? .warning : .failure
        }
        if let status = d.status?.uppercased(), warningStatuses.contains(status) {
            return .warning
        }
        return .failure
    }
}
