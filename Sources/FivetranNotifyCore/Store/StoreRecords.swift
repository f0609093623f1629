import Foundation

/// A verified delivery on its way into the store: the exact bytes received plus the few fields the
/// queue and the operator view need without parsing the body again.
public struct IncomingDelivery: Sendable, Equatable {
    /// See `Delivery.deduplicationKey(for:body:)`; a second delivery with the same key is a no-op.
    public var deduplicationKey: String
    public var event: String
    /// What repeats are grouped by (`Delivery.subjectKey`).
    public var subject: String
    /// `data.status`, when the event has one.
    public var status: String?
    /// The raw body, byte for byte as signed.
    public var body: Data
    public var receivedAt: Date
    /// The destination targets (`DestinationTarget.encoded`) of the route this delivery takes: empty
    /// when it is stored only.
    public var destinations: [String]
    /// The parsed delivery, for mutes and the messages noise control renders.
    public var delivery: Delivery?
    /// What it means for its connector's incident (failure, recovery), if anything.
    public var signal: IncidentSignal?

    public init(
        deduplicationKey: String,
        event: String,
        subject: String,
        status: String?,
        body: Data,
        receivedAt: Date,
        destinations: [String],
        delivery: Delivery? = nil,
        signal: IncidentSignal? = nil
    ) {
        self.deduplicationKey = deduplicationKey
        self.event = event
        self.subject = subject
        self.status = status
        self.body = body
        self.receivedAt = receivedAt
        self.destinations = destinations
        self.delivery = delivery
        self.signal = signal
    }
}

extension IncomingDelivery {
    /// A parsed delivery as the store records it: deduplicated by `Delivery.deduplicationKey`, grouped by
    /// `subjectKey`.
    public init(
        _ delivery: Delivery, body: Data, receivedAt: Date, destinations: [String], signal: IncidentSignal?
    ) {
        self.init(
            deduplicationKey: Delivery.deduplicationKey(for: delivery, body: body), event: delivery.event,
            subject: delivery.subjectKey, status: delivery.status, body: body, receivedAt: receivedAt,
            destinations: destinations, delivery: delivery, signal: signal)
    }
}

/// What storing a delivery did.
public enum RecordOutcome: Sendable, Equatable {
    /// Newly stored (and committed to disk); `messageId` is set when a notice was queued.
    case stored(deliveryId: Int64, messageId: Int64?)
    /// The same event was stored before: nothing changed.
    case duplicate
}

/// Where an outbox message is in its life. The raw values are stored.
public enum MessageState: String, Sendable, Equatable, CaseIterable {
    /// Waiting to be sent (or to be retried).
    case pending
    /// Its destination accepted it: never sent again.
    case delivered
    /// Refused for good (e.g. Slack's 400/403/404/410): kept for the operator, never retried by itself.
    case failed
    /// A "Recovered" waiting for the outcome of the notice being sent when its incident ended
    /// (`heldFor`): pending once that one is delivered, withdrawn with it if it is not.
    case held
}

/// Whether a pending message is being sent right now. The raw values are stored (`message.claim`).
public enum MessageClaim: Int, Sendable, Equatable {
    /// Queued: nobody is sending it.
    case none = 0
    /// The dispatcher is sending it: its incident's recovery can no longer withdraw it.
    case sending = 1
    /// Being sent while its incident ended: withdrawn if the send fails, followed by its held
    /// "Recovered" if it succeeds.
    case sendingAfterIncidentEnded = 2
}

/// One outbox message, as read back from the store: a notice's facts for one destination target.
public struct OutgoingMessage: Sendable, Equatable {
    public var id: Int64
    /// Where it goes: a Slack webhook URL (a secret: never log it whole).
    public var destination: String
    public var kind: NoticeKind
    public var state: MessageState
    /// The deliveries it is about, in id order.
    public var deliveryIds: [Int64]
    /// See `Notice.failures` and `Notice.since`.
    public var failures: Int?
    public var since: Date?
    /// Slack JSON queued by 0.1.0, before notices were neutral: sent as it is.
    public var legacyPayload: Data?
    /// How many bodies of it were already sent (a digest may need several).
    public var partsSent: Int
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date

    /// A message as it stands the moment it was queued (a digest or gathered resolves replacing others).
    static func justQueued(
        id: Int64, destination: String, kind: NoticeKind, deliveryIds: [Int64], since: Date? = nil, at date: Date
    ) -> OutgoingMessage {
        OutgoingMessage(
            id: id, destination: destination, kind: kind, state: .pending, deliveryIds: deliveryIds, failures: nil,
            since: since, legacyPayload: nil, partsSent: 0, attempts: 0, nextAttemptAt: date, lastError: nil,
            createdAt: date)
    }
}

/// A stored delivery, as read back for rendering.
public struct StoredDelivery: Sendable, Equatable {
    public var id: Int64
    public var event: String
    public var subject: String
    public var status: String?
    public var body: Data
    public var receivedAt: Date
}

/// Queue counts for /healthz, /metrics and `status`.
public struct QueueCounts: Sendable, Equatable {
    public var pending: Int
    public var delivered: Int
    public var failed: Int

    public init(pending: Int = 0, delivered: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.delivered = delivered
        self.failed = failed
    }
}

/// A connector or dbt job failing now, for `status`.
public struct OpenIncident: Sendable {
    public var incident: Incident
    /// The name people know it by (from its latest failure).
    public var name: String
    /// Its latest failure, to check mutes against.
    public var lastDelivery: Delivery
}

/// What `requeueFailed` did.
public struct Requeued: Sendable, Equatable {
    public var requeued: Int
    /// PagerDuty triggers left failed because their incident has recovered since.
    public var skipped: Int
}
