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
    /// The Slack webhook URL this delivery is forwarded to, or nil when it is stored only.
    public var destination: String?
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
        destination: String?,
        delivery: Delivery? = nil,
        signal: IncidentSignal? = nil
    ) {
        self.deduplicationKey = deduplicationKey
        self.event = event
        self.subject = subject
        self.status = status
        self.body = body
        self.receivedAt = receivedAt
        self.destination = destination
        self.delivery = delivery
        self.signal = signal
    }
}

/// What storing a delivery did.
public enum RecordOutcome: Sendable, Equatable {
    /// Newly stored (and committed to disk); `messageId` is set when a Slack message was queued.
    case stored(deliveryId: Int64, messageId: Int64?)
    /// The same event was stored before: nothing changed.
    case duplicate
}

/// Where an outgoing Slack message is in its life.
public enum MessageState: String, Sendable, Equatable, CaseIterable {
    /// Waiting to be posted (or to be retried).
    case pending
    /// Slack answered `ok`: never posted again.
    case delivered
    /// Slack refused it for good (400/403/404/410): kept for the operator, never retried by itself.
    case failed
}

/// What kind of Slack message a row is.
public enum MessageKind: String, Sendable, Equatable {
    /// One delivery, rendered when it is posted.
    case alert
    /// One part of a storm digest, rendered when the digest was formed (payload stored).
    case digest
    /// "Still failing": rendered when queued (payload stored).
    case reminder
    /// "Recovered": rendered when queued (payload stored).
    case resolved
}

/// One queued Slack message, as read back from the store.
public struct OutgoingMessage: Sendable, Equatable {
    public var id: Int64
    /// The Slack webhook URL (a secret: never log it whole).
    public var destination: String
    public var kind: MessageKind
    public var state: MessageState
    /// The deliveries this message is about.
    public var deliveryIds: [Int64]
    /// The exact JSON to post, when it was rendered ahead of time (digests).
    public var payload: Data?
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
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
