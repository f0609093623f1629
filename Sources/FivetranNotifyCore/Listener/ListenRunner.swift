import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The `listen` command's inputs as parsed (nil for a flag not given).
public struct ListenOptions: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    public var path: String = "/"
    public var stateDirectory: String?
    public var slackWebhookURL: String?
    public var dryRun = false
    public var events: [String]?
    public var signingKeyFile: String?
    /// `--tls-cert` and `--tls-key`: serve HTTPS (both or neither).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var logFormat: LogFormat = .text
    public var idleTimeout: Duration = .seconds(15)
    /// Hidden: serve a bare 200 (benchmark ceiling).
    public var bare = false
    /// `--notify-resolved` (nil: config.toml's `notify_resolved`, else off).
    public var notifyResolved: Bool?
    /// `--remind-every` (nil: config.toml's `remind_every`, else 4 h).
    public var remindEvery: Duration?

    public init() {}
}

/// Everything `listen` does, so the command only parses and calls.
public enum ListenRunner {
    /// Resolves keys and settings, opens the store, then serves until SIGINT/SIGTERM (graceful stop:
    /// in-flight requests finish, queued messages stay queued).
    public static func run(_ options: ListenOptions, context: CommandContext) async throws {
        let logger = ListenLogHandler.logger(format: options.logFormat, write: context.output.err)
        // Hummingbird's own lines ("Server started…") would repeat ours: only its warnings are shown.
        var serverLogger = logger
        serverLogger.logLevel = .warning
        var configuration = ListenerConfiguration()
        configuration.host = options.host
        configuration.port = options.port
        configuration.path = options.path.hasPrefix("/") ? options.path : "/" + options.path
        configuration.idleTimeout = options.idleTimeout

        if options.bare {
            let app = buildListenerApplication(
                router: buildBareRouter(path: configuration.path, maxBodySize: configuration.maxBodySize),
                configuration: configuration, logger: serverLogger,
                onServerRunning: { channel in
                    context.output.err("bare server on port \(channel.localAddress?.port ?? 0) (benchmark only)")
                })
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            return
        }

        var tls: ReloadableTLS?
        var tlsReloader: TLSReloadService?
        if let certificateFile = options.tlsCertificateFile, let keyFile = options.tlsKeyFile {
            let loaded = try ReloadableTLS(certificateFile: certificateFile, keyFile: keyFile)
            if let warning = loaded.current.validityWarning() { logger.warning("\(warning)") }
            tls = loaded
            // Traps SIGHUP from here on (its default action would end the process).
            tlsReloader = await TLSReloadService(tls: loaded, logger: logger)
        }
        let keys = try signingKeys(options, context: context)
        let settings = try Settings.load(
            flags: SettingFlags(slackWebhookURL: options.slackWebhookURL), context: context)
        let destination: String
        if options.dryRun {
            destination = SlackDispatcher.dryRunDestination
        } else if let url = settings.slackWebhookURL {
            guard SlackURL.isHTTP(url) else {
                throw NotifyError("The Slack webhook URL is not an http(s) URL (\(SlackURL.redacted(url))).")
            }
            destination = url
        } else {
            throw NotifyError(
                "No Slack webhook URL, so listen has nowhere to send alerts. Give one with --slack-webhook-url URL, "
                    + "the SLACK_WEBHOOK_URL environment variable, or slack_webhook_url in "
                    + "\(settings.configFileURL.path); or run with --dry-run to print the messages instead.",
                exitCode: ExitStatus.usage)
        }
        let listenConfig = try ListenConfig.load(from: settings.configFile)
        let events = options.events ?? listenConfig.events
        let policy = NoticePolicy(
            remindEvery: options.remindEvery ?? listenConfig.remindEvery,
            notifyResolved: options.notifyResolved ?? listenConfig.notifyResolved)
        // Routes are checked even under --dry-run, so a mistake shows before going live.
        let routes = try RouteTable.load(
            from: settings.configFile, defaultURL: destination, environment: context.environment)
        configuration.routeTable = options.dryRun ? RouteTable(defaultURL: destination) : routes
        configuration.forwardedEvents = ForwardedEvents(names: events)

        let stateDirectory =
            options.stateDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? context.paths.stateDirectory
        let store = try DeliveryStore.open(stateDirectory: stateDirectory, policy: policy)
        let metrics = ListenerMetrics()
        var dispatcherConfiguration = SlackDispatcherConfiguration()
        dispatcherConfiguration.dryRun = options.dryRun
        let dispatcher = SlackDispatcher(
            store: store,
            transport: options.dryRun ? DryRunSlackTransport(output: context.output) : CurlTransport(),
            configuration: dispatcherConfiguration, logger: logger, metrics: metrics)
        let endpoint = DeliveryEndpoint(
            verifier: SignatureVerifier(keys: keys), store: store, configuration: configuration, metrics: metrics,
            logger: logger, now: context.now)
        let configured = configuration
        let target =
            options.dryRun
            ? "printing Slack messages on stdout (--dry-run)"
            : ([SlackURL.redacted(destination)]
                + routes.routes.map { "\($0.name): \(SlackURL.redacted($0.slackWebhookURL))" })
                .joined(separator: ", ")
        let scheme = tls == nil ? "http" : "https"
        let app = buildListenerApplication(
            router: buildListenerRouter(endpoint: endpoint), configuration: configuration, tls: tls,
            logger: serverLogger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configured.port
                logger.info(
                    "listening on \(scheme)://\(configured.host):\(port)\(configured.path) → \(target); state in \(stateDirectory.path)"
                )
            })
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: dispatcher), .init(service: StorePruner(store: store, logger: logger)),
                    .init(service: app),
                ] + (tlsReloader.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        logger.info("stopped; undelivered messages stay queued")
    }

    /// `--signing-key-file`, else `FIVETRAN_SIGNING_KEY`, else the keys stored by `keygen` (current and
    /// previous). None at all is refused.
    static func signingKeys(_ options: ListenOptions, context: CommandContext) throws -> [String] {
        if let file = options.signingKeyFile {
            guard let text = try SecretFile.read(URL(fileURLWithPath: file)) else {
                throw NotifyError("The signing key file \(file) does not exist.", exitCode: ExitStatus.usage)
            }
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw NotifyError("The signing key file \(file) is empty.") }
            return [key]
        }
        if let key = KeyStore.environmentKey(context.environment) { return [key] }
        let keys = try KeyStore(paths: context.paths).acceptedKeys()
        guard !keys.isEmpty else {
            throw NotifyError(
                "No signing key, so no delivery could be verified. Run `fivetran-notify keygen` to make and store "
                    + "one, set FIVETRAN_SIGNING_KEY to the webhook's secret, or pass --signing-key-file PATH.",
                exitCode: ExitStatus.credentials)
        }
        return keys
    }
}
