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
    let store: DeliveryStore
    let destination: Destination
    let configuration: DispatcherConfiguration
    let clock: ServiceClock
    let logger: Logger
    let metrics: (any DispatchMetrics)?
    let enricher: (any DeliveryEnricher)?

    public init(
        store: DeliveryStore,
        destination: Destination,
        configuration: DispatcherConfiguration = .init(),
        clock: ServiceClock = .live,
        logger: Logger,
        metrics: (any DispatchMetrics)? = nil,
        enricher: (any DeliveryEnricher)? = nil
    ) {
        self.store = store
        self.destination = destination
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.enricher = enricher
    }

    public func run() async throws {
        do {
            try await store.releaseClaims()
        } catch {
            logger.error("cannot update the outbox: \(store.failureText(error))")
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
                        logger.error("cannot read the outbox: \(store.failureText(error))")
                    }
                }
                await store.messagesQueued.wait(timeout: configuration.pollInterval)
            }
        }
    }

    /// Sends one target's messages, oldest first, until cancelled.
    private func work(target: String, signal: WakeSignal) async {
        var pacer = Pacer(
            interval: configuration.unpaced ? .zero : configuration.pacingInterval, burst: configuration.burst)
        var consecutiveFailures = 0
        var consecutiveRateLimits = 0
        let name = destination.name
        let redacted = destination.redacted(target)
        while !Task.isCancelled {
            guard var pending = await fetch(target), !pending.isEmpty else {
                await signal.wait(timeout: configuration.pollInterval)
                continue
            }
            let wait = pacer.reserve(now: clock.now())
            if wait > .zero {
                do { try await clock.sleep(wait) } catch { return }
                guard let again = await fetch(target), !again.isEmpty else { continue }
                pending = again
            }
            // A digest already partly sent finishes first: its parts are one notice, never split by a newer one.
            var message = pending.first { $0.partsSent > 0 } ?? pending[0]
            let alerts = pending.filter { $0.kind == .alert }
            // Oldest first: a digest or reminder due for a retry goes before new alerts are folded.
            let formsDigest = message.kind == .alert && alerts.count >= configuration.digestThreshold
            // A mute added while these waited reaches them now.
            if await withdrawMuted(formsDigest ? alerts.map(\.id) : [message.id]) { continue }
            if formsDigest, let digest = await formDigest(alerts, target: target) {
                message = digest
            }
            guard await claim(message) else { continue }
            let (outcome, isLastPart) = await send(message, to: target)
            let fields: Logger.Metadata = ["destination": "\(redacted)", "message_id": "\(message.id)"]
            switch outcome {
            case .delivered:
                consecutiveFailures = 0
                consecutiveRateLimits = 0
                await recordSent(message, isLastPart: isLastPart)
                logger.info("<-- \(name) accepted", metadata: fields.merging(["kind": "\(message.kind)"]) { $1 })
            case .rateLimited(let retryAfter):
                // Without Retry-After the wait grows with each 429 in a row, up to ten minutes.
                consecutiveRateLimits += 1
                let growing = configuration.defaultRetryAfter * (1 << min(consecutiveRateLimits - 1, 10))
                let pause = max(retryAfter ?? min(growing, .seconds(600)), configuration.pacingInterval)
                await retryLater(message, reason: "HTTP 429 rate limited", after: pause)
                logger.warning("<-- \(name) 429: rate limited, waiting \(pause.secondsText)", metadata: fields)
                do { try await clock.sleep(pause) } catch { return }
                pacer.resumeAfterPause(now: clock.now())
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
                    <-- \(name) \(status): \(destination.displayName) refused message \(message.id) for \(redacted) for good \
                    (\(reason)). It is kept as failed; fix its URL or routing key, then run `fivetran-notify replay --failed`.
                    """,
                    metadata: fields)
            }
        }
    }

    private func fetch(_ target: String) async -> [OutgoingMessage]? {
        do {
            // A kind that never digests (PagerDuty) needs only the next message, not a thousand rows a send.
            let limit = configuration.digestThreshold == .max ? 1 : configuration.digestLimit
            return try await store.pendingMessages(destination: target, limit: limit)
        } catch is CancellationError {
            return nil  // stopping: not a store problem
        } catch {
            logger.error("cannot read the outbox: \(store.failureText(error))")
            try? await clock.sleep(.seconds(1))
            return nil
        }
    }

    /// Marks the message as being sent; false when it was withdrawn meanwhile (or the store failed).
    private func claim(_ message: OutgoingMessage) async -> Bool {
        do {
            return try await store.claim(message.id)
        } catch {
            logger.error("cannot update the outbox: \(store.failureText(error))")
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
                logger.error("cannot update the outbox: \(store.failureText(error))")
                return nil
            }
        }
        return await task.value
    }

    /// The destination took the message (or its part): record that, retrying the write, never the
    /// send, until it holds. Only a stop before it holds leaves the message to be sent again at the
    /// next start: the one window in which a notice can reach its destination twice.
    private func recordSent(_ message: OutgoingMessage, isLastPart: Bool) async {
        var wait = Duration.seconds(1)
        while await persist({
            if isLastPart {
                try await self.store.markDelivered(message.id, at: self.clock.date())
            } else {
                try await self.store.markPartSent(message.id)
            }
        }) == nil {
            do { try await clock.sleep(wait) } catch { return }
            wait = min(wait * 2, .seconds(30))
        }
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
            logger.error("cannot form a digest: \(store.failureText(error))")
            return nil
        }
    }

    /// The notice a message holds, with its deliveries read back from the store.
    private func notice(_ message: OutgoingMessage) async throws -> Notice {
        var deliveries = try await store.deliveries(ids: message.deliveryIds).map { stored in
            (try? Delivery.parse(stored.body))
                ?? Delivery(raw: ["event": .string(stored.event), "connector_id": .string(stored.subject)])
        }
        if let enricher {
            var enriched: [Delivery] = []
            for delivery in deliveries { enriched.append(await enricher.enrich(delivery)) }
            deliveries = enriched
        }
        return Notice(
            id: message.id, kind: message.kind, deliveries: deliveries, failures: message.failures,
            since: message.since, createdAt: message.createdAt, legacySlackPayload: message.legacyPayload)
    }

    /// Sends the message's next body; says what came of it and whether that body was its last.
    private func send(_ message: OutgoingMessage, to target: String) async -> (SendOutcome, isLastPart: Bool) {
        let bodies: [Data]
        do {
            // A digest renders as of when it was formed, so its parts stay the same across retries.
            let now = message.kind == .digest ? message.createdAt : clock.date()
            bodies = destination.render(try await notice(message), now: now)
        } catch {
            return (.transient(reason: "cannot read the message from the store: \(store.failureText(error))"), false)
        }
        guard message.partsSent < bodies.count else { return (.delivered, true) }
        let started = clock.now()
        let outcome = await destination.send(bodies[message.partsSent], to: target)
        if outcome == .delivered { metrics?.sent(latency: clock.now() - started) }
        return (outcome, message.partsSent + 1 >= bodies.count)
    }
}
