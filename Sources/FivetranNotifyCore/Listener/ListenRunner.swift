import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The `listen` command's inputs as parsed (nil for a flag not given).
public struct ListenOptions: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    public var path: String = "/"
    public var stateDirectory: String?
    /// `--database`: the PostgreSQL URL several listeners share (else the environment, else config.toml).
    public var database: String?
    /// `--node-name`: who this listener is in logs and `status` (default: the host name).
    public var nodeName: String?
    public var slackWebhookURL: String?
    public var pagerdutyRoutingKey: String?
    public var teamsWebhookURL: String?
    public var forwardURL: String?
    /// `--slack-channel`: the default route's channel for the Slack app.
    public var slackChannel: String?
    /// `--slack-bot-token`, `--slack-signing-secret`, `--slack-actions-path`.
    public var slackApp = SlackAppFlags()
    /// `--api-key`, `--api-secret`, `--api-url`: the account watch's credentials (else environment,
    /// else config.toml).
    public var apiKey: String?
    public var apiSecret: String?
    public var apiURL: String?
    /// `--ca-file`: the CA bundle outgoing HTTPS trusts (else `SSL_CERT_FILE`, else `ca_file`).
    public var caFile: String?
    /// `--no-watch`, `--watch-every`, `--public-url`.
    public var watch = WatchFlags()
    public var dryRun = false
    public var events: [String]?
    public var signingKeyFile: String?
    /// `--tls-cert` and `--tls-key`: serve HTTPS (both or neither).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var logFormat: LogFormat = .text
    public var idleTimeout: Duration = .seconds(15)
    /// `--request-timeout`: a request must arrive whole within this long of its first byte.
    public var requestTimeout: Duration = .seconds(30)
    /// `--max-connections`: connections open at once; more wait in the kernel's backlog.
    public var maxConnections: Int = 512
    /// `--max-body-memory`, in bytes: the budget of request bodies in flight.
    public var maxBodyMemory: Int = BodyBudget.defaultLimit
    /// Hidden: serve a bare 200 (benchmark ceiling).
    public var bare = false
    /// `--notify-resolved` (nil: config.toml's `notify_resolved`, else off).
    public var notifyResolved: Bool?
    /// `--remind-every` (nil: config.toml's `remind_every`, else 4 h).
    public var remindEvery: Duration?
    /// `--max-age` (nil: config.toml's `max_age`, else 3 days).
    public var maxAge: Duration?

    public init() {}

    /// The default route's destinations given as flags.
    var destinationFlags: [DestinationKind: String] {
        var flags: [DestinationKind: String] = [:]
        flags[.slack] = slackWebhookURL
        flags[.pagerduty] = pagerdutyRoutingKey
        flags[.teams] = teamsWebhookURL
        flags[.forward] = forwardURL
        flags[.slackApp] = slackChannel
        return flags
    }
}

/// Everything `listen` does, so the command only parses and calls.
public enum ListenRunner {
    /// Resolves keys and settings, opens the store, then serves until SIGINT/SIGTERM (graceful stop:
    /// in-flight requests finish, queued messages stay queued).
    public static func run(_ options: ListenOptions, context: CommandContext) async throws {
        // With a shared database, every line says which node wrote it.
        let database = options.bare ? nil : try DatabaseSettings.load(flag: options.database, context: context)
        let nodeName = options.nodeName ?? ProcessInfo.processInfo.hostName
        let logger: Logger = {
            switch (database, options.logFormat) {
            case (nil, _):
                return ListenLogHandler.logger(format: options.logFormat, write: context.output.err)
            case (.some, .text):
                return ListenLogHandler.logger(format: .text, write: { context.output.err("[\(nodeName)] \($0)") })
            case (.some, .json):
                var logger = ListenLogHandler.logger(format: .json, write: context.output.err)
                logger[metadataKey: "node"] = .string(nodeName)
                return logger
            }
        }()
        // Hummingbird's own lines ("Server started…") would repeat ours: only its warnings are shown.
        var serverLogger = logger
        serverLogger.logLevel = .warning
        var configuration = ListenerConfiguration()
        configuration.host = options.host
        configuration.port = options.port
        configuration.path = options.path.hasPrefix("/") ? options.path : "/" + options.path
        configuration.idleTimeout = options.idleTimeout
        configuration.requestTimeout = options.requestTimeout
        configuration.maxConnections = options.maxConnections
        configuration.maxBodyMemory = options.maxBodyMemory
        for reserved in ["/healthz", "/metrics"] where configuration.path == reserved {
            throw NotifyError(
                "--path \(reserved) is where listen answers \(reserved == "/healthz" ? "health checks" : "Prometheus"); "
                    + "choose another path for deliveries, like /fivetran.", exitCode: ExitStatus.usage)
        }

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
        let resolved = try ListenSettings.resolve(options, context: context)
        // Before anything is created in the state directory: a port in use is a sentence, not an errno.
        try PortCheck.ensureAvailable(host: configuration.host, port: configuration.port)
        let routes = resolved.routes

        let stateDirectory = context.paths.stateDirectory(given: options.stateDirectory)
        let configured = configuration
        let stateText = database?.redacted ?? stateDirectory.path
        let target =
            options.dryRun
            ? "printing what would be sent on stdout (--dry-run)"
            : routes.summary
        let scheme = tls == nil ? "http" : "https"
        var inputs = ListenerAssembly.Inputs(
            configuration: configuration, settings: resolved.reloadable, stateDirectory: stateDirectory,
            slackTransport: options.dryRun
                ? DryRunSlackTransport(output: context.output) : CurlTransport(caFile: resolved.caFile),
            dryRun: options.dryRun, tls: tls,
            clock: ServiceClock(
                now: ServiceClock.live.now, sleep: context.sleep, date: context.now, random: ServiceClock.live.random),
            logger: logger)
        inputs.pagerDutyURL = resolved.pagerDutyURL
        inputs.slackApp = resolved.slackApp
        if let slackApp = resolved.slackApp { logger.info("posting to Slack channels with the \(slackApp)") }
        if let credentials = resolved.credentials, resolved.slackApp?.signingSecret != nil {
            inputs.fivetranAPI = FivetranAPIClient(
                baseURL: resolved.apiURL, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret,
                transport: CurlTransport(caFile: resolved.caFile), retryPolicy: RetryPolicy(maxAttempts: 1),
                timeout: .seconds(10))
        }
        if let actionsPath = resolved.slackApp.flatMap({ $0.signingSecret == nil ? nil : $0.actionsPath }),
            actionsPath == configuration.path
        {
            throw NotifyError(
                "--path \(configuration.path) is also the Slack actions path; give deliveries and button clicks "
                    + "different paths (--path or --slack-actions-path).", exitCode: ExitStatus.usage)
        }
        if resolved.watch.enabled, let credentials = resolved.credentials {
            inputs.watch = ListenerAssembly.Watch(
                settings: resolved.watch,
                client: FivetranAPIClient(
                    baseURL: resolved.apiURL, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret,
                    transport: CurlTransport(caFile: resolved.caFile), sleep: context.sleep),
                lookupClient: FivetranAPIClient(
                    baseURL: resolved.apiURL, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret,
                    transport: CurlTransport(caFile: resolved.caFile), retryPolicy: RetryPolicy(maxAttempts: 1),
                    timeout: .seconds(2)))
        } else if let reason = resolved.watch.disabledReason {
            logger.info("not watching the account: \(reason)")
        }
        if let database {
            // Within 15 s: connected and migrated, or a sentence saying what is wrong (never the password).
            inputs.sharedStore = try await PostgresStore.open(
                url: database, nodeName: nodeName, policy: resolved.reloadable.policy, logger: logger)
            logger.info("state shared in \(database.redacted) as node \(nodeName)")
        }
        if options.dryRun {
            for kind in [DestinationKind.pagerduty, .teams, .forward] {
                inputs.kindTransports[kind] = DryRunTransport(output: context.output, kind: kind)
            }
            inputs.kindTransports[.slackApp] = DryRunSlackWebAPITransport(output: context.output)
        }
        let assembled: ListenerAssembly
        do {
            assembled = try ListenerAssembly(
                inputs,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? configured.port
                    logger.info(
                        "listening on \(scheme)://\(configured.host):\(port)\(configured.path) → \(target); state in \(stateText)"
                    )
                })
        } catch {
            await inputs.sharedStore?.close()
            throw error
        }
        let listener = assembled
        let store = listener.store
        let settingsReloader = await SettingsReloadService(logger: logger) {
            let reloaded = try ListenSettings.resolve(options, context: context)
            listener.settings.replace(with: reloaded.reloadable)
            return reloaded.summary
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: listener.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [.init(service: settingsReloader)] + (tlsReloader.map { [.init(service: $0)] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // SIGTERM ends the process within 10 s whatever clients do: requests still unanswered after the
        // grace period are cut (Fivetran retries them; nothing acknowledged is lost).
        groupConfiguration.maximumGracefulShutdownDuration = ListenerConfiguration.shutdownGrace
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            // Taken between the check and the bind.
            await store.close()
            throw NotifyError(PortCheck.sentence(error.errnoCode, host: configuration.host, port: configuration.port))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        logger.info("stopped; undelivered messages stay queued")
    }
}
