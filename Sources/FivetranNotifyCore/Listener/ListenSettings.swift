import Foundation

/// What `listen` reads from its flags, the environment, config.toml and the key store: resolved at
/// start, and again on SIGHUP (where a broken file keeps the settings in force). One value: the part
/// SIGHUP swaps (`reloadable`) and the part read at start only (the rest).
struct ListenSettings: Sendable {
    /// Keys, routes (the dry-run table under --dry-run), events, max_age and policy: what SIGHUP swaps.
    var reloadable: ReloadableSettings
    /// config.toml's routes and the default route as configured, checked even under --dry-run.
    var routes: RouteTable
    /// Where PagerDuty events go (`pagerduty_url`, `PAGERDUTY_URL`).
    var pagerDutyURL: String
    /// How the account is watched (`[watch]`, `--no-watch`…), and with what.
    var watch: WatchSettings
    var credentials: FivetranCredentials?
    var apiURL: String
    /// `ca_file`: what outgoing HTTPS trusts (nil: the system's store); read at start only.
    var caFile: String?
    /// The Slack app's bot token and `[slack]`, when a token is given.
    var slackApp: SlackAppOptions?

    /// One line for the log after a reload.
    var summary: String {
        let count = routes.routes.count
        return "signing keys (\(reloadable.verifier.keyCount)), config.toml (\(count) route\(count == 1 ? "" : "s"), "
            + "remind every \(TimeText.duration(reloadable.policy.remindEvery.seconds)), max age "
            + "\(TimeText.duration(reloadable.maxAge.seconds)))"
    }

    static func resolve(_ options: ListenOptions, context: CommandContext) throws -> ListenSettings {
        let keys = try signingKeys(options, context: context)
        let settings = try Settings.load(
            flags: SettingFlags(
                apiKey: options.apiKey, apiSecret: options.apiSecret, apiURL: options.apiURL, caFile: options.caFile),
            context: context)
        let credentials = try? settings.credentials()
        let watch = try WatchSettings.resolve(
            config: settings.configFile, flags: options.watch, hasCredentials: credentials != nil)
        let routes = try ConfiguredRoutes.load(
            flags: options.destinationFlags, settings: settings, environment: context.environment,
            checks: DestinationCatalog.targetChecks)
        if routes.defaultDestinations.isEmpty && !options.dryRun {
            throw NotifyError(
                "No destination for the default route, so listen has nowhere to send alerts. Give one or more: "
                    + "\(RouteDestinations.ways) (in \(settings.configFileURL.path)); or run with --dry-run to "
                    + "print the notices instead.",
                exitCode: ExitStatus.usage)
        }
        let slackApp = try SlackAppSettings.resolve(
            flags: options.slackApp, environment: context.environment, config: settings.configFile,
            canResync: credentials != nil)
        try checkSlackApp(routes, hasToken: slackApp != nil)
        let listenConfig = try ListenConfig.load(from: settings.configFile)
        let events = options.events ?? listenConfig.events
        let reloadable = ReloadableSettings(
            verifier: SignatureVerifier(keys: keys),
            routeTable: options.dryRun ? routes.dryRun : routes,
            forwardedEvents: ForwardedEvents(names: events),
            maxAge: options.maxAge ?? listenConfig.maxAge ?? ReloadableSettings.defaultMaxAge,
            policy: NoticePolicy(
                remindEvery: options.remindEvery ?? listenConfig.remindEvery,
                notifyResolved: options.notifyResolved ?? listenConfig.notifyResolved))
        return ListenSettings(
            reloadable: reloadable, routes: routes,
            pagerDutyURL: try ConfiguredRoutes.pagerDutyURL(settings: settings, environment: context.environment),
            watch: watch, credentials: credentials, apiURL: settings.apiURL, caFile: settings.caFile,
            slackApp: slackApp)
    }

    /// slack-app.md: a `slack_channel` needs the bot token, and a bot token needs a channel to post to.
    static func checkSlackApp(_ routes: RouteTable, hasToken: Bool) throws {
        let channels =
            routes.defaultDestinations.filter { $0.kind == .slackApp }.map { ("the default route", $0) }
            + routes.routes.flatMap { route in
                route.destinations.filter { $0.kind == .slackApp }.map { ("route \"\(route.name)\"", $0) }
            }
        if let (label, _) = channels.first, !hasToken {
            throw NotifyError(
                "\(label) names a Slack channel (slack_channel) but no Slack bot token is given, so nothing could be "
                    + "posted there. Give the token with \(SlackAppSettings.tokenWays).",
                exitCode: ExitStatus.usage)
        }
        if hasToken && channels.isEmpty {
            throw NotifyError(
                "A Slack bot token is given but no route names a Slack channel to post to. Give one with "
                    + "--slack-channel, SLACK_CHANNEL, or slack_channel in config.toml (top level or a [[route]]).",
                exitCode: ExitStatus.usage)
        }
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
