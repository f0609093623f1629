import Foundation

/// A webhook as Fivetran's REST API describes it. Decoding tolerates missing and unknown fields: the
/// API grows, and a newer or older answer must still list.
public struct Webhook: Sendable, Equatable, Codable {
    public var id: String
    /// `"account"` or `"group"`.
    public var type: String?
    public var url: String?
    public var events: [String]
    /// Fivetran deactivates a webhook whose deliveries keep failing; a missing value counts as active.
    public var active: Bool
    /// Always masked (`"******"`) in answers: the secret is write-only.
    public var secret: String?
    /// Only for group webhooks.
    public var groupID: String?
    public var createdAt: String?
    public var createdBy: String?

    public init(
        id: String, type: String? = nil, url: String? = nil, events: [String] = [], active: Bool = true,
        secret: String? = nil, groupID: String? = nil, createdAt: String? = nil, createdBy: String? = nil
    ) {
        self.id = id
        self.type = type
        self.url = url
        self.events = events
        self.active = active
        self.secret = secret
        self.groupID = groupID
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, type, url, events, active, secret
        case groupID = "group_id"
        case createdAt = "created_at"
        case createdBy = "created_by"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try? container.decodeIfPresent(String.self, forKey: .id)) ?? ""
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        url = try? container.decodeIfPresent(String.self, forKey: .url)
        events = ((try? container.decodeIfPresent([String?].self, forKey: .events)) ?? []).compactMap { $0 }
        active = (try? container.decodeIfPresent(Bool.self, forKey: .active)) ?? true
        secret = try? container.decodeIfPresent(String.self, forKey: .secret)
        groupID = try? container.decodeIfPresent(String.self, forKey: .groupID)
        createdAt = try? container.decodeIfPresent(String.self, forKey: .createdAt)
        createdBy = try? container.decodeIfPresent(String.self, forKey: .createdBy)
    }
}

extension Webhook {
    /// The webhook in a raw `data` object, as tolerant as the decoder (and much cheaper for thousands).
    public init(json: JSONValue) {
        self.init(
            id: json["id"]?.stringValue ?? "",
            type: json["type"]?.stringValue,
            url: json["url"]?.stringValue,
            events: json["events"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            active: json["active"]?.boolValue ?? true,
            secret: json["secret"]?.stringValue,
            groupID: json["group_id"]?.stringValue,
            createdAt: json["created_at"]?.stringValue,
            createdBy: json["created_by"]?.stringValue)
    }
}

/// The body of `POST /webhooks/account` and `POST /webhooks/group/{groupId}`.
public struct WebhookCreateRequest: Sendable, Equatable, Encodable {
    public var url: String
    public var events: [String]
    public var active: Bool
    public var secret: String?

    public init(url: String, events: [String], active: Bool = true, secret: String? = nil) {
        self.url = url
        self.events = events
        self.active = active
        self.secret = secret
    }
}

/// The body of `PATCH /webhooks/{id}`: only the fields that are set are sent.
public struct WebhookUpdateRequest: Sendable, Equatable, Encodable {
    public var url: String?
    public var events: [String]?
    public var active: Bool?
    public var secret: String?

    public init(url: String? = nil, events: [String]? = nil, active: Bool? = nil, secret: String? = nil) {
        self.url = url
        self.events = events
        self.active = active
        self.secret = secret
    }

    /// True when no field would be sent.
    public var isEmpty: Bool { url == nil && events == nil && active == nil && secret == nil }

    // The synthesized encoder already skips nil optionals (encodeIfPresent); written out so that
    // nobody "simplifies" it into sending `null`, which would clear a field on Fivetran's side.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(url, forKey: .url)
        try container.encodeIfPresent(events, forKey: .events)
        try container.encodeIfPresent(active, forKey: .active)
        try container.encodeIfPresent(secret, forKey: .secret)
    }

    enum CodingKeys: String, CodingKey {
        case url, events, active, secret
    }
}

/// What `POST /webhooks/{id}/test` reports: whether the receiver answered the dummy event with 2xx.
public struct WebhookTestResult: Sendable, Equatable, Codable {
    public var succeed: Bool
    /// The HTTP status the receiver answered (0 when Fivetran got no answer).
    public var status: Int
    public var message: String?

    public init(succeed: Bool, status: Int, message: String? = nil) {
        self.succeed = succeed
        self.status = status
        self.message = message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        succeed = (try? container.decodeIfPresent(Bool.self, forKey: .succeed)) ?? false
        status = (try? container.decodeIfPresent(Int.self, forKey: .status)) ?? 0
        message = try? container.decodeIfPresent(String.self, forKey: .message)
    }

    enum CodingKeys: String, CodingKey {
        case succeed, status, message
    }
}

/// One answer of the API: the typed value, the raw `data` object as received (for `--json`, so
/// that fields this tool does not know are printed too) and the envelope's `message`.
public struct APIResponse<Value: Sendable>: Sendable {
    public var value: Value
    public var data: JSONValue?
    public var message: String?

    public init(value: Value, data: JSONValue?, message: String?) {
        self.value = value
        self.data = data
        self.message = message
    }
}

/// Every webhook across all pages of `GET /webhooks`.
public struct WebhookListing: Sendable {
    /// The raw items as received, for `--json`.
    public var items: [JSONValue]
    /// How many pages were fetched.
    public var pages: Int

    /// The items as webhooks.
    public var webhooks: [Webhook] { items.map(Webhook.init(json:)) }
}

/// The event names Fivetran is known to send to webhooks. Others are passed through (Fivetran adds
/// names over time) with a warning, since a typo would otherwise subscribe to nothing.
public enum WebhookEvents {
    public static let known: [String] = [
        "sync_start", "sync_end", "status", "dbt_run_start", "dbt_run_succeeded", "dbt_run_failed",
        "transformation_run_start", "transformation_run_succeeded", "transformation_run_failed",
        "transformation_start", "transformation_succeeded", "transformation_failed",
        "connection_successful", "connection_failure", "create_connector", "pause_connector",
        "resume_connector", "edit_connector", "delete_connector", "force_update_connector",
        "resync_connector", "resync_table",
    ]

    /// What `webhook create` subscribes to without `--event`.
    public static let defaultsForCreate = ["sync_end", "dbt_run_failed", "connection_failure"]

    /// Flattens repeated `--event` values and comma lists, trimming blanks and dropping repeats
    /// (first occurrence wins).
    public static func parse(_ values: [String]) -> [String] {
        var seen = Set<String>()
        var events: [String] = []
        for value in values {
            for part in value.split(separator: ",") {
                let name = part.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty, seen.insert(name).inserted {
                    events.append(name)
                }
            }
        }
        return events
    }

    /// The names that are not in `known`.
    public static func unknown(in events: [String]) -> [String] {
        let known = Set(Self.known)
        return events.filter { !known.contains($0) }
    }
}
