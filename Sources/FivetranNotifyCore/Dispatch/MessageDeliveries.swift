import Foundation

/// The deliveries one message is about, read from the store and parsed at most once per send,
/// whichever step asks first (its notice, its post's key, a digest's members, the route its first
/// delivery takes). Belongs to one send: not shared between tasks.
final class MessageDeliveries {
    private let ids: [Int64]
    private let store: any StateStore
    private var loaded: [Delivery]?

    init(of message: OutgoingMessage, in store: any StateStore) {
        ids = message.deliveryIds
        self.store = store
    }

    /// Every delivery, in id order; one whose body no longer parses stands as its event and subject.
    func all() async throws -> [Delivery] {
        if let loaded { return loaded }
        let read = try await store.deliveries(ids: ids).map { stored in
            (try? Delivery.parse(stored.body))
                ?? Delivery(raw: ["event": .string(stored.event), "connector_id": .string(stored.subject)])
        }
        loaded = read
        return read
    }
}
