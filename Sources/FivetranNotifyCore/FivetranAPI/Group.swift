import Foundation

/// A group as `GET /groups` and `GET /groups/{id}` describe it: its `name` is the name people give the
/// destination ("Snowflake prod").
public struct FivetranGroup: Sendable, Equatable {
    public var id: String
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }

    /// The group in a raw list item or details `data`; nil when it is not an object with an id.
    public init?(json: JSONValue) {
        guard json.objectValue != nil, let id = json["id"]?.stringValue, !id.isEmpty else { return nil }
        self.init(id: id, name: json["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
    }
}
