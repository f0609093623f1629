import Foundation

/// Why a verified body could not be read as a delivery (the listener answers 400).
public enum DeliveryParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not JSON at all.
    case notJSON
    /// The body is JSON, but its top level is not an object (`found` names what it is).
    case notAnObject(found: String)

    public var description: String {
        switch self {
        case .notJSON: return "The delivery body is not JSON; Fivetran sends a JSON object."
        case .notAnObject(let found): return "The delivery body is a JSON \(found), not the JSON object Fivetran sends."
        }
    }
}

/// One webhook delivery, read leniently: every field is optional, aliases are accepted
/// (`connection_*` for `connector_*`, `group_id` for `destination_group_id`) and everything received
/// is kept in `raw`, including fields this tool does not know.
public struct Delivery: Sendable, Equatable {
    /// The whole top-level object as received (known and unknown fields alike).
    public let raw: [String: JSONValue]
    /// The event name; "unknown" when the delivery has none.
    public let event: String
    /// `created` as sent (ISO-8601 with milliseconds).
    public let created: String?
    /// `created` as a date, when it parses.
    public let createdDate: Date?
    public let connectorId: String?
    public let connectorName: String?
    public let connectorType: String?
    public let syncId: String?
    /// `destination_group_id`, or `group_id` in the creation-time validation payload.
    public let destinationGroupId: String?
    /// The event-specific `data` object (empty when absent or not an object).
    public let data: [String: JSONValue]
    /// `data.status` (e.g. FAILURE, FAILURE_WITH_TASK, RESCHEDULED).
    public let status: String?
    /// `data.reason`, else `data.message`.
    public let reason: String?
    /// `data.dbtJobId` on dbt and transformation events.
    public let dbtJobId: String?
    /// `data.dbtJobName` on dbt and transformation events.
    public let dbtJobName: String?
    /// The destination's name: never sent by Fivetran; filled in by the account watch
    /// (`DeliveryEnricher`) as `destination_name`.
    public let destinationName: String?

    /// Reads a delivery from the body bytes.
    /// - Throws: `DeliveryParseError` when the body is not JSON or not a JSON object.
    public static func parse(_ body: Data) throws -> Delivery {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw DeliveryParseError.notJSON
        }
        let found: String
        switch JSONValue(jsonObject: object) {
        case .object(let raw): return Delivery(raw: raw)
        case .array: found = "array"
        case .string: found = "string"
        case .number: found = "number"
        case .bool: found = "boolean"
        case .null: found = "null"
        }
        throw DeliveryParseError.notAnObject(found: found)
    }

    /// A delivery from an already decoded top-level object (e.g. one read back from the store).
    public init(raw: [String: JSONValue]) {
        self.raw = raw
        func text(_ keys: String...) -> String? {
            for key in keys {
                if let value = raw[key]?.displayText, !value.isEmpty { return value }
            }
            return nil
        }
        let data = raw["data"]?.objectValue ?? [:]
        func dataText(_ keys: String...) -> String? {
            for key in keys {
                if let value = data[key]?.displayText, !value.isEmpty { return value }
            }
            return nil
        }
        event = text("event") ?? "unknown"
        created = text("created")
        createdDate = created.flatMap(ISO8601Timestamp.date(from:))
        connectorId = text("connector_id", "connection_id")
        connectorName = text("connector_name", "connection_name")
        connectorType = text("connector_type", "connection_type")
        syncId = text("sync_id")
        destinationGroupId = text("destination_group_id", "group_id")
        destinationName = text("destination_name")
        self.data = data
        status = dataText("status")
        reason = dataText("reason", "message")
        dbtJobId = dataText("dbtJobId", "transformationId") ?? text("dbt_job_id", "transformation_id")
        dbtJobName = dataText("dbtJobName", "transformationName") ?? text("dbt_job_name", "transformation_name")
    }

    /// The name to show: the connector name, else its id, else the dbt job name (or id), else
    /// "unknown connector".
    public var displayName: String {
        connectorName ?? connectorId ?? dbtJobName ?? dbtJobId ?? "unknown connector"
    }

    /// What repeats are grouped by: the connector id, else the dbt job id, else the event name.
    /// An account-watch finding (`watch_…`) carries its own in `watch_subject`, the same for the
    /// finding and its `_cleared`.
    public var subjectKey: String {
        if isWatchFinding, let subject = raw["watch_subject"]?.stringValue, !subject.isEmpty {
            return subject
        }
        return connectorId ?? dbtJobId ?? "event:\(event)"
    }

    /// Whether this is a dbt or transformation event (no connector; a job instead).
    public var isTransformationEvent: Bool {
        event.hasPrefix("dbt_") || event.hasPrefix("transformation_")
    }
}
