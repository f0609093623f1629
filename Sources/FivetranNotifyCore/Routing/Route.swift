import Foundation

/// One `[[route]]` of config.toml: deliveries its `match` accepts go to each of its destinations.
public struct Route: Sendable, Equatable {
    public var name: String
    public var match: RouteMatch
    public var destinations: [DestinationTarget]

    public init(name: String, match: RouteMatch, destinations: [DestinationTarget]) {
        self.name = name
        self.match = match
        self.destinations = destinations
    }

    /// A route to one Slack webhook URL.
    public init(name: String, match: RouteMatch, slackWebhookURL: String) {
        self.init(name: name, match: match, destinations: [DestinationTarget(kind: .slack, address: slackWebhookURL)])
    }
}

/// What a route matches: every key given must match; a key's value is one string or a list of
/// strings, any of which matches. An empty match accepts everything.
public struct RouteMatch: Sendable, Equatable {
    /// The keys a `match` may use.
    public enum Key: String, Sendable, CaseIterable {
        case event
        case destinationGroupId = "destination_group_id"
        case connectorId = "connector_id"
        case connectorType = "connector_type"
        case status
    }

    public var conditions: [Key: Set<String>]

    public init(_ conditions: [Key: Set<String>] = [:]) {
        self.conditions = conditions
    }

    /// Whether the delivery satisfies every condition. `connector_id` also matches a dbt job's id;
    /// `status` compares without regard to case.
    public func matches(_ delivery: Delivery) -> Bool {
        conditions.allSatisfy { key, accepted in
            switch key {
            case .event:
                return accepted.contains(delivery.event)
            case .destinationGroupId:
                return delivery.destinationGroupId.map(accepted.contains) ?? false
            case .connectorId:
                return [delivery.connectorId, delivery.dbtJobId].contains { $0.map(accepted.contains) ?? false }
            case .connectorType:
                return delivery.connectorType.map(accepted.contains) ?? false
            case .status:
                guard let status = delivery.status?.uppercased() else { return false }
                return accepted.contains { $0.uppercased() == status }
            }
        }
    }
}
