import Foundation

/// The listener's shared state, as the rest of the code sees it: deliveries and their deduplication,
/// the outbox, incidents, mutes, posts and clicks. Two implementations hold it: `DeliveryStore` (SQLite
/// in the state directory, one listener) and `PostgresStore` (one PostgreSQL shared by any number of
/// listeners, ha.md). Each applies the same decisions (`IncidentDecision`, formed outside the store) in
/// the transaction that stores a delivery; what is node-local (the state directory's lock, its file
/// watcher and write probe) is not part of this.
///
/// Cluster work: a store shared by several nodes answers `holdDestination` and `holdSingleton` so
/// only one node sends to a destination (pacing and digests hold for the cluster) and one node runs
/// each singleton job (the account watch, the pruner); a single-node store always says yes.
public protocol StateStore: AnyObject, Sendable {
    /// Signalled whenever a message is queued (or re-queued) by this process, so its dispatcher wakes.
    var messagesQueued: WakeSignal { get }
    /// Signalled whenever a click is recorded by this process.
    var clicksRecorded: WakeSignal { get }

    /// Why a read or write failed, in words for the operator (never a secret, never a Swift dump).
    func failureText(_ error: any Error) -> String
    /// Why the state cannot be written now, in words; nil while it can. `/healthz` is not 200 while set.
    var writeProblem: String? { get }
    /// Set when nothing given to the store now would be kept until the listener restarts (its SQLite
    /// file was pulled away); nil otherwise.
    var lostReason: String? { get }
    /// True while the store is in an outage it logged itself (once, and once on recovery): callers
    /// stay quiet about the failures it causes meanwhile.
    var outageLogged: Bool { get }

    /// Replaces the noise-control policy for deliveries stored from now on (config.toml reloaded).
    func setPolicy(_ policy: NoticePolicy)
    /// The noise-control policy in force.
    var noticePolicy: NoticePolicy { get }
    /// Tells the store what each kind of destination takes (its declared capabilities).
    func setCapabilities(_ capabilities: [DestinationKind: DestinationCapabilities])
    /// Waits for writes in progress, then releases what the store holds.
    func close() async

    // MARK: Deliveries

    /// Stores a verified delivery (and what noise control decides for it), returning once committed.
    func record(_ delivery: IncomingDelivery) async throws -> RecordOutcome
    /// The stored deliveries with these ids, in id order.
    func deliveries(ids: [Int64]) async throws -> [StoredDelivery]
    /// How many deliveries are stored.
    func deliveryCount() async throws -> Int
    /// Message counts by state.
    func counts() async throws -> QueueCounts
    /// Queue counts per destination kind (only the kinds that have messages).
    func countsByKind() async throws -> [DestinationKind: QueueCounts]
    /// Queue counts per stored destination (`TargetReference.encoded`, or a literal target stored by
    /// an older release): only the destinations that have messages.
    func countsByDestination() async throws -> [String: QueueCounts]
    /// Removes what is older than `cutoff` (see `DeliveryStore.prune`); returns the deliveries removed.
    @discardableResult func prune(before cutoff: Date) async throws -> Int

    // MARK: Incidents

    /// The keys (`family|subject`) of every open incident.
    func openIncidentKeys() async throws -> Set<String>
    /// Every open incident, longest-failing first.
    func openIncidents() async throws -> [OpenIncident]
    /// Whether any stored delivery came from this connector, group or event.
    func hasDeliveries(from target: Mute.Target) async throws -> Bool

    // MARK: Outbox

    /// The destination targets that have pending messages.
    func destinationsWithPendingMessages() async throws -> [String]
    /// Pending messages for one destination target, oldest first.
    func pendingMessages(destination: String, limit: Int) async throws -> [OutgoingMessage]
    /// Every message in a state (all destinations), oldest first.
    func messages(state: MessageState, limit: Int) async throws -> [OutgoingMessage]
    /// Claims a pending message for sending; false when it must not be sent (see `DeliveryStore.claim`).
    func claim(_ id: Int64) async throws -> Bool
    /// Settles sends cut short by a stop or crash (claims no running sender holds any more).
    func releaseClaims() async throws
    /// The bodies fixed for a message, in order; empty when none were fixed yet.
    func frozenParts(_ id: Int64) async throws -> [Data]
    /// Fixes what a message says, once (see `DeliveryStore.freeze`).
    func freeze(_ id: Int64, parts: [Data], restartingParts: Bool) async throws -> [Data]
    /// One more body of a message in parts was accepted.
    func markPartSent(_ id: Int64) async throws
    /// The destination accepted the message: it is never sent again.
    func markDelivered(_ id: Int64, at date: Date) async throws
    /// An attempt failed; returns whether the message is still queued.
    @discardableResult func recordFailedAttempt(_ id: Int64, error: String, nextAttemptAt: Date) async throws -> Bool
    /// The destination refused the message for good; returns whether it was kept.
    @discardableResult func markFailed(_ id: Int64, error: String) async throws -> Bool
    /// Replaces pending single alerts with one digest, or returns nil and changes nothing.
    func replaceWithDigest(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    /// Puts permanently failed messages back in the queue.
    @discardableResult func requeueFailed(now: Date) async throws -> Requeued

    // MARK: Mutes

    /// Stores a mute.
    func addMute(_ mute: Mute) async throws
    /// Mutes still in force at `date`, soonest to end first.
    func activeMutes(at date: Date) async throws -> [Mute]
    /// Ends mutes early: the one with this id, or every mute of a target. Returns those removed.
    func removeMutes(id: String?, target: Mute.Target?, at date: Date) async throws -> [Mute]
    /// Withdraws the waiting messages a mute in force now covers.
    func withdrawMuted(messageIds: [Int64], at date: Date) async throws -> [(message: Int64, mute: Mute)]

    // MARK: Posts

    /// The post a destination keeps for an incident, if any.
    func post(incident: String, destination: String) async throws -> IncidentPost?
    /// Records the post a destination answered with for an incident.
    func recordPost(_ post: String, incident: String, destination: String, open: Bool, at date: Date) async throws
    /// Records `post` as the post of each of `incidents` that has no open one.
    func recordSharedPost(_ post: String, incidents: [String], destination: String, at date: Date) async throws
    /// The posts of these incidents, by incident key, the newest of any destination.
    func posts(incidents: [String]) async throws -> [String: IncidentPost]
    /// Forgets the posts of incidents closed before `date`.
    func prunePosts(closedBefore date: Date) async throws
    /// Records `post` only if the post kept is still `expected` and open; returns whether it did.
    func replacePost(
        _ post: String, incident: String, destination: String, open: Bool, at date: Date, expecting expected: String?
    ) async throws -> Bool
    /// The incident's recovery was told: its post is closed, kept as it is.
    func closePost(incident: String, destination: String, at date: Date) async throws

    // MARK: Shared posts

    /// Records that `incidents` share the post kept under `owner`.
    func recordShares(owner: String, post: String, incidents: [String], destination: String) async throws
    /// The incident no longer shares a post.
    func leaveSharedPost(incident: String, destination: String) async throws
    /// For each of `incidents` sharing a post still open and not recovered: that post.
    func sharedOwners(incidents: [String], destination: String) async throws -> [String: SharedPostOwner]
    /// How many incidents share the post kept under `owner`, and which have recovered.
    func sharedMembers(owner: String, destination: String) async throws -> SharedPostMembers
    /// The resolves of `incidents` were told on the shared post (one transaction).
    func settleSharedResolves(owner: String, post: String, incidents: [String], destination: String, at date: Date)
        async throws
    /// Replaces pending resolves of incidents sharing one post with one resolve, or returns nil.
    func replaceWithGatheredResolves(messageIds: [Int64], destination: String, at date: Date) async throws
        -> OutgoingMessage?
    /// The deliveries a message was about and when it was queued; nil when it is gone.
    func messageDeliveries(_ id: Int64) async throws -> (deliveryIds: [Int64], createdAt: Date)?
    /// Forgets the shares of posts the pruner forgot.
    func pruneShares() async throws

    // MARK: Clicks

    /// Records a click durably before it is answered; false when it was recorded before.
    func recordClick(key: String, body: Data, at date: Date) async throws -> Bool
    /// The clicks not yet acted on, oldest first.
    func pendingClicks(limit: Int) async throws -> [StoredClick]
    /// The click was acted on (or refused): never again.
    func markClickDone(_ key: String) async throws
    /// Forgets clicks acted on before `date`.
    func pruneClicks(before date: Date) async throws

    // MARK: Cluster

    /// Whether this process may send to `target` now (and keeps that right for a while): only one node
    /// of a cluster sends to a destination at a time. A single-node store always answers true.
    func holdDestination(_ target: String) async throws -> Bool
    /// Gives up the right to send to `target` (its queue is empty here), so another node may take it.
    func releaseDestination(_ target: String) async throws
    /// Whether this process runs the singleton job `name` now, holding it for `lease` (renewed by each
    /// call that returns true); another node takes it once the lease runs out. Always true on one node.
    func holdSingleton(_ name: String, lease: Duration) async throws -> Bool
    /// Who this process is to the people reading logs and `status` (`--node-name`), nil on one node.
    var nodeName: String? { get }
    /// For `status`: how many delivered messages each node sent (empty on one node).
    func sentByNode() async throws -> [String: Int]
    /// For `status`: per incident key, the node that sent the latest delivered message about it.
    func senders(incidents: [String]) async throws -> [String: String]
}

extension StateStore {
    public func pendingMessages(destination: String) async throws -> [OutgoingMessage] {
        try await pendingMessages(destination: destination, limit: 1000)
    }

    public func messages(state: MessageState) async throws -> [OutgoingMessage] {
        try await messages(state: state, limit: 10_000)
    }

    public func freeze(_ id: Int64, parts: [Data]) async throws -> [Data] {
        try await freeze(id, parts: parts, restartingParts: false)
    }

    public func pendingClicks() async throws -> [StoredClick] {
        try await pendingClicks(limit: 100)
    }
}
