import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sweeps the Fivetran account every `settings.every` (watch.md): all pages of the webhooks and
/// connections (and the groups it has not named yet), judged by `AccountSweep`, each finding handed
/// to `submit` as a delivery (and the body to store). API failures are logged (a rejected credential once, until it
/// works again), counted and recorded in the status file; they never stop the listener. 429 is
/// honoured: a short Retry-After is waited out within the sweep, a long one skips sweeps until then.
public final class AccountWatcher: Service, Sendable {
    private let client: FivetranAPIClient
    private let settings: WatchSettings
    private let names: AccountNames
    private let clock: ServiceClock
    private let logger: Logger
    private let statusFile: URL
    private let metrics: WatchMetrics
    /// The store's open incident keys; nil when they could not be read (that sweep then adopts
    /// nothing and the next one asks again, so a condition that ended meanwhile still gets its recovery).
    private let openIncidentKeys: @Sendable () async -> Set<String>?
    private let submit: @Sendable (Delivery, Data) async -> Bool
    private let counter: CountingTransport
    /// Whether this node sweeps now (one node of a cluster at a time); asked before every sweep and
    /// again when it ends (so a lease behind it is held from the end of a sweep to the next).
    private let mayRun: @Sendable () async -> Bool

    private struct State {
        var memory = WatchMemory()
        var status: WatchStatus
        var announced = false
        var credentialsFailing = false
        var noURLLogged = false
        /// No request before this reading of `clock.now` (a long Retry-After).
        var notBefore: Duration?
        var waitLogged = false
    }

    private let state: Mutex<State>

    /// The client's retry policy is replaced: up to 3 attempts, waiting out a Retry-After of at most a
    /// minute (on `clock`); a longer one ends the sweep and the next ones wait until it has passed.
    public init(
        client: FivetranAPIClient, settings: WatchSettings, names: AccountNames, clock: ServiceClock, logger: Logger,
        statusFile: URL, metrics: WatchMetrics, openIncidentKeys: @escaping @Sendable () async -> Set<String>?,
        submit: @escaping @Sendable (Delivery, Data) async -> Bool,
        mayRun: @escaping @Sendable () async -> Bool = { true }
    ) {
        self.mayRun = mayRun
        let counter = CountingTransport(base: client.transport, metrics: metrics, now: client.now)
        var client = client
        client.transport = counter
        client.retryPolicy = RetryPolicy(maxAttempts: 3, maxWait: .seconds(60), baseDelay: .seconds(2))
        client.sleep = clock.sleep
        let notice = client.notice
        client.notice = { line in
            logger.info("watch: \(line)")
            notice(line)
        }
        self.client = client
        self.counter = counter
        self.settings = settings
        self.names = names
        self.clock = clock
        self.logger = logger
        self.statusFile = statusFile
        self.metrics = metrics
        self.openIncidentKeys = openIncidentKeys
        self.submit = submit
        var status = WatchStatus(every: WatchText.duration(settings.every), publicURL: settings.publicURL)
        // What was open before a restart keeps its "since".
        status.findings = WatchStatus.read(url: statusFile)?.findings ?? []
        self.state = Mutex(State(status: status))
    }

    public func run() async throws {
        guard settings.enabled else { return }
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Another node sweeping: ask again soon, to take over within an interval of its death.
                guard await self.mayRun() else {
                    do { try await Task.sleep(for: min(self.settings.every, .seconds(5))) } catch { return }
                    continue
                }
                await self.sweep()
                // Asked again as the wait starts, which renews a lease: a slow sweep (retries, a Retry-After
                // waited out) must not let it run out before the next sweep and hand the watch to another
                // node in the middle of the interval. Taken over meanwhile, this node stands by.
                guard await self.mayRun() else { continue }
                do { try await self.clock.sleep(self.settings.every) } catch { return }
            }
        }
    }

    /// The status as of the last sweep.
    public var status: WatchStatus { state.withLock { $0.status } }

    /// One sweep: read, judge, submit, record.
    public func sweep() async {
        let startedAt = clock.now()
        if let notBefore = state.withLock({ $0.notBefore }), startedAt < notBefore {
            let log = state.withLock { state in
                defer { state.waitLogged = true }
                return !state.waitLogged
            }
            if log {
                logger.info(
                    Logger.Message(
                        stringLiteral: "watch: Fivetran asked to wait (Retry-After); the next sweep is after "
                            + "\(WatchText.duration(notBefore - startedAt))"))
            }
            return
        }
        state.withLock {
            $0.notBefore = nil
            $0.waitLogged = false
        }
        metrics.sweeps.increment()
        let sweepDate = clock.date()
        let requestsBefore = counter.count
        var errors: [(String, any Error)] = []
        var observation = AccountObservation()

        // Webhooks, when there is a URL to look for.
        if let publicURL = settings.publicURL {
            do {
                let webhooks = try await client.listWebhooks(pageSize: 1000).webhooks
                observation.webhooks = webhooks
                if settings.reactivate,
                    AccountSweep.webhookCondition(webhooks, publicURL: publicURL, reactivation: [:])?.status
                        == "inactive"
                {
                    observation.reactivation = await reactivate(webhooks, publicURL: publicURL)
                }
            } catch {
                errors.append(("the webhook list", error))
            }
        } else if state.withLock({ s in
            defer { s.noURLLogged = true }
            return !s.noURLLogged
        }) {
            logger.info(
                Logger.Message(
                    stringLiteral:
                        "watch: webhook checks skipped: set [watch] public_url (or --public-url) to the URL Fivetran posts "
                        + "to, so that the watch can tell when Fivetran stops sending alerts here"))
        }

        // Connections, then the groups not named yet.
        do {
            let listing = try await client.listConnections(pageSize: 1000)
            for problem in listing.problems { logger.warning("watch: \(problem)") }
            observation.connections = listing.items
            observation.connectionsComplete = listing.complete
            names.update(connections: listing.items)
            let unnamed = names.unnamedGroups(among: listing.items.compactMap(\.groupID))
            if !unnamed.isEmpty {
                do {
                    let groups = try await client.listGroups(pageSize: 1000)
                    for problem in groups.problems { logger.warning("watch: \(problem)") }
                    names.update(groups: groups.items)
                } catch {
                    errors.append(("the group list", error))
                }
            }
        } catch {
            errors.append(("the connection list", error))
        }
        observation.groupNames = names.groupNames

        // Judge and submit.
        let firstLook = !state.withLock { $0.memory.adoptedStore }
        let anythingRead = observation.webhooks != nil || observation.connections != nil
        let openInStore = firstLook && anythingRead ? await openIncidentKeys() : nil
        if firstLook && anythingRead && openInStore == nil {
            logger.warning(
                "watch: could not read the open incidents; this sweep clears nothing, the next one asks again")
        }
        let memory = state.withLock { $0.memory }
        var result = AccountSweep.evaluate(
            memory: memory, observation: observation, settings: settings, now: sweepDate, openInStore: openInStore)
        for finding in result.findings {
            let (delivery, body) = finding.delivery(created: sweepDate)
            let accepted = await submit(delivery, body)
            metrics.findings.increment()
            if !accepted {
                logger.warning("watch: could not record the finding \(finding.event) for \(finding.subject)")
                // A recovery not recorded is tried again at the next sweep (a failure is anyway).
                if finding.cleared {
                    var open = finding
                    open.cleared = false
                    result.memory.open[finding.incidentKey] = open
                }
            }
        }

        // Record.
        let requests = counter.count - requestsBefore
        let elapsed = clock.now() - startedAt
        let credentialsError = errors.contains { ($0.1 as? FivetranAPIError)?.isCredentialsError == true }
        for (what, error) in errors {
            metrics.errors.increment()
            if let retryAfter = counter.takeRetryAfter() {
                state.withLock { $0.notBefore = clock.now() + retryAfter }
            }
            if (error as? FivetranAPIError)?.isCredentialsError == true {
                let first = state.withLock { !$0.credentialsFailing }
                if first {
                    logger.error(
                        Logger.Message(
                            stringLiteral:
                                "watch: reading \(what) failed, watching stalls until the credentials work again: "
                                + "\(AccountNames.describe(error))"))
                }
            } else {
                logger.warning("watch: reading \(what) failed: \(AccountNames.describe(error))")
            }
        }
        let resumed = state.withLock { state -> Bool in
            defer { state.credentialsFailing = credentialsError }
            return state.credentialsFailing && !credentialsError && anythingRead
        }
        if resumed { logger.notice("watch: watching resumed: Fivetran accepts the API credentials again") }

        let status = state.withLock { state -> WatchStatus in
            state.memory = result.memory
            var status = state.status
            status.lastSweepAt = sweepDate
            status.durationMilliseconds =
                Int(elapsed.components.seconds * 1000)
                + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
            status.requests = requests
            status.webhooks = observation.webhooks?.count
            status.connections = observation.connections?.count
            status.findingsOpen = result.memory.open.count
            status.findings = Self.openFindings(result.memory.open, before: status.findings, now: sweepDate)
            status.credentialsRejected = credentialsError
            if let (what, error) = errors.last {
                status.lastError = "reading \(what): \(AccountNames.describe(error))"
                status.lastErrorAt = sweepDate
            }
            state.status = status
            return status
        }
        do {
            try status.write(to: statusFile)
        } catch {
            logger.warning("watch: could not write \(statusFile.path): \(AccountNames.describe(error))")
        }

        if errors.isEmpty, anythingRead,
            state.withLock({ s in
                defer { s.announced = true }
                return !s.announced
            })
        {
            logger.notice("\(Self.costLine(status: status, every: settings.every))")
        }
    }

    /// The open findings after a sweep, each with the `since` it had before (else now), oldest first.
    static func openFindings(_ open: [String: WatchFinding?], before: [WatchStatus.OpenFinding], now: Date)
        -> [WatchStatus.OpenFinding]
    {
        let earlier = Dictionary(before.map { ("\($0.kind)|\($0.subject)", $0) }, uniquingKeysWith: { a, _ in a })
        return open.map { key, finding -> WatchStatus.OpenFinding in
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            let family = parts.first.flatMap(IncidentSignal.Family.init(rawValue:))
            let kind =
                (finding.map { $0.kind.rawValue } ?? family.flatMap(WatchFinding.Kind.init(family:))?.rawValue
                    ?? parts.first ?? key)
            let shortKind =
                EventName.isWatchFinding(kind) ? String(kind.dropFirst(EventName.watchPrefix.count)) : kind
            let subject = finding?.subject ?? parts.last ?? key
            let previous = earlier["\(shortKind)|\(subject)"]
            return WatchStatus.OpenFinding(
                kind: shortKind, subject: subject, name: finding?.connectorName ?? previous?.name,
                since: previous?.since ?? now)
        }.sorted { ($0.since, $0.kind, $0.subject) < ($1.since, $1.kind, $1.subject) }
    }

    /// "watching 3 webhooks and 412 connections every 5m: ~36 requests/hour".
    static func costLine(status: WatchStatus, every: Duration) -> String {
        let perHour = Double(status.requests) * 3600 / Double(max(1, every.components.seconds))
        var what: [String] = []
        if let webhooks = status.webhooks { what.append("\(webhooks) webhook\(webhooks == 1 ? "" : "s")") }
        if let connections = status.connections {
            what.append("\(connections) connection\(connections == 1 ? "" : "s")")
        }
        return "watching \(what.joined(separator: " and ")) every \(WatchText.duration(every)): "
            + "~\(Int(perHour.rounded())) requests/hour"
    }

    /// Turns the inactive webhooks with the public URL back on; nil for success, else the error.
    private func reactivate(_ webhooks: [Webhook], publicURL: String) async -> [String: String?] {
        let target = WatchText.normalizedURL(publicURL)
        var results: [String: String?] = [:]
        for webhook in webhooks where !webhook.active && webhook.url.map(WatchText.normalizedURL) == target {
            do {
                _ = try await client.updateWebhook(id: webhook.id, WebhookUpdateRequest(active: true))
                logger.notice("watch: webhook \(webhook.id) was inactive; turned it back on ([watch] reactivate)")
                results[webhook.id] = .some(nil)
                break
            } catch {
                metrics.errors.increment()
                let text = AccountNames.describe(error)
                logger.warning("watch: could not turn webhook \(webhook.id) back on: \(text)")
                results[webhook.id] = .some(text)
            }
        }
        return results
    }
}

/// Counts the requests the watch sends (retries included) and keeps the last long `Retry-After`.
final class CountingTransport: HTTPTransport, Sendable {
    private let base: any HTTPTransport
    private let metrics: WatchMetrics
    private let now: @Sendable () -> Date
    private let state = Mutex<(count: Int, retryAfter: Duration?)>((0, nil))

    init(base: any HTTPTransport, metrics: WatchMetrics, now: @escaping @Sendable () -> Date) {
        self.base = base
        self.metrics = metrics
        self.now = now
    }

    var count: Int { state.withLock { $0.count } }

    /// The Retry-After of the last 429, once.
    func takeRetryAfter() -> Duration? {
        state.withLock { state in
            defer { state.retryAfter = nil }
            return state.retryAfter
        }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        state.withLock { $0.count += 1 }
        metrics.requests.increment()
        let response = try await base.send(request)
        if response.status == 429 {
            let wait = response.retryAfter(now: now())
            state.withLock { $0.retryAfter = wait }
        } else if response.isSuccess {
            state.withLock { $0.retryAfter = nil }
        }
        return response
    }
}
