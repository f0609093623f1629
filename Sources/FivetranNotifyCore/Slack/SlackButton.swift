import Foundation

/// The buttons of an app-mode alert. The raw value is the button's `action_id`, which a click names.
public enum SlackButton: String, Sendable, Equatable, CaseIterable {
    case acknowledge = "fivetran_notify_acknowledge"
    case unacknowledge = "fivetran_notify_unacknowledge"
    case mute = "fivetran_notify_mute"
    case resync = "fivetran_notify_resync"
}

/// What a button carries in its `value` for the click to act on: the incident (or digest) key and, for
/// Re-sync, the connection id. Encoded as a small JSON object (`{"connection":…,"incident":…}`) well
/// within Slack's 2,000 characters: a field longer than `fieldLimit` is left out, and the click is then
/// found by its message (channel and ts) alone, as every click is anyway.
public struct SlackButtonValue: Sendable, Equatable {
    /// `Notice.incidentKey` ("sync|warrant_sheep"), or the key the caller gives a digest.
    public var incident: String?
    /// The Fivetran connection a Re-sync starts.
    public var connection: String?

    /// The longest field kept (UTF-8 bytes); two fields and the JSON around them stay under 2,000.
    public static let fieldLimit = 900

    public init(incident: String? = nil, connection: String? = nil) {
        self.incident = incident
        self.connection = connection
    }

    /// The `value` text of a button.
    public var encoded: String {
        var object: [String: JSONValue] = [:]
        if let incident, incident.utf8.count <= Self.fieldLimit { object["incident"] = .string(incident) }
        if let connection, connection.utf8.count <= Self.fieldLimit { object["connection"] = .string(connection) }
        return String(decoding: SlackMessage.compactJSON(.object(object)), as: UTF8.self)
    }

    /// Reads a button's `value`; nil when it is not what `encoded` writes.
    public init?(encoded: String) {
        guard encoded.utf8.count <= 2000,
            let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(encoded.utf8)))?.objectValue
        else { return nil }
        let incident = object["incident"]
        let connection = object["connection"]
        guard incident == nil || incident?.stringValue != nil, connection == nil || connection?.stringValue != nil
        else { return nil }
        self.init(incident: incident?.stringValue, connection: connection?.stringValue)
    }
}
