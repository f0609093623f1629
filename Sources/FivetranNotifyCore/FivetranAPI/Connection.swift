import Foundation

/// A connection (connector) as `GET /connections` and `GET /connections/{id}` describe it, reduced
/// to what the account watch reads. Read leniently from the raw JSON: a missing or mistyped field is
/// nil (or its documented default), never a failure; only an item without an `id` is unusable.
public struct Connection: Sendable, Equatable {
    /// What deliveries call `connector_id`.
    public var id: String
    /// The group (destination) it loads into; deliveries call it `destination_group_id`.
    public var groupID: String?
    /// The connector type (`postgres`, `salesforce`); deliveries call it `connector_type`.
    public var service: String?
    /// The connection's name in Fivetran (and its schema's name in the destination).
    public var schema: String?
    public var paused: Bool
    /// Minutes between syncs.
    public var syncFrequency: Int?
    /// `auto` or `manual`.
    public var scheduleType: String?
    /// The last successful sync; nil when it never completed one.
    public var succeededAt: Date?
    public var failedAt: Date?
    public var createdAt: Date?
    public var status: ConnectionStatus

    public init(
        id: String, groupID: String? = nil, service: String? = nil, schema: String? = nil, paused: Bool = false,
        syncFrequency: Int? = nil, scheduleType: String? = nil, succeededAt: Date? = nil, failedAt: Date? = nil,
        createdAt: Date? = nil, status: ConnectionStatus = ConnectionStatus()
    ) {
        self.id = id
        self.groupID = groupID
        self.service = service
        self.schema = schema
        self.paused = paused
        self.syncFrequency = syncFrequency
        self.scheduleType = scheduleType
        self.succeededAt = succeededAt
        self.failedAt = failedAt
        self.createdAt = createdAt
        self.status = status
    }

    /// The connection in a raw list item or details `data`; nil when it is not an object with an id.
    public init?(json: JSONValue) {
        guard json.objectValue != nil, let id = json["id"]?.stringValue, !id.isEmpty else { return nil }
        func text(_ key: String) -> String? {
            json[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        }
        func date(_ key: String) -> Date? { text(key).flatMap(ISO8601Timestamp.date(from:)) }
        let frequency: Int?
        switch json["sync_frequency"] {
        case .number(let number)?: frequency = number.isFinite ? Int(number) : nil
        case .string(let string)?: frequency = Int(string)
        default: frequency = nil
        }
        self.init(
            id: id, groupID: text("group_id"), service: text("service"), schema: text("schema"),
            paused: json["paused"]?.boolValue ?? false, syncFrequency: frequency,
            scheduleType: text("schedule_type"), succeededAt: date("succeeded_at"), failedAt: date("failed_at"),
            createdAt: date("created_at"), status: ConnectionStatus(json: json["status"] ?? .null))
    }

    /// The name to show: the schema, else the id.
    public var name: String { schema ?? id }
}

/// A connection's `status` object.
public struct ConnectionStatus: Sendable, Equatable {
    /// `incomplete`, `connected` or `broken`.
    public var setupState: String?
    /// `scheduled`, `syncing`, `paused` or `rescheduled`.
    public var syncState: String?
    /// `on_schedule` or `delayed`.
    public var updateState: String?
    public var isHistoricalSync: Bool
    /// The next attempt of a rescheduled sync.
    public var rescheduledFor: Date?
    /// What a user must do (reconnect, re-authorise).
    public var tasks: [ConnectionAlert]
    public var warnings: [ConnectionAlert]

    public init(
        setupState: String? = "connected", syncState: String? = "scheduled", updateState: String? = "on_schedule",
        isHistoricalSync: Bool = false, rescheduledFor: Date? = nil, tasks: [ConnectionAlert] = [],
        warnings: [ConnectionAlert] = []
    ) {
        self.setupState = setupState
        self.syncState = syncState
        self.updateState = updateState
        self.isHistoricalSync = isHistoricalSync
        self.rescheduledFor = rescheduledFor
        self.tasks = tasks
        self.warnings = warnings
    }

    init(json: JSONValue) {
        func text(_ key: String) -> String? {
            json[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        }
        self.init(
            setupState: text("setup_state"), syncState: text("sync_state"), updateState: text("update_state"),
            isHistoricalSync: json["is_historical_sync"]?.boolValue ?? false,
            rescheduledFor: text("rescheduled_for").flatMap(ISO8601Timestamp.date(from:)),
            tasks: ConnectionAlert.list(json["tasks"]), warnings: ConnectionAlert.list(json["warnings"]))
    }
}

/// One of a connection's tasks or warnings: `{"code", "message", "details"}`, none required.
public struct ConnectionAlert: Sendable, Equatable, Codable {
    public var code: String?
    public var message: String?
    public var details: String?

    public init(code: String? = nil, message: String? = nil, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// "Reconnect your warehouse: password authentication failed": the message and, when present, the
    /// details; the code when there is neither.
    public var text: String? {
        let parts = [message, details].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        if !parts.isEmpty { return parts.joined(separator: ": ") }
        return code.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func list(_ json: JSONValue?) -> [ConnectionAlert] {
        (json?.arrayValue ?? []).compactMap { item in
            guard item.objectValue != nil else { return nil }
            return ConnectionAlert(
                code: item["code"]?.displayText, message: item["message"]?.displayText,
                details: item["details"]?.displayText)
        }
    }
}
