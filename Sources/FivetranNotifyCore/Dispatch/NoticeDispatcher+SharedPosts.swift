import Foundation

/// Resolves of incidents that share one post (a storm's digest), for a destination that asks for it
/// (`DestinationCapabilities.sharedPostInterval`): they wait until the post last changed at least the
/// interval ago, then go as one notice that carries the post's progress (`Notice.sharedPost`).
extension NoticeDispatcher {
    /// A resolve to tell on a shared post: the post, and the incidents the resolve is about.
    struct SharedResolve: Sendable {
        var owner: SharedPostOwner
        var incidents: [String]
    }

    /// The shared post each waiting resolve is to be told on (by message id), for those that share one.
    /// `keys` keeps each resolve's incident key between turns, so a delivery is read once (by delivery
    /// id: a message id can be used again once its message is gone).
    func sharedOwners(_ pending: [OutgoingMessage], target: String, keys: inout [Int64: String]) async
        -> [Int64: SharedPostOwner]
    {
        guard destination.capabilities.sharedPostInterval != nil else { return [:] }
        let resolves = pending.filter { $0.kind == .resolved && $0.partsSent == 0 }
        guard !resolves.isEmpty else { return [:] }
        if keys.count > 10_000 {
            // Keep what is still waiting, not every resolve ever seen.
            let waiting = Set(resolves.compactMap(\.deliveryIds.last))
            keys = keys.filter { waiting.contains($0.key) }
        }
        func key(_ message: OutgoingMessage) -> String? { message.deliveryIds.last.flatMap { keys[$0] } }
        let unread = resolves.filter { key($0) == nil }
        if !unread.isEmpty, let read = try? await incidentKeys(of: unread) {
            keys.merge(read) { $1 }
        }
        let wanted = Set(resolves.compactMap(key)).subtracting([""])
        guard let owners = try? await store.sharedOwners(incidents: Array(wanted), destination: target) else {
            return [:]
        }
        var found: [Int64: SharedPostOwner] = [:]
        for message in resolves {
            if let key = key(message), let owner = owners[key] { found[message.id] = owner }
        }
        return found
    }

    /// When a resolve for `owner` may go: once the interval since the post last changed has passed.
    func readyAt(_ owner: SharedPostOwner) -> Date {
        owner.updatedAt.addingTimeInterval((destination.capabilities.sharedPostInterval ?? .zero).seconds)
    }

    /// The shared post a resolve is told on, with its incidents; nil for one that is not.
    func sharedResolve(of message: OutgoingMessage, target: String) async throws -> SharedResolve? {
        guard destination.capabilities.sharedPostInterval != nil, message.kind == .resolved else { return nil }
        let incidents = Array(Set(try await incidentKeysOfDeliveries(message))).sorted()
        let owners = try await store.sharedOwners(incidents: incidents, destination: target)
        guard let owner = owners.values.first else { return nil }
        return SharedResolve(owner: owner, incidents: incidents.filter { owners[$0]?.owner == owner.owner })
    }

    /// The progress a shared post shows with this resolve told: what it announced, how many share it,
    /// which have recovered.
    func progress(of shared: SharedResolve, target: String) async throws -> SharedPostProgress {
        let members = try await store.sharedMembers(owner: shared.owner.owner, destination: target)
        var announced: [Delivery] = []
        var announcedAt = clock.date()
        if let id = Self.messageId(ofOwner: shared.owner.owner), let kept = try await store.messageDeliveries(id) {
            announcedAt = kept.createdAt
            announced = await enrich(
                try await store.deliveries(ids: kept.deliveryIds).compactMap { try? Delivery.parse($0.body) })
        }
        return SharedPostProgress(
            announced: announced, announcedAt: announcedAt, members: members.members,
            recovered: members.recovered.union(shared.incidents), owner: shared.owner.owner)
    }

    /// Folds waiting resolves told on one shared post into one; nil when that could not be done.
    func gather(_ resolves: [OutgoingMessage], target: String) async -> OutgoingMessage? {
        do {
            let gathered = try await store.replaceWithGatheredResolves(
                messageIds: resolves.map(\.id), destination: target, at: clock.date())
            if gathered != nil {
                logger.info(
                    "\(resolves.count) recoveries told together on the message they share",
                    metadata: ["destination": "\(destination.redacted(target))"])
            }
            return gathered
        } catch {
            logger.error("cannot gather recoveries: \(store.failureText(error))")
            return nil
        }
    }

    /// The key a digest's post is kept under, and back.
    static func ownerKey(ofDigest id: Int64) -> String { Notice.digestKey(ofMessage: id) }
    static func messageId(ofOwner owner: String) -> Int64? { Notice.digestMessage(ofKey: owner) }

    /// The incident key of each resolve's last delivery, by delivery id.
    private func incidentKeys(of messages: [OutgoingMessage]) async throws -> [Int64: String] {
        let last = Dictionary(messages.compactMap { m in m.deliveryIds.last.map { ($0, m) } }) { a, _ in a }
        var keys: [Int64: String] = [:]
        // A resolve about no incident is read once too (an empty key).
        for delivery in last.keys { keys[delivery] = "" }
        for stored in try await store.deliveries(ids: Array(last.keys)) {
            guard let message = last[stored.id], let delivery = try? Delivery.parse(stored.body) else { continue }
            keys[stored.id] =
                Notice(id: message.id, kind: .resolved, deliveries: [delivery], createdAt: message.createdAt)
                .incidentKey ?? ""
        }
        return keys
    }

    /// The incident keys of every delivery of a message.
    private func incidentKeysOfDeliveries(_ message: OutgoingMessage) async throws -> [String] {
        try await store.deliveries(ids: message.deliveryIds).compactMap { stored in
            guard let delivery = try? Delivery.parse(stored.body) else { return nil }
            return Notice(id: message.id, kind: .resolved, deliveries: [delivery], createdAt: message.createdAt)
                .incidentKey
        }
    }
}
