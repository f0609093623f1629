import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Time and chance for the dispatcher, injected so that backoff, pacing and Retry-After tests take
/// milliseconds: `now` is a monotonic reading, `sleep` waits (a test clock advances `now` instead),
/// `date` is the wall clock for the store and the messages, `random` is in 0..<1 for jitter.
public struct DispatchClock: Sendable {
    public var now: @Sendable () -> Duration
    public var sleep: @Sendable (Duration) async throws -> Void
    public var date: @Sendable () -> Date
    public var random: @Sendable () -> Double

    public init(
        now: @escaping @Sendable () -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        date: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.now = now
        self.sleep = sleep
        self.date = date
        self.random = random
    }

    /// The real clocks.
    public static var live: DispatchClock {
        let origin = ContinuousClock.now
        return DispatchClock(
            now: { ContinuousClock.now - origin },
            sleep: { try await Task.sleep(for: $0) })
    }
}

/// How the dispatcher paces, retries and groups.
public struct SlackDispatcherConfiguration: Sendable {
    /// Average spacing of posts to one webhook (Slack allows about one a second).
    public var pacingInterval: Duration = .seconds(1)
    /// Posts allowed back to back before pacing starts.
    public var burst: Int = 3
    /// With this many single alerts waiting for one webhook, they go out as a digest instead.
    public var digestThreshold: Int = 5
    /// At most this many alerts are folded into one digest round.
    public var digestLimit: Int = 1000
    /// Waits after 5xx and network errors.
    public var backoff = Backoff()
    /// The wait after a 429 that gave no Retry-After.
    public var defaultRetryAfter: Duration = .seconds(1)
    /// How often the store is looked at even without a wake-up (changes by other processes).
    public var pollInterval: Duration = .seconds(5)
    /// The timeout of one Slack post.
    public var requestTimeout: Duration = .seconds(10)
    /// Print payloads instead of posting: only messages queued for `SlackDispatcher.dryRunDestination`
    /// are handled, unpaced, and a real run leaves those alone.
    public var dryRun = false

    public init() {}
}

/// The background service that posts queued messages to Slack: one worker per webhook URL (so a broken
/// channel never delays another), each paced, retrying 429/5xx/network errors, keeping permanent
/// refusals as failed, folding storms into digests. A message is marked delivered as soon as Slack
/// says ok, so a restart resumes the pending ones and never posts a delivered one again.
public final class SlackDispatcher: Service, Sendable {
    /// The destination stored for messages queued by `listen --dry-run`.
    public static let dryRunDestination = "dry-run"

    let store: DeliveryStore
    let transport: any HTTPTransport
    let configuration: SlackDispatcherConfiguration
    let clock: DispatchClock
    let logger: Logger
    let metrics: ListenerMetrics?

    public init(
        store: DeliveryStore,
        transport: any HTTPTransport,
        configuration: SlackDispatcherConfiguration = .init(),
        clock: DispatchClock = .live,
        logger: Logger,
        metrics: ListenerMetrics? = nil
    ) {
        self.store = store
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        do {
            try await store.releaseClaims()
        } catch {
            logger.error("cannot update the Slack queue: \(store.failureText(error))")
        }
        try await cancelWhenGracefulShutdown {
            await self.superviseWorkers()
        }
    }

    private func handles(_ destination: String) -> Bool {
        if configuration.dryRun { return destination == Self.dryRunDestination }
        return SlackURL.isHTTP(destination)
    }

    /// Starts a worker for every destination with pending messages and wakes them when more arrive.
    private func superviseWorkers() async {
        await withDiscardingTaskGroup { group in
            var workers: [String: WakeSignal] = [:]
            while !Task.isCancelled {
                do {
                    for destination in try await store.destinationsWithPendingMessages() where handles(destination) {
                        if let signal = workers[destination] {
                            signal.signal()
                        } else {
                            let signal = WakeSignal()
                            workers[destination] = signal
                            group.addTask { await self.work(destination: destination, signal: signal) }
                        }
                    }
                } catch {
                    logger.error("cannot read the Slack queue: \(store.failureText(error))")
                }
                await store.messagesQueued.wait(timeout: configuration.pollInterval)
            }
        }
    }

    /// Posts one destination's messages, oldest first, until cancelled.
    private func work(destination: String, signal: WakeSignal) async {
        var pacer = Pacer(
            interval: configuration.dryRun ? .zero : configuration.pacingInterval, burst: configuration.burst)
        var consecutiveFailures = 0
        let redacted = SlackURL.redacted(destination)
        while !Task.isCancelled {
            guard var pending = await fetch(destination), !pending.isEmpty else {
                await signal.wait(timeout: configuration.pollInterval)
                continue
            }
            let wait = pacer.reserve(now: clock.now())
            if wait > .zero {
                do { try await clock.sleep(wait) } catch { return }
                guard let again = await fetch(destination), !again.isEmpty else { continue }
                pending = again
            }
            var chosen = pending[0]
            let alerts = pending.filter { $0.kind == .alert }
            if alerts.count >= configuration.digestThreshold {
                if let first = await formDigest(alerts, destination: destination).first { chosen = first }
            }
            let message = chosen
            guard await claim(message) else { continue }
            let outcome = await post(message, destination: destination)
            switch outcome {
            case .delivered:
                consecutiveFailures = 0
                await persist { try await self.store.markDelivered(message.id, at: self.clock.date()) }
                metrics?.messagesSent.increment()
                logger.info(
                    "<-- slack 200",
                    metadata: ["destination": "\(redacted)", "message_id": "\(message.id)", "kind": "\(message.kind)"])
            case .rateLimited(let retryAfter):
                let pause = max(retryAfter ?? configuration.defaultRetryAfter, configuration.pacingInterval)
                await retryLater(message, reason: "HTTP 429 rate limited", after: pause)
                logger.warning(
                    "<-- slack 429: rate limited, waiting \(pause.secondsText)",
                    metadata: ["destination": "\(redacted)", "message_id": "\(message.id)"])
                do { try await clock.sleep(pause) } catch { return }
                pacer.resumeAfterPause(now: clock.now())
            case .transient(let reason):
                consecutiveFailures += 1
                let delay = configuration.backoff.delay(attempt: consecutiveFailures, random: clock.random())
                await retryLater(message, reason: reason, after: delay)
                logger.warning(
                    "<-- slack failed (\(reason)); retry \(consecutiveFailures) in \(delay.secondsText)",
                    metadata: ["destination": "\(redacted)", "message_id": "\(message.id)"])
                do { try await clock.sleep(delay) } catch { return }
            case .permanent(let status, let reason):
                consecutiveFailures = 0
                let kept = await persist { try await self.store.markFailed(message.id, error: reason) }
                if kept == false {
                    logWithdrawn(message)
                    continue
                }
                metrics?.messagesFailed.increment()
                logger.error(
                    """
                    <-- slack \(status): Slack refused message \(message.id) for \(redacted) for good (\(reason)). \
                    It is kept as failed; fix the webhook URL, then run `fivetran-notify replay --failed`.
                    """,
                    metadata: ["destination": "\(redacted)", "message_id": "\(message.id)"])
            }
        }
    }

    private func fetch(_ destination: String) async -> [OutgoingMessage]? {
        do {
            return try await store.pendingMessages(destination: destination, limit: configuration.digestLimit)
        } catch {
            logger.error("cannot read the Slack queue: \(store.failureText(error))")
            try? await clock.sleep(.seconds(1))
            return nil
        }
    }

    /// Marks the message as being posted; false when it was withdrawn meanwhile (or the store failed).
    private func claim(_ message: OutgoingMessage) async -> Bool {
        do {
            return try await store.claim(message.id)
        } catch {
            logger.error("cannot update the Slack queue: \(store.failureText(error))")
            try? await clock.sleep(.seconds(1))
            return false
        }
    }

    /// Store writes that must happen even while shutting down (a post Slack accepted must be marked).
    /// Returns what `write` returned, or nil when it failed (logged).
    @discardableResult
    private func persist<T: Sendable>(_ write: @escaping @Sendable () async throws -> T) async -> T? {
        let task = Task { () -> T? in
            do { return try await write() } catch {
                logger.error("cannot update the Slack queue: \(store.failureText(error))")
                return nil
            }
        }
        return await task.value
    }

    private func logWithdrawn(_ message: OutgoingMessage) {
        logger.info(
            "message \(message.id) withdrawn: its connector recovered while it was being posted, and Slack did not take it",
            metadata: ["message_id": "\(message.id)"])
    }

    private func retryLater(_ message: OutgoingMessage, reason: String, after delay: Duration) async {
        metrics?.slackRetries.increment()
        let next = clock.date().addingTimeInterval(delay.seconds)
        let queued = await persist {
            try await self.store.recordFailedAttempt(message.id, error: reason, nextAttemptAt: next)
        }
        if queued == false { logWithdrawn(message) }
    }

    /// Replaces waiting alerts with digest parts; returns the parts (empty if it could not).
    private func formDigest(_ alerts: [OutgoingMessage], destination: String) async -> [OutgoingMessage] {
        do {
            let ids = alerts.flatMap(\.deliveryIds)
            let deliveries = try await store.deliveries(ids: ids).map(Self.parse)
            let now = clock.date()
            let parts = AlertRenderer.digest(deliveries, now: now).map { $0.jsonBody() }
            guard !parts.isEmpty else { return [] }
            let created = try await store.replaceWithDigest(
                messageIds: alerts.map(\.id), destination: destination, parts: parts, deliveryIds: ids, at: now)
            if !created.isEmpty {
                logger.info(
                    "digest: \(ids.count) failures in \(created.count) message(s)",
                    metadata: ["destination": "\(SlackURL.redacted(destination))"])
            }
            return created
        } catch {
            logger.error("cannot form a digest: \(store.failureText(error))")
            return []
        }
    }

    static func parse(_ stored: StoredDelivery) -> Delivery {
        (try? Delivery.parse(stored.body))
            ?? Delivery(raw: ["event": .string(stored.event), "connector_id": .string(stored.subject)])
    }

    /// The JSON to post: the stored payload, else the alert rendered now.
    private func payload(for message: OutgoingMessage) async throws -> Data {
        if let payload = message.payload { return payload }
        let deliveries = try await store.deliveries(ids: message.deliveryIds).map(Self.parse)
        let now = clock.date()
        if deliveries.count == 1 { return AlertRenderer.alert(for: deliveries[0], now: now).jsonBody() }
        return AlertRenderer.digest(deliveries, now: now).first?.jsonBody()
            ?? SlackMessage(text: "Fivetran: \(deliveries.count) events").jsonBody()
    }

    private func post(_ message: OutgoingMessage, destination: String) async -> SlackOutcome {
        let body: Data
        do {
            body = try await payload(for: message)
        } catch {
            return .transient(reason: "cannot read the message from the store: \(store.failureText(error))")
        }
        let outcome = await send(body, to: destination)
        guard case .permanent(400, let reason) = outcome else { return outcome }
        // Slack refused the layout itself: never resend it unchanged, but try the plain text once.
        let fallback = await postPlainText(of: body, destination: destination)
        if fallback == .delivered {
            logger.warning(
                "<-- slack 400 (\(reason)) for the Block Kit layout; the plain-text fallback was delivered",
                metadata: ["destination": "\(SlackURL.redacted(destination))", "message_id": "\(message.id)"])
        }
        return fallback
    }

    /// The `text` of a payload alone, for a layout Slack refused with 400.
    private func postPlainText(of body: Data, destination: String) async -> SlackOutcome {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let text = object["text"] as? String, !text.isEmpty, object["blocks"] != nil
        else { return .permanent(status: 400, reason: "HTTP 400 (no plain-text fallback to try)") }
        return await send(SlackMessage(text: text).jsonBody(), to: destination)
    }

    private func send(_ body: Data, to destination: String) async -> SlackOutcome {
        let request = HTTPRequest(
            method: "POST", url: destination, headers: [("Content-Type", "application/json")], body: body,
            connectTimeout: .seconds(5), timeout: configuration.requestTimeout)
        let started = ContinuousClock.now
        do {
            let response = try await transport.send(request)
            metrics?.slackLatency.record(ContinuousClock.now - started)
            return SlackOutcome(response: response)
        } catch {
            return SlackOutcome(error: error)
        }
    }
}

/// `listen --dry-run`: prints each Slack payload on stdout (one JSON document a line) and answers ok.
public struct DryRunSlackTransport: HTTPTransport {
    let output: Output

    public init(output: Output) {
        self.output = output
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        output.out(String(decoding: request.body ?? Data(), as: UTF8.self))
        return HTTPResponse(status: 200, body: Data("ok".utf8))
    }
}

extension Duration {
    /// Seconds as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// "1.5 s", for log lines.
    var secondsText: String {
        let value = seconds
        if value == value.rounded() { return "\(Int(value)) s" }
        return String(format: "%.2f s", value)
    }
}
