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
        /// The signing keys deliveries are verified against.
        public var keys: [String]
        public var policy: NoticePolicy
        public var stateDirectory: URL
        /// How Slack posts are made (libcurl; under `--dry-run` one that prints them).
        public var slackTransport: any HTTPTransport
        /// Print instead of posting: only messages queued for the dry-run target are sent, unpaced.
        public var dryRun: Bool
        public var dispatcher: DispatcherConfiguration
        public var tls: ReloadableTLS?
        public var clock: ServiceClock
        public var logger: Logger

        public init(
            configuration: ListenerConfiguration, keys: [String], policy: NoticePolicy, stateDirectory: URL,
            slackTransport: any HTTPTransport, dryRun: Bool, dispatcher: DispatcherConfiguration = .init(),
            tls: ReloadableTLS? = nil, clock: ServiceClock = .live, logger: Logger
        ) {
            self.configuration = configuration
            self.keys = keys
            self.policy = policy
            self.stateDirectory = stateDirectory
            self.slackTransport = slackTransport
            self.dryRun = dryRun
            self.dispatcher = dispatcher
            self.tls = tls
            self.clock = clock
            self.logger = logger
        }
    }

    public let store: DeliveryStore
    public let metrics: ListenerMetrics
    /// What SIGHUP replaces (keys, routes, `[listen]`).
    public let settings: LiveSettings
    /// The dispatcher, the pruner and the server, to run in one `ServiceGroup`.
    public let services: [any Service]

    /// Opens the store and builds every part. `onServerRunning` is called with the bound channel
    /// (its port, when the configuration asked for port 0).
    public init(
        _ inputs: Inputs, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws {
        try DeliveryStore.prepare(stateDirectory: inputs.stateDirectory)
        // Before the store is even opened: a second listener must touch nothing of the first's.
        let lock = try StateDirectoryLock.acquire(stateDirectory: inputs.stateDirectory)
        let store = try DeliveryStore.open(stateDirectory: inputs.stateDirectory, policy: inputs.policy)
        let metrics = ListenerMetrics()
        var dispatcherConfiguration = inputs.dispatcher
        if inputs.dryRun { dispatcherConfiguration.unpaced = true }
        let dispatcher = NoticeDispatcher(
            store: store,
            destination: SlackDestination(
                transport: inputs.slackTransport, logger: inputs.logger, dryRun: inputs.dryRun),
            configuration: dispatcherConfiguration, clock: inputs.clock, logger: inputs.logger, metrics: metrics)
        let configuration = inputs.configuration
        let settings = LiveSettings(
            .init(
                verifier: SignatureVerifier(keys: inputs.keys), routeTable: configuration.routeTable,
                forwardedEvents: configuration.forwardedEvents, maxAge: configuration.maxAge))
        let endpoint = DeliveryEndpoint(
            settings: settings, store: store, configuration: inputs.configuration,
            metrics: metrics, logger: inputs.logger, now: inputs.clock.date)
        // Hummingbird's own lines ("Server started…") would repeat ours: only its warnings are shown.
        var serverLogger = inputs.logger
        serverLogger.logLevel = .warning
        let app = buildListenerApplication(
            router: buildListenerRouter(endpoint: endpoint), configuration: inputs.configuration, tls: inputs.tls,
            logger: serverLogger, onServerRunning: onServerRunning)
        self.store = store
        self.metrics = metrics
        self.settings = settings
        // Deduplication records outlive --max-age by a day, so a replayed delivery is never posted again.
        let retention = max(StorePruner.defaultRetention, inputs.configuration.maxAge.seconds + 86_400)
        services = [
            lock, dispatcher,
            StorePruner(store: store, retention: retention, clock: inputs.clock, logger: inputs.logger),
            StateFileWatcher(store: store, interval: inputs.configuration.stateCheckInterval, logger: inputs.logger),
            app,
        ]
    }
}
