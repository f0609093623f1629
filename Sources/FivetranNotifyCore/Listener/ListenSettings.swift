import Foundation

/// What `listen` reads from its flags, the environment, config.toml and the key store: resolved at
/// start, and again on SIGHUP (where a broken file keeps the settings in force).
struct ListenSettings: Sendable {
    var keys: [String]
    /// The default route's destination (the Slack URL, or the dry-run target).
    var destination: String
    /// config.toml's routes, checked even under --dry-run.
    var routes: RouteTable
    /// What the endpoint uses per request.
    var snapshot: LiveSettings.Snapshot
    var policy: NoticePolicy

    /// One line for the log after a reload.
    var summary: String {
        let count = routes.routes.count
        return "signing keys (\(keys.count)), config.toml (\(count) route\(count == 1 ? "" : "s"), "
            + "remind every \(TimeText.duration(policy.remindEvery.seconds)), max age "
            + "\(TimeText.duration(snapshot.maxAge.seconds)))"
    }

    static func resolve(_ options: ListenOptions, context: CommandContext) throws -> ListenSettings {
        let keys = try signingKeys(options, context: context)
        let settings = try Settings.load(
            flags: SettingFlags(slackWebhookURL: options.slackWebhookURL), context: context)
        let destination: String
        if options.dryRun {
            destination = SlackDestination.dryRunTarget
        } else if let url = settings.slackWebhookURL {
            switch SlackURL.checked(url) {
            case .success(let checked):
                destination = checked
            case .failure(let problem):
                switch settings.sources["slack_webhook_url"] {
                case .config?:
                    // The same sentence config.toml's other mistakes give (file:line), with the exit
                    // status of a bad flag or variable.
                    let message =
                        settings.configFile?.error("slack_webhook_url \(problem.text)", key: "slack_webhook_url")
                        .message ?? "slack_webhook_url in \(settings.configFileURL.path) \(problem.text)."
                    throw NotifyError(message, exitCode: ExitStatus.usage)
                case .environment?:
                    throw NotifyError("SLACK_WEBHOOK_URL \(problem.text).", exitCode: ExitStatus.usage)
                default:
                    throw NotifyError("--slack-webhook-url \(problem.text).", exitCode: ExitStatus.usage)
                }
            }
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
        let snapshot = LiveSettings.Snapshot(
            verifier: SignatureVerifier(keys: keys),
            routeTable: options.dryRun ? RouteTable(defaultURL: destination) : routes,
            forwardedEvents: ForwardedEvents(names: events),
            maxAge: options.maxAge ?? listenConfig.maxAge ?? ListenerConfiguration.defaultMaxAge)
        return ListenSettings(
            keys: keys, destination: destination, routes: routes, snapshot: snapshot, policy: policy)

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
