import Foundation
import Logging
import ServiceLifecycle

/// The background service that sends queued notices to a destination: one worker per target (so a
/// broken channel never delays another), each paced, retrying what the destination calls worth
/// retrying, keeping permanent refusals as failed, folding storms into digests. A message is marked
/// delivered as soon as the destination accepts it, so a restart resumes the pending ones and never
/// sends a delivered one again. It knows no destination's format: the destination renders and reads
/// answers (`NoticeDestination`); this schedules and records.
public final class NoticeDispatcher<Destination: NoticeDestination>: Service, Sendable {
    let store: any StateStore
    let destination: Destination
    let configuration: DispatcherConfiguration
    let clock: ServiceClock
    let logger: Logger
    let metrics: (any DispatchMetrics)?
    let enricher: (any DeliveryEnricher)?
    let resolver: TargetResolver?
    /// One pacer per place sent to (the resolved target), shared by the workers of every route to it.
    let pacers: SharedPacers

    /// - Parameter resolver: finds the target a stored `TargetReference` names in the running
    ///   listener's configuration, at the moment of each send; without one only literal targets are sent.
    public init(
        store: any StateStore,
        destination: Destination,
        configuration: DispatcherConfiguration = .init(),
        clock: ServiceClock = .live,
        logger: Logger,
        metrics: (any DispatchMetrics)? = nil,
        enricher: (any DeliveryEnricher)? = nil,
        resolver: TargetResolver? = nil
    ) {
        self.resolver = resolver
        self.store = store
        self.destination = destination
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.enricher = enricher
        pacers = SharedPacers(
            interval: configuration.unpaced ? .zero : configuration.pacingInterval, burst: configuration.burst)
    }

    public func run() async throws {
        do {
            try await store.releaseClaims()
        } catch {
            logStoreError("cannot update the outbox", error)
        }
        await cancelWhenGracefulShutdown {
            await self.superviseWorkers()
        }
    }

    /// Starts a worker for every target with pending messages and wakes them when more arrive.
    private func superviseWorkers() async {
        await withDiscardingTaskGroup { group in
            var workers: [String: WakeSignal] = [:]
            while !Task.isCancelled {
                do {
                    for target in try await store.destinationsWithPendingMessages() where destination.handles(target) {
                        if let signal = workers[target] {
                            signal.signal()
                        } else {
                            let signal = WakeSignal()
                            workers[target] = signal
                            group.addTask { await self.work(target: target, signal: signal) }
                        }
                    }
                } catch {
                    // Stopping is not a store problem.
                    if !(error is CancellationError) {
                        logStoreError("cannot read the outbox", error)
                    }
                }
                await store.messagesQueued.wait(timeout: configuration.pollInterval)
            }
        }
    }

    /// Sends one target's messages, oldest first, until cancelled.
    private func work(target: String, signal: WakeSignal) async {
        var consecutiveFailures = 0
        var consecutiveRateLimits = 0
        let name = destination.name
        let redacted = destination.redacted(target)
        var incidentKeys: [Int64: String] = [:]
        // On a shared store only one node sends to a target at a time (pacing and digests hold for the
        // cluster): it holds the target while it has messages for it, and gives it up when it has none.
        var holding = false
        // The message last found claimed by another process (or a lost claim of this one, until the
        // heartbeat lets go of it): tried again at the next poll, not in a loop.
        var refused: Int64?
        while !Task.isCancelled {
            guard let fetched = await fetch(target), !fetched.isEmpty else {
                if holding {
                    holding = false
                    try? await store.releaseDestination(target)
                }
                await signal.wait(timeout: configuration.pollInterval)
                continue
            }
            holding = await hold(target)
            guard holding else {
                await signal.wait(timeout: configuration.pollInterval)
                continue
            }
            // Resolves told on a shared post wait until it may change again.
            var owners = await sharedOwners(fetched, target: target, keys: &incidentKeys)
            var pending = ready(fetched, owners: owners)
            guard !pending.isEmpty else {
                await signal.wait(timeout: untilReady(owners))
                continue
            }
            // Paced per place, not per route: routes that share a channel share its pace.
            let place = await resolve(target, for: MessageDeliveries(of: pending[0], in: store)) ?? target
            let wait = pacers.reserve(place, now: clock.now())
            if wait > .zero {
                do { try await clock.sleep(wait) } catch { return }
                guard let again = await fetch(target), !again.isEmpty else { continue }
                owners = await sharedOwners(again, target: target, keys: &incidentKeys)
                pending = ready(again, owners: owners)
                guard !pending.isEmpty else { continue }
            }
            // A digest already partly sent finishes first: its parts are one notice, never split by a newer one.
            var message = pending.first { $0.partsSent > 0 } ?? pending[0]
            if let owner = owners[message.id] {
                // Every resolve waiting for the same shared post goes with it, as one notice.
                let together = pending.filter { owners[$0.id]?.owner == owner.owner }
                if together.count > 1 {
                    guard let gathered = await gather(together, target: target) else { continue }
                    message = gathered
                }
            }
            let alerts = pending.filter { $0.kind == .alert }
            // Oldest first: a digest or reminder due for a retry goes before new alerts are folded.
            let formsDigest = message.kind == .alert && alerts.count >= configuration.digestThreshold
            // A mute added while these waited reaches them now.
            if await withdrawMuted(formsDigest ? alerts.map(\.id) : [message.id]) { continue }
            if formsDigest, let digest = await formDigest(alerts, target: target) {
                message = digest
            }
            guard await claim(message) else {
                if refused == message.id { await signal.wait(timeout: configuration.pollInterval) }
                refused = message.id
                continue
            }
            refused = nil
            let (outcome, isLastPart, post) = await send(message, to: target)
            let fields: Logger.Metadata = ["destination": "\(redacted)", "message_id": "\(message.id)"]
            switch outcome {
            case .delivered:
                consecutiveFailures = 0
                consecutiveRateLimits = 0
                await recordSent(message, isLastPart: isLastPart, post: post)
                logger.info("<-- \(name) accepted", metadata: fields.merging(["kind": "\(message.kind)"]) { $1 })
            case .rateLimited(let retryAfter):
                // Without Retry-After the wait grows with each 429 in a row, up to ten minutes.
                consecutiveRateLimits += 1
                let growing = configuration.defaultRetryAfter * (1 << min(consecutiveRateLimits - 1, 10))
                let pause = max(retryAfter ?? min(growing, .seconds(600)), configuration.pacingInterval)
                await retryLater(message, reason: "HTTP 429 rate limited", after: pause)
                logger.warning("<-- \(name) 429: rate limited, waiting \(pause.secondsText)", metadata: fields)
                do { try await clock.sleep(pause) } catch { return }
                pacers.resumeAfterPause(place, now: clock.now())
            case .transient(let reason):
                consecutiveFailures += 1
                let delay = configuration.backoff.delay(attempt: consecutiveFailures, random: clock.random())
                await retryLater(message, reason: reason, after: delay)
                logger.warning(
                    "<-- \(name) failed (\(reason)); retry \(consecutiveFailures) in \(delay.secondsText)",
                    metadata: fields)
                do { try await clock.sleep(delay) } catch { return }
            case .permanent(let status, let reason):
                consecutiveFailures = 0
                let id = message.id
                let kept = await persist { try await self.store.markFailed(id, error: reason) }
                if kept == false {
                    logWithdrawn(message)
                    continue
                }
                metrics?.failed()
                logger.error(
                    """
                    <-- \(name)\(status == 0 ? "" : " \(status)"): \(destination.displayName) refused message \(message.id) for \(redacted) for good \
                    (\(reason)). It is kept as failed; fix its URL or routing key, then run `fivetran-notify replay --failed`.
                    """,
                    metadata: fields)
            }
        }
    }

    /// The messages that may go now: all but resolves whose shared post may not change yet.
    private func ready(_ pending: [OutgoingMessage], owners: [Int64: SharedPostOwner]) -> [OutgoingMessage] {
        guard !owners.isEmpty else { return pending }
        let now = clock.date()
        return pending.filter { message in owners[message.id].map { readyAt($0) <= now } ?? true }
    }

    /// How long to wait when every waiting message is a resolve held for its shared post.
    private func untilReady(_ owners: [Int64: SharedPostOwner]) -> Duration {
        let now = clock.date()
        let soonest =
            owners.values.map { readyAt($0).timeIntervalSince(now) }.min() ?? configuration.pollInterval.seconds
        return min(configuration.pollInterval, .milliseconds(Int(max(soonest, 0.01) * 1000)))
    }

    private func fetch(_ target: String) async -> [OutgoingMessage]? {
        do {
            // A kind that never digests (PagerDuty) needs only the next message, not a thousand rows a send.
            let limit = configuration.digestThreshold == .max ? 1 : configuration.digestLimit
            return try await store.pendingMessages(destination: target, limit: limit)
        } catch is CancellationError {
            return nil  // stopping: not a store problem
        } catch {
            logStoreError("cannot read the outbox", error)
            try? await clock.sleep(.seconds(1))
            return nil
        }
    }

    /// A failed store operation in the log, unless the store has logged the outage it is part of (a
    /// database away is one line per outage, not one per poll).
    private func logStoreError(_ what: String, _ error: any Error) {
        guard !store.outageLogged else { return }
        logger.error("\(what): \(store.failureText(error))")
    }

    /// Whether this node may send to the target now (always on a single node).
    private func hold(_ target: String) async -> Bool {
        do {
            return try await store.holdDestination(target)
        } catch {
            if !(error is CancellationError) { logStoreError("cannot update the outbox", error) }
            return false
        }
    }

    /// Marks the message as being sent; false when it was withdrawn meanwhile (or the store failed).
    private func claim(_ message: OutgoingMessage) async -> Bool {
        do {
            return try await store.claim(message.id)
        } catch {
            logStoreError("cannot update the outbox", error)
            try? await clock.sleep(.seconds(1))
            return false
        }
    }

    /// Store writes that must happen even while shutting down (a send the destination accepted must be
    /// recorded). Returns what `write` returned, or nil when it failed (logged).
    @discardableResult
    private func persist<T: Sendable>(_ write: @escaping @Sendable () async throws -> T) async -> T? {
        let task = Task { () -> T? in
            do { return try await write() } catch {
                logStoreError("cannot update the outbox", error)
                return nil
            }
        }
        return await task.value
    }

    /// The destination took the message (or its part): record that, retrying the write, never the
    /// send, until it holds. Only a stop before it holds leaves the message to be sent again at the
    /// next start: the one window in which a notice can reach its destination twice.
    private func recordSent(_ message: OutgoingMessage, isLastPart: Bool, post: KeptPost? = nil) async {
        var wait = Duration.seconds(1)
        while await persist({ () async throws -> Bool in
            // The post first: nothing more is sent about the incident before it is known.
            if let post, let shared = post.shared {
                try await self.store.settleSharedResolves(
                    owner: shared.owner.owner, post: post.post, incidents: shared.incidents,
                    destination: message.destination, at: self.clock.date())
            } else if let post {
                try await self.keep(
                    post.post, incident: post.incident, destination: message.destination, open: post.open,
                    given: post.given)
                try await self.store.recordSharedPost(
                    post.post, incidents: post.members, destination: message.destination, at: self.clock.date())
                if post.members.isEmpty {
                    // A post of its own: the incident no longer shares a digest's.
                    try await self.store.leaveSharedPost(incident: post.incident, destination: message.destination)
                } else {
                    try await self.store.recordShares(
                        owner: post.incident, post: post.post, incidents: post.members,
                        destination: message.destination)
                }
            }
            if isLastPart {
                try await self.store.markDelivered(message.id, at: self.clock.date())
            } else {
                try await self.store.markPartSent(message.id)
            }
            return true
        }) == nil {
            do { try await clock.sleep(wait) } catch { return }
            // At most 5 s apart: once the store is back (ha.md: serving again within 30 s of the
            // database's return) the record lands soon, and the sends behind it go on.
            wait = min(wait * 2, .seconds(5))
        }
    }

    /// Records what a send made of the post it was given (`given`), over what people did to the post
    /// meanwhile (a click recorded while the send was in flight): a recovery closes the post as it is
    /// now; a changed post is written over the one it was made from, else merged with the newer one
    /// by the destination (`NoticeDestination.mergePost`).
    private func keep(_ post: String, incident: String, destination target: String, open: Bool, given: String?)
        async throws
    {
        let now = clock.date()
        if post == given, !open {
            try await store.closePost(incident: incident, destination: target, at: now)
            return
        }
        var expected = given
        var merged = post
        for _ in 0..<3 {
            if try await store.replacePost(
                merged, incident: incident, destination: target, open: open, at: now, expecting: expected)
            {
                return
            }
            let current = try await store.post(incident: incident, destination: target)
            merged = current.map { destination.mergePost(post, given: given, current: $0.post) } ?? post
            expected = current.flatMap { $0.open ? $0.post : nil }
        }
        try await store.recordPost(merged, incident: incident, destination: target, open: open, at: now)
    }

    private func logWithdrawn(_ message: OutgoingMessage) {
        logger.info(
            "message \(message.id) withdrawn: its connector recovered while it was being posted, and \(destination.displayName) did not take it",
            metadata: ["message_id": "\(message.id)"])
    }

    private func retryLater(_ message: OutgoingMessage, reason: String, after delay: Duration) async {
        metrics?.retried()
        let next = clock.date().addingTimeInterval(delay.seconds)
        let queued = await persist {
            try await self.store.recordFailedAttempt(message.id, error: reason, nextAttemptAt: next)
        }
        if queued == false { logWithdrawn(message) }
    }

    /// Withdraws the messages a mute now covers; true when any was (the outbox is read again).
    private func withdrawMuted(_ ids: [Int64]) async -> Bool {
        guard
            let withdrawn = await persist({ try await self.store.withdrawMuted(messageIds: ids, at: self.clock.date()) }
            )
        else { return false }
        for (id, mute) in withdrawn {
            logger.info(
                "message \(id) not sent: \(mute.target.kind) \(mute.target.value) was muted while it waited (\(mute.id))",
                metadata: ["message_id": "\(id)"])
        }
        return !withdrawn.isEmpty
    }

    /// Replaces waiting alerts with one digest; returns it (nil if it could not be formed).
    private func formDigest(_ alerts: [OutgoingMessage], target: String) async -> OutgoingMessage? {
        do {
            guard
                let digest = try await store.replaceWithDigest(
                    messageIds: alerts.map(\.id), destination: target, at: clock.date())
            else { return nil }
            logger.info(
                "digest: \(digest.deliveryIds.count) failures in one notice",
                metadata: ["destination": "\(destination.redacted(target))"])
            return digest
        } catch {
            logStoreError("cannot form a digest", error)
            return nil
        }
    }

    /// The notice a message holds, with its deliveries read back from the store and their names filled
    /// in (`enrich`).
    private func notice(
        _ message: OutgoingMessage, _ deliveries: MessageDeliveries, shared: SharedResolve?, target: String
    ) async throws -> Notice {
        let deliveries = try await deliveries.all()
        var notice = Notice(
            id: message.id, kind: message.kind, deliveries: await enrich(deliveries), failures: message.failures,
            since: message.since, createdAt: message.createdAt, legacySlackPayload: message.legacyPayload)
        if let shared { notice.sharedPost = try await progress(of: shared, target: target) }
        return notice
    }

    /// Names looked up for every delivery of a notice together, waiting at most `nameWait` (real time) for
    /// all of them: what is not known by then goes with ids (watch.md: "a notice waits at most 2 s for
    /// all its names together").
    func enrich(_ deliveries: [Delivery]) async -> [Delivery] {
        guard let enricher, !deliveries.isEmpty else { return deliveries }
        let found = Locked<[Int: Delivery]>([:])
        let done = WakeSignal()
        let lookups = Task {
            await withTaskGroup(of: (Int, Delivery).self) { group in
                var next = 0
                func start() {
                    let index = next
                    next += 1
                    group.addTask { (index, await enricher.enrich(deliveries[index])) }
                }
                while next < min(8, deliveries.count) { start() }
                while let (index, delivery) = await group.next() {
                    found.update { $0[index] = delivery }
                    if next < deliveries.count && !Task.isCancelled { start() }
                }
            }
            done.signal()
        }
        await done.wait(timeout: configuration.nameWait)
        lookups.cancel()
        let named = found.value
        return deliveries.indices.map { named[$0] ?? deliveries[$0] }
    }

    /// The bodies a message sends, fixed the first time it is taken up (names looked up then) and read
    /// back on every later attempt, so a retry, a restart or a replay sends what was decided; with the
    /// number of them already sent.
    private func parts(
        of message: OutgoingMessage, _ deliveries: MessageDeliveries, shared: SharedResolve?, target: String
    ) async throws -> (bodies: [Data], sent: Int) {
        let frozen = try await store.frozenParts(message.id)
        guard frozen.isEmpty else { return (frozen, message.partsSent) }
        // A digest renders as of when it was formed.
        let now = message.kind == .digest ? message.createdAt : clock.date()
        let bodies = destination.render(
            try await notice(message, deliveries, shared: shared, target: target), now: now)
        // Parts sent by a release that did not fix them may have said other things than these: every
        // part is sent again, so every connector is posted (at least once) rather than some never.
        let restart = message.partsSent > 0
        return (
            try await store.freeze(message.id, parts: bodies, restartingParts: restart), restart ? 0 : message.partsSent
        )
    }

    /// The post a destination keeps for an incident, to record once a send is accepted.
    struct KeptPost: Sendable {
        var incident: String
        var post: String
        /// False once the incident's recovery was delivered.
        var open: Bool
        /// A digest's incidents: its post is theirs too, where none is open.
        var members: [String] = []
        /// Resolves told on a shared post: `incident` is the post's owner, and these incidents recovered.
        var shared: SharedResolve?
        /// The post the send was given (what `post` was made from).
        var given: String?
    }

    /// Sends the message's next body; says what came of it, whether that body was its last, and the post
    /// to record for its incident (destinations that keep their posts).
    private func send(_ message: OutgoingMessage, to target: String) async -> (
        SendOutcome, isLastPart: Bool, post: KeptPost?
    ) {
        let bodies: [Data]
        let sent: Int
        var incident: String?
        var known: IncidentPost?
        var shared: SharedResolve?
        // Read and parsed once, by whichever step below needs them first.
        let deliveries = MessageDeliveries(of: message, in: store)
        do {
            if destination.capabilities.keepsPosts { shared = try await sharedResolve(of: message, target: target) }
            (bodies, sent) = try await parts(of: message, deliveries, shared: shared, target: target)
            var key = shared?.owner.owner
            if key == nil { key = try await postKey(of: message, deliveries) }
            if destination.capabilities.keepsPosts, let key {
                incident = key
                known = try await store.post(incident: key, destination: target)
            }
        } catch {
            return (
                .transient(reason: "cannot read the message from the store: \(store.failureText(error))"), false, nil
            )
        }
        // Nothing to say (a notice about deliveries since pruned): done.
        guard sent < bodies.count else { return (.delivered, true, nil) }
        guard let resolved = await resolve(target, for: deliveries) else {
            let reason =
                "no \(destination.displayName) destination is configured for it now (\(destination.redacted(target)))"
            return (.permanent(status: 0, reason: reason), false, nil)
        }
        let started = clock.now()
        let isLastPart = sent + 1 >= bodies.count
        guard let incident else {
            let outcome = await destination.send(bodies[sent], to: resolved)
            if outcome == .delivered { metrics?.sent(latency: clock.now() - started) }
            return (outcome, isLastPart, nil)
        }
        // A closed incident's post is the past: a new incident starts a new one.
        let given = known.flatMap { $0.open ? $0.post : nil }
        let (outcome, answered) = await destination.send(bodies[sent], to: resolved, post: given)
        guard outcome == .delivered else {
            // A step posted a new post before a later one failed: it is the incident's from now on, so
            // the retry builds on it instead of posting it again.
            if let answered, answered != given {
                await persist {
                    try await self.keep(answered, incident: incident, destination: target, open: true, given: given)
                }
            }
            return (outcome, isLastPart, nil)
        }
        metrics?.sent(latency: clock.now() - started)
        let closes = message.kind == .resolved && isLastPart
        guard let post = answered ?? (closes ? given : nil) else { return (outcome, isLastPart, nil) }
        // Resolves told on a shared post settle with their last part.
        var kept = KeptPost(
            incident: incident, post: post, open: !closes, shared: closes ? shared : nil, given: given)
        if shared == nil, message.kind == .digest || message.deliveryIds.count > 1, sent == 0, answered != nil {
            kept.members = (try? await memberKeys(of: message, deliveries)) ?? []
        }
        return (outcome, isLastPart, kept)
    }

    /// The incidents of a digest's deliveries.
    private func memberKeys(of message: OutgoingMessage, _ deliveries: MessageDeliveries) async throws -> [String] {
        let keys = try await deliveries.all().compactMap { delivery in
            Notice(id: message.id, kind: .alert, deliveries: [delivery], createdAt: message.createdAt).incidentKey
        }
        return Array(Set(keys)).sorted()
    }

    /// The incident a message's post belongs to: its incident key, or its own for a digest.
    private func postKey(of message: OutgoingMessage, _ deliveries: MessageDeliveries) async throws -> String? {
        if message.kind == .digest || message.deliveryIds.count > 1 { return Self.ownerKey(ofDigest: message.id) }
        guard let delivery = try await deliveries.all().last else { return nil }
        return Notice(id: message.id, kind: message.kind, deliveries: [delivery], createdAt: message.createdAt)
            .incidentKey
    }

    /// The target to send to now: a stored reference resolved in the running listener's configuration
    /// (the route's destination as it is at this moment), a literal target as it is; nil when nothing is
    /// configured for the reference.
    private func resolve(_ stored: String, for deliveries: MessageDeliveries) async -> String? {
        guard let reference = TargetReference(encoded: stored) else { return stored }
        guard let resolver else { return nil }
        if let found = resolver(reference, nil) { return found.encoded }
        return resolver(reference, (try? await deliveries.all())?.first)?.encoded
    }
}
