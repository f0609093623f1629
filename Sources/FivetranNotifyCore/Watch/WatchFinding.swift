import Foundation

/// One thing a sweep noticed (or saw clear), as the synthetic delivery the listener records like a
/// received one: `{"event":"watch_connection_broken","created":…,"connector_id":…,"data":{…}}`.
///
/// Every finding carries a top-level `watch_subject`, the subject of its incident: the connection id
/// for connection findings (equal to `connector_id`), `webhook:<public_url>` for the webhook finding,
/// which has no connector. `IncidentSignal.subject(of:)` reads it, so that a finding and its
/// `_cleared` land on the same incident.
public struct WatchFinding: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case webhookInactive = "watch_webhook_inactive"
        case connectionBroken = "watch_connection_broken"
        case connectionPaused = "watch_connection_paused"
        case connectionStale = "watch_connection_stale"

        public var family: IncidentSignal.Family {
            switch self {
            case .webhookInactive: return .webhook
            case .connectionBroken: return .broken
            case .connectionPaused: return .paused
            case .connectionStale: return .stale
            }
        }

        init?(family: IncidentSignal.Family) {
            guard let kind = Self.allCases.first(where: { $0.family == family }) else { return nil }
            self = kind
        }
    }

    public var kind: Kind
    /// False for a failure, true for its recovery (`<event>_cleared`).
    public var cleared: Bool
    /// The incident's subject (`watch_subject`).
    public var subject: String
    public var connectorID: String?
    public var connectorName: String?
    public var connectorType: String?
    public var groupID: String?
    public var groupName: String?
    /// `data.title`: the notice's headline.
    public var title: String
    /// `data.reason`: kept stable between sweeps while the condition lasts, so that it does not alert
    /// again (noise control compares its first line).
    public var reason: String?
    /// `data.severity`: "failure" or "warning".
    public var severity: AlertSeverity
    /// `data.status`: broken, paused, stale, delayed, inactive, missing, reactivated; cleared.
    public var status: String
    /// `data.fix`: a command line that fixes it, when there is one.
    public var fix: String?

    public init(
        kind: Kind, cleared: Bool = false, subject: String, connectorID: String? = nil, connectorName: String? = nil,
        connectorType: String? = nil, groupID: String? = nil, groupName: String? = nil, title: String,
        reason: String? = nil, severity: AlertSeverity = .warning, status: String, fix: String? = nil
    ) {
        self.kind = kind
        self.cleared = cleared
        self.subject = subject
        self.connectorID = connectorID
        self.connectorName = connectorName
        self.connectorType = connectorType
        self.groupID = groupID
        self.groupName = groupName
        self.title = title
        self.reason = reason
        self.severity = severity
        self.status = status
        self.fix = fix
    }

    /// `watch_connection_broken`, or `watch_connection_broken_cleared`.
    public var event: String { kind.rawValue + (cleared ? IncidentSignal.watchClearedSuffix : "") }

    /// The incident key the store knows it by: `watch_broken|<connection id>`.
    public var incidentKey: String { Self.incidentKey(kind.family, subject) }

    public static func incidentKey(_ family: IncidentSignal.Family, _ subject: String) -> String {
        IncidentKey(family, subject).text
    }

    /// The delivery's top-level object.
    public func raw(created: Date) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "title": .string(title), "severity": .string(severity.rawValue), "status": .string(status),
        ]
        if let reason { data["reason"] = .string(reason) }
        if let fix { data["fix"] = .string(fix) }
        var raw: [String: JSONValue] = [
            "event": .string(event), "created": .string(ISO8601Timestamp.string(from: created)),
            "watch_subject": .string(subject), "data": .object(data),
        ]
        if let connectorID { raw["connector_id"] = .string(connectorID) }
        if let connectorName { raw["connector_name"] = .string(connectorName) }
        if let connectorType { raw["connector_type"] = .string(connectorType) }
        if let groupID { raw["destination_group_id"] = .string(groupID) }
        if let groupName { raw["destination_name"] = .string(groupName) }
        return raw
    }

    /// The delivery body (JSON, keys sorted), as the store keeps it.
    public func body(created: Date) -> Data {
        Self.encode(raw(created: created))
    }

    /// The finding as `submit` receives it: the delivery it is, and the body to store, made from one
    /// object (never parsed back).
    public func delivery(created: Date) -> (delivery: Delivery, body: Data) {
        let raw = raw(created: created)
        return (Delivery(raw: raw), Self.encode(raw))
    }

    private static func encode(_ raw: [String: JSONValue]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(raw))) ?? Data()
    }

    /// The recovery of this finding: same subject and names, `_cleared`.
    func clearing(title: String) -> WatchFinding {
        var copy = self
        copy.cleared = true
        copy.title = title
        copy.reason = nil
        copy.fix = nil
        copy.status = "cleared"
        return copy
    }
}
