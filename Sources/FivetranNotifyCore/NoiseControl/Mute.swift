import Foundation

/// A silence the operator set with `mute add`: failures it matches are stored and counted, not posted,
/// until it expires or is removed.
public struct Mute: Sendable, Equatable, Codable {
    /// What a mute silences.
    public enum Target: Sendable, Equatable, Codable {
        /// One connector by id (for mutes made before dbt jobs had their own target, a dbt job id too).
        case connector(String)
        /// One dbt job (or transformation) by id: its runs' failures.
        case dbtJob(String)
        /// Every connector of a destination group.
        case group(String)
        /// One event name.
        case event(String)

        /// `connector`, `dbt_job`, `group` or `event`, as stored and printed.
        public var kind: String {
            switch self {
            case .connector: return "connector"
            case .dbtJob: return "dbt_job"
            case .group: return "group"
            case .event: return "event"
            }
        }

        public var value: String {
            switch self {
            case .connector(let id), .dbtJob(let id), .group(let id), .event(let id): return id
            }
        }

        public init?(kind: String, value: String) {
            switch kind {
            case "connector": self = .connector(value)
            case "dbt_job": self = .dbtJob(value)
            case "group": self = .group(value)
            case "event": self = .event(value)
            default: return nil
            }
        }

        /// What a person would mute to silence this delivery's trouble: its connector, else its dbt job.
        public init?(subjectOf delivery: Delivery) {
            if let id = delivery.connectorId, !id.isEmpty {
                self = .connector(id)
            } else if let id = delivery.dbtJobId, !id.isEmpty {
                self = .dbtJob(id)
            } else {
                return nil
            }
        }
    }

    public var id: String
    public var target: Target
    public var until: Date
    public var reason: String?
    public var createdAt: Date

    public init(id: String, target: Target, until: Date, reason: String?, createdAt: Date) {
        self.id = id
        self.target = target
        self.until = until
        self.reason = reason
        self.createdAt = createdAt
    }

    /// A new short id, `mute_` and 8 hex characters.
    public static func newID() -> String {
        "mute_" + String(format: "%08x", UInt32.random(in: .min ... .max))
    }

    public func isActive(at date: Date) -> Bool { until > date }

    /// Whether this mute silences the delivery.
    public func matches(_ delivery: Delivery) -> Bool {
        switch target {
        case .connector(let id): return delivery.connectorId == id || delivery.dbtJobId == id
        case .dbtJob(let id): return delivery.dbtJobId == id
        case .group(let id): return delivery.destinationGroupId == id
        case .event(let name): return delivery.event == name
        }
    }

    /// `connector warrant_sheep`
    public var targetText: String { "\(target.kind) \(target.value)" }
}
