import Crypto
import Foundation

/// Fivetran deliveries have no event id: a redelivery of the same event is recognised by
/// (`event`, connector/connection id, `sync_id`, `created`) when the connector id and `created` are
/// present, else by the SHA-256 of the body.
public enum DeduplicationKey {
    /// The key under which a delivery is stored once. Composite keys look like
    /// `2026-05-22T01:12:44.102Z|sync_end|warrant_sheep|2f1d4b8e-…` (an absent sync id is empty);
    /// body hashes are 64 lower-case hex digits. `created` comes first so that keys arrive in nearly
    /// ascending order: each insert lands on the last pages of the unique index instead of a random
    /// one, which keeps a commit's writes (and the WAL) small under load.
    public static func deduplicationKey(for delivery: Delivery, body: Data) -> String {
        if let connectorId = delivery.connectorId, let created = delivery.created {
            return [created, delivery.event, connectorId, delivery.syncId ?? ""].joined(separator: "|")
        }
        return Hex.encode(SHA256.hash(data: body))
    }
}

extension Delivery {
    /// See `DeduplicationKey.deduplicationKey(for:body:)`.
    public static func deduplicationKey(for delivery: Delivery, body: Data) -> String {
        DeduplicationKey.deduplicationKey(for: delivery, body: body)
    }
}
