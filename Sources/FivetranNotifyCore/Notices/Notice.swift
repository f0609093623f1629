import Foundation

/// What kind of notice an outbox row is. The raw values are stored.
public enum NoticeKind: String, Sendable, Equatable, CaseIterable {
    /// A failure (or warning) to tell: one delivery.
    case alert
    /// A storm of failures for one destination, told at once.
    case digest
    /// "Still failing": the same failure kept happening since the last notice.
    case reminder
    /// "Recovered": a failing connector or dbt job succeeded again.
    case resolved
}

/// A notice as every destination receives it: what happened, with the facts needed to render it, and
/// none of any destination's format. The outbox stores the facts; each destination renders them into
/// its own request when the notice is sent (Slack today; PagerDuty, Teams and a JSON forward fit the
/// same seam).
public struct Notice: Sendable, Equatable {
    /// The outbox id: unique to the notice, the same on every retry.
    public var id: Int64
    public var kind: NoticeKind
    /// The deliveries it is about, oldest first: the failure (alert), the latest failure (reminder),
    /// the success (resolved), every failure (digest).
    public var deliveries: [Delivery]
    /// For a reminder: failures since the last notice. For a recovery: failures in the incident.
    public var failures: Int?
    /// For a reminder: the time of the last notice. For a recovery: when the incident began.
    public var since: Date?
    /// When the notice was decided.
    public var createdAt: Date
    /// Slack JSON rendered before the outbox held neutral notices (state directories from 0.1.0), posted
    /// as it is.
    public var legacySlackPayload: Data?
    /// Sent by `route test`: every destination marks it as a test in its title ("Test — …").
    public var isTest = false
    /// For a recovery of incidents that share a post (`DestinationCapabilities.sharedPostInterval`):
    /// that post's progress. Its deliveries are then the successes, one per incident.
    public var sharedPost: SharedPostProgress?

    public init(
        id: Int64, kind: NoticeKind, deliveries: [Delivery], failures: Int? = nil, since: Date? = nil,
        createdAt: Date, legacySlackPayload: Data? = nil
    ) {
        self.id = id
        self.kind = kind
        self.deliveries = deliveries
        self.failures = failures
        self.since = since
        self.createdAt = createdAt
        self.legacySlackPayload = legacySlackPayload
    }

    /// The incident the notice is about, `family|subject` ("sync|warrant_sheep"): stable while the
    /// incident is open, so PagerDuty's `dedup_key` and the forward's `incident_key`. Nil for a digest
    /// and for an event that opens no incident.
    public var incidentKey: String? {
        guard kind != .digest, let delivery = deliveries.last,
            let family = IncidentSignal.family(of: delivery.event)
        else { return nil }
        return IncidentKey(family, IncidentSignal.subject(of: delivery)).text
    }

    /// The key a digest's post is kept under (`digest:<message id>`): what its buttons act on.
    public static func digestKey(ofMessage id: Int64) -> String { "digest:\(id)" }

    /// The message id of a digest's key; nil for any other key (an incident's).
    public static func digestMessage(ofKey key: String) -> Int64? {
        key.hasPrefix("digest:") ? Int64(key.dropFirst("digest:".count)) : nil
    }
}
