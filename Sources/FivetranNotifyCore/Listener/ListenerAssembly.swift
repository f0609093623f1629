import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The running listener's parts, built in one place for `listen` and for the tests: the store, the
/// endpoint and its server, the dispatcher with its destination, the pruner, all on one clock.
public struct ListenerAssembly: Sendable {
    /// What a listener is built from.
    public struct Inputs: Sendable {
        public var configuration: ListenerConfiguration
        /// Keys, routes, events, max_age and policy at start (SIGHUP replaces them in `settings`).
        public var settings: ReloadableSettings
        public var stateDirectory: URL
        /// The store several listeners share (`--database`), opened already; nil for SQLite in the
        /// state directory, which the assembly opens and locks itself.
        public var sharedStore: (any StateStore)?
        /// How posts to every destination are made (libcurl; under `--dry-run` one that prints them).
        public var slackTransport: any HTTPTransport
        /// Transports for the other kinds, when not `slackTransport` (`--dry-run` prints each its way).
        public var kindTransports: [DestinationKind: any HTTPTransport] = [:]
        /// Where PagerDuty events go (`PAGERDUTY_URL`; a fake PagerDuty in tests).
        public var pagerDutyURL = "https://events.pagerduty.com"
        /// The Slack app's token and settings, when a bot token is configured (`slack_channel` routes);
        /// with a signing secret, the listener also takes button clicks on its actions path.
        public var slackApp: SlackAppOptions?
        /// The Fivetran API with the listener's credentials, for Re-sync clicks (nil without credentials).
        public var fivetranAPI: FivetranAPIClient?
        /// Fills in names before a notice is rendered, if any (the account watch provides its own).
        public var enricher: (any DeliveryEnricher)?
        /// The account watch, when API credentials are configured and watching is on.
        public var watch: Watch?
        /// Print instead of posting: only messages queued for the dry-run target are sent, unpaced.
        public var dryRun: Bool
        public var dispatcher: DispatcherConfiguration
        public var tls: ReloadableTLS?
        public var clock: ServiceClock
        public var logger: Logger

        public init(
            configuration: ListenerConfiguration, settings: ReloadableSettings, stateDirectory: URL,
            slackTransport: any HTTPTransport, dryRun: Bool, dispatcher: DispatcherConfiguration = .init(),
            tls: ReloadableTLS? = nil, clock: ServiceClock = .live, logger: Logger
        ) {
            self.configuration = configuration
            self.settings = settings
            self.stateDirectory = stateDirectory
            self.slackTransport = slackTransport
            self.dryRun = dryRun
            self.dispatcher = dispatcher
            self.tls = tls
            self.clock = clock
            self.logger = logger
        }
    }

    /// What the account watch is built from: its settings and two API clients (the sweep's, and a
    /// quick one for name lookups while a notice waits).
    public struct Watch: Sendable {
        public var settings: WatchSettings
        public var client: FivetranAPIClient
        public var lookupClient: FivetranAPIClient

        public init(settings: WatchSettings, client: FivetranAPIClient, lookupClient: FivetranAPIClient) {
            self.settings = settings
            self.client = client
            self.lookupClient = lookupClient
        }
    }

    public let store: any StateStore
    /// The SQLite store when the state is in the state directory (nil with `--database`).
    public let sqliteStore: DeliveryStore?
    public let metrics: ListenerMetrics
    /// What SIGHUP replaces (keys, routes, `[listen]`); the store follows its policy.
    public let settings: LiveSettings
    /// The dispatcher, the pruner and the server, to run in one `ServiceGroup`.
    public let services: [any Service]
    /// The memory budget of request bodies in flight (`--max-body-memory`).
    public let bodyBudget: BodyBudget

    /// Opens the store and builds every part. `onServerRunning` is called with the bound channel
    /// (its port, when the configuration asked for port 0).
    public init(
        _ inputs: Inputs, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws {
        try DeliveryStore.prepare(stateDirectory: inputs.stateDirectory)
        // Before the store is even opened: a second listener must touch nothing of the first's.
        let lock = try StateDirectoryLock.acquire(stateDirectory: inputs.stateDirectory)
        let store: any StateStore
        var nodeServices: [any Service] = [lock]
        if let shared = inputs.sharedStore {
            shared.setPolicy(inputs.settings.policy)
            store = shared
            sqliteStore = nil
        } else {
            let sqlite = try DeliveryStore.open(stateDirectory: inputs.stateDirectory, policy: inputs.settings.policy)
            store = sqlite
            sqliteStore = sqlite
            nodeServices += [
                StateFileWatcher(
                    store: sqlite, interval: inputs.configuration.stateCheckInterval, logger: inputs.logger),
                StateWriteProbe(
                    store: sqlite, directory: inputs.stateDirectory,
                    interval: inputs.configuration.stateCheckInterval, logger: inputs.logger),
            ]
        }
        let metrics = ListenerMetrics()
        var inputs = inputs
        let watchMetrics = inputs.watch.map { _ in WatchMetrics(registry: metrics.registry) }
        let names = inputs.watch.map {
            AccountNames(client: $0.lookupClient, logger: inputs.logger, metrics: watchMetrics)
        }
        if let names, inputs.enricher == nil { inputs.enricher = names }
        let settings = LiveSettings(inputs.settings) { store.setPolicy($0.policy) }
        // Each send goes to the target its route has in the settings in force at that moment.
        let resolver: TargetResolver = { reference, firstDelivery in
            settings.current.routeTable.target(for: reference, firstDelivery: firstDelivery)
        }
        let catalog = DestinationCatalog(
            transport: { inputs.kindTransports[$0] ?? inputs.slackTransport }, pagerDutyURL: inputs.pagerDutyURL,
            logger: inputs.logger, dryRun: inputs.dryRun, slackApp: inputs.slackApp,
            notifyResolved: { store.noticePolicy.notifyResolved }, clock: inputs.clock)
        let dispatchers = Self.dispatchers(inputs, catalog: catalog, store: store, metrics: metrics, resolver: resolver)
        // Buttons: clicks are taken only with a signing secret (else the actions path is 404).
        var slackActions: SlackActionsEndpoint?
        var clickWorkers: [any Service] = []
        if let app = catalog.slackApp, let secret = app.appOptions.signingSecret {
            inputs.configuration.slackActionsPath = app.appOptions.actionsPath
            slackActions = SlackActionsEndpoint(
                path: app.appOptions.actionsPath, signingSecret: secret, store: store, metrics: metrics,
                logger: inputs.logger, now: inputs.clock.date)
            var worker = SlackClickWorker(
                store: store, destination: app, fivetran: inputs.fivetranAPI, clock: inputs.clock,
                logger: inputs.logger)
            let pagerDuty = catalog.pagerDuty
            worker.pagerDuty = { postDestination, failure in
                guard let reference = TargetReference(encoded: postDestination) else { return nil }
                let paging = TargetReference(kind: .pagerduty, route: reference.route, dryRun: reference.dryRun)
                return resolver(paging, failure).map { (pagerDuty, $0.encoded) }
            }
            clickWorkers.append(worker)
        }
        let endpoint = DeliveryEndpoint(
            settings: settings, store: store, configuration: inputs.configuration,
            metrics: metrics, logger: inputs.logger, now: inputs.clock.date)
        // Hummingbird's own lines ("Server started…") would repeat ours: only its warnings are shown.
        var serverLogger = inputs.logger
        serverLogger.logLevel = .warning
        let app = buildListenerApplication(
            router: buildListenerRouter(endpoint: endpoint, slackActions: slackActions),
            configuration: inputs.configuration, tls: inputs.tls,
            logger: serverLogger, onServerRunning: onServerRunning)
        self.store = store
        self.metrics = metrics
        self.settings = settings
        bodyBudget = endpoint.bodyBudget
        var watchers: [any Service] = []
        if let watch = inputs.watch, let names, let watchMetrics {
            watchers.append(
                AccountWatcher(
                    client: watch.client, settings: watch.settings, names: names, clock: inputs.clock,
                    logger: inputs.logger, statusFile: WatchStatus.url(stateDirectory: inputs.stateDirectory),
                    metrics: watchMetrics,
                    openIncidentKeys: { try? await store.openIncidentKeys() },
                    submit: { await endpoint.recordFinding($0, body: $1) },
                    mayRun: {
                        // The lease outlives the interval by a few seconds: renewed at each sweep.
                        (try? await store.holdSingleton("watch", lease: watch.settings.every + .seconds(10))) ?? false
                    }))
        }
        // Deduplication records outlive the max_age in force by a day, so a replayed delivery is never
        // posted again, also after a SIGHUP raised max_age.
        let retention: @Sendable () -> TimeInterval = { StorePruner.retention(maxAge: settings.current.maxAge) }
        services =
            nodeServices + dispatchers + [
                StorePruner(store: store, retention: retention, clock: inputs.clock, logger: inputs.logger),
                app,
            ] + watchers + clickWorkers
    }

    /// One dispatcher per destination kind: each kind has its own queue, pacing and retries, so an
    /// outage of one never delays another.
    private static func dispatchers(
        _ inputs: Inputs, catalog: DestinationCatalog, store: any StateStore, metrics: ListenerMetrics,
        resolver: @escaping TargetResolver
    ) -> [any Service] {
        func dispatcher<Destination: NoticeDestination>(_ destination: Destination) -> any Service {
            var configuration = DispatcherConfiguration.tuned(for: destination.capabilities, base: inputs.dispatcher)
            if inputs.dryRun { configuration.unpaced = true }
            return NoticeDispatcher(
                store: store, destination: destination, configuration: configuration, clock: inputs.clock,
                logger: inputs.logger, metrics: metrics.dispatch(destination.kind), enricher: inputs.enricher,
                resolver: resolver)
        }
        store.setCapabilities(DestinationCatalog.capabilities)
        return catalog.all.map { dispatcher($0) }
    }
}
