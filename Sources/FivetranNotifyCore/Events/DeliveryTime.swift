import Foundation

/// When a delivery happened, as far as ordering and freshness go: Fivetran's signed `created`. A
/// delivery without one, or with one more than an hour ahead of the receiver's clock, counts as
/// received now (a skewed or forged clock must not pin an incident in the future).
extension Delivery {
    /// How far ahead of the receiver's clock `created` may be and still be believed.
    public static let allowedClockSkew: TimeInterval = 3600

    /// The time that orders this delivery among others about the same incident.
    public func effectiveCreated(receivedAt: Date) -> Date {
        guard let createdDate, createdDate <= receivedAt.addingTimeInterval(Self.allowedClockSkew) else {
            return receivedAt
        }
        return createdDate
    }

    /// True when the delivery was created longer than `maxAge` before it was received: a late retry or
    /// a captured delivery replayed, to be stored but never forwarded.
    public func isStale(receivedAt: Date, maxAge: TimeInterval) -> Bool {
        effectiveCreated(receivedAt: receivedAt) < receivedAt.addingTimeInterval(-maxAge)
    }
}
