import ArgumentParser
import FivetranNotifyCore
import Foundation

extension FivetranNotifyCommand {
    struct Listen: ContextCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Receive Fivetran webhook deliveries and send failures to Slack, PagerDuty, Teams or any HTTPS endpoint.",
            discussion: """
                Verifies X-Fivetran-Signature-256, stores each delivery durably before answering 200, and \
                sends failures to every destination of their route (paced, retried, deduplicated, storms as \
                digests; each destination with its own queue). Signing keys: --signing-key-file, else \
                FIVETRAN_SIGNING_KEY, else the keys stored by `keygen`. The default route's destinations: Slack \
                (--slack-webhook-url / SLACK_WEBHOOK_URL / slack_webhook_url), PagerDuty \
                (--pagerduty-routing-key / PAGERDUTY_ROUTING_KEY / pagerduty_routing_key), Teams \
                (--teams-webhook-url / TEAMS_WEBHOOK_URL / teams_webhook_url), a signed JSON forward \
                (--forward-url / FORWARD_URL / forward_url); [[route]] rules in config.toml send matching \
                failures elsewhere. With Fivetran API credentials it also watches the account every 5m \
                (inactive webhooks, broken, paused and stale connectors) and names things in alerts. Serves GET /healthz and \
                GET /metrics beside the deliveries.

                Examples:
                  fivetran-notify listen --dry-run
                  SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… fivetran-notify listen --port 8080
                  PAGERDUTY_ROUTING_KEY=… SLACK_WEBHOOK_URL=… fivetran-notify listen
                  fivetran-notify listen --tls-cert fullchain.pem --tls-key privkey.pem --notify-resolved
                """)

        @Option(help: "The address to listen on.")
        var host = "0.0.0.0"

        @Option(help: "The port to listen on (0 picks a free one).")
        var port = 8080

        @Option(help: "The path Fivetran posts deliveries to.")
        var path = "/"

        @Option(
            help:
                "Where the durable queue lives (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).",
            completion: .directory)
        var stateDir: String?

        @Option(
            help: ArgumentHelp(
                "The PostgreSQL that several listeners share (postgres://user:password@host:5432/dbname?sslmode=require; "
                    + "else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml). Default: SQLite in the "
                    + "state directory.",
                valueName: "url"))
        var database: String?

        @Option(help: "This listener's name in log lines and in status, with --database (default: the host name).")
        var nodeName: String?

        @Option(help: "The Slack incoming-webhook URL (else SLACK_WEBHOOK_URL, else slack_webhook_url in config.toml).")
        var slackWebhookUrl: String?

        @Option(
            help:
                "The PagerDuty Events API v2 routing key of the default route (else PAGERDUTY_ROUTING_KEY, else pagerduty_routing_key in config.toml)."
        )
        var pagerdutyRoutingKey: String?

        @Option(
            help:
                "The Microsoft Teams Workflows webhook URL of the default route (else TEAMS_WEBHOOK_URL, else teams_webhook_url in config.toml)."
        )
        var teamsWebhookUrl: String?

        @Option(
            help:
                "An HTTPS endpoint that receives each notice as signed JSON (else FORWARD_URL, else forward_url in config.toml; secret: FORWARD_SECRET or forward_secret)."
        )
        var forwardUrl: String?

        @Option(
            help:
                "The Slack channel (C… id or #name) the default route posts to with the bot token (else SLACK_CHANNEL, else slack_channel in config.toml)."
        )
        var slackChannel: String?

        @Option(
            help: ArgumentHelp(
                "The Slack app's bot token, xoxb-… (else SLACK_BOT_TOKEN, else slack_bot_token or slack_bot_token_env in config.toml).",
                valueName: "token"))
        var slackBotToken: String?

        @Option(
            help: ArgumentHelp(
                "The Slack app's signing secret: turns on buttons (else SLACK_SIGNING_SECRET, else slack_signing_secret or slack_signing_secret_env in config.toml).",
                valueName: "secret"))
        var slackSigningSecret: String?

        @Option(
            help: ArgumentHelp(
                "The path Slack posts button clicks to (else [slack] actions_path in config.toml, else /slack/actions).",
                valueName: "path"))
        var slackActionsPath: String?

        @Option(
            help: ArgumentHelp(
                "Fivetran API key for watching the account (default: $FIVETRAN_API_KEY, else api_key in config.toml).",
                valueName: "key"))
        var apiKey: String?

        @Option(
            help: ArgumentHelp(
                "Fivetran API secret (default: $FIVETRAN_API_SECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.",
                valueName: "secret"))
        var apiSecret: String?

        @Option(
            name: .customLong("api-url"),
            help: ArgumentHelp(
                "Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).",
                valueName: "url"))
        var apiURL: String?

        @Option(
            name: .customLong("ca-file"),
            help: ArgumentHelp(
                "PEM file of the certificate authorities that requests to Fivetran and the destinations trust instead of the system's (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy and $no_proxy.",
                valueName: "pem"),
            completion: .file(extensions: ["pem", "crt"]))
        var caFile: String?

        @Flag(help: "Do not watch the account through the API even with credentials ([watch] enabled = false).")
        var noWatch = false

        @Option(
            help: ArgumentHelp(
                "How often to sweep the account: 5m, 15m, 1h; at least 1m (default: every in [watch], else 5m).",
                valueName: "duration"))
        var watchEvery: String?

        @Option(
            help: ArgumentHelp(
                "The https URL Fivetran posts to, so the watch can find this listener's webhooks (default: public_url in [watch]).",
                valueName: "url"))
        var publicUrl: String?

        @Flag(help: "Print what would be sent to each destination on stdout instead of sending it.")
        var dryRun = false

        @Option(
            help: ArgumentHelp(
                "Events to forward, comma-separated (default: events in config.toml, else sync_end not SUCCESSFUL, dbt_run_failed, transformation_run_failed, transformation_failed, connection_failure).",
                valueName: "events"),
            completion: .list(WebhookEvents.known))
        var events: String?

        @Option(
            help: "A file holding the signing key (default: $FIVETRAN_SIGNING_KEY, else the keys stored by `keygen`).",
            completion: .file())
        var signingKeyFile: String?

        @Option(
            help: "Serve HTTPS with this PEM certificate chain (with --tls-key); SIGHUP reloads it.",
            completion: .file(extensions: ["pem", "crt"]))
        var tlsCert: String?

        @Option(help: "The PEM private key of --tls-cert.", completion: .file(extensions: ["pem", "key"]))
        var tlsKey: String?

        @Option(help: "text (one line per delivery) or json.", completion: .list(["text", "json"]))
        var logFormat = "text"

        @Flag(
            inversion: .prefixedNo,
            help:
                "Post a \"recovered\" message when a connector whose failure was posted syncs successfully (default: notify_resolved in config.toml, else off)."
        )
        var notifyResolved: Bool?

        @Option(
            help: ArgumentHelp(
                "How long a connector that keeps failing the same way stays quiet before a reminder: 90s, 15m, 4h, 1d (default: remind_every in config.toml, else 4h).",
                valueName: "duration"))
        var remindEvery: String?

        @Option(
            help: ArgumentHelp(
                "Deliveries created longer ago than this are stored but not forwarded, so late retries and replays stay quiet: 12h, 3d (default: max_age in config.toml, else 3d).",
                valueName: "duration"))
        var maxAge: String?

        @Option(
            help: ArgumentHelp(
                "A request must arrive whole within this long of its first byte, or its connection is closed: 10s, 30s, 2m (default: 30s).",
                valueName: "duration"))
        var requestTimeout = "30s"

        @Option(help: "At most this many connections open at once; more wait in the kernel's backlog (default: 512).")
        var maxConnections = 512

        @Option(
            help: ArgumentHelp(
                "Request bodies in flight, across all connections, share this many MiB; a request that does not fit is answered 503 with Retry-After before its body is read (2 to 4096; default: 64).",
                valueName: "MiB"))
        var maxBodyMemory = 64

        @Option(help: .hidden)
        var idleTimeout: Double = 15

        @Flag(help: .hidden)
        var bare = false

        func validate() throws {
            guard LogFormat(rawValue: logFormat) != nil else {
                throw ValidationError("--log-format must be text or json.")
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
            guard idleTimeout > 0, idleTimeout <= 86_400 else {
                throw ValidationError("--idle-timeout must be a number of seconds between 0 and 86400.")
            }
            if let problem = DurationText.problem(requestTimeout, within: .timeout, example: "10s, 30s or 2m") {
                throw ValidationError("--request-timeout \(problem).")
            }
            guard (1...1_000_000).contains(maxConnections) else {
                throw ValidationError("--max-connections must be between 1 and 1000000.")
            }
            guard (2...4096).contains(maxBodyMemory) else {
                throw ValidationError("--max-body-memory is in MiB and must be from 2 to 4096 (default: 64).")
            }
            guard (tlsCert == nil) == (tlsKey == nil) else {
                throw ValidationError(
                    "--tls-cert and --tls-key go together: give both to serve HTTPS, or neither for plain HTTP.")
            }
            if let remindEvery,
                let problem = DurationText.problem(remindEvery, within: .longWait, example: "90s, 15m, 4h or 1d")
            {
                throw ValidationError("--remind-every \(problem).")
            }
            if let maxAge, let problem = DurationText.problem(maxAge, within: .longWait, example: "12h, 3d or 7d") {
                throw ValidationError("--max-age \(problem).")
            }
        }

        func run(in context: CommandContext) async throws {
            var options = ListenOptions()
            options.host = host
            options.port = port
            options.path = path
            options.stateDirectory = stateDir
            options.database = database
            options.nodeName = nodeName
            options.slackWebhookURL = slackWebhookUrl
            options.pagerdutyRoutingKey = pagerdutyRoutingKey
            options.teamsWebhookURL = teamsWebhookUrl
            options.forwardURL = forwardUrl
            options.slackChannel = slackChannel
            options.slackApp = SlackAppFlags(
                botToken: slackBotToken, signingSecret: slackSigningSecret, actionsPath: slackActionsPath)
            options.apiKey = apiKey
            options.apiSecret = apiSecret
            options.apiURL = apiURL
            options.caFile = caFile
            options.watch = WatchFlags(noWatch: noWatch, every: watchEvery, publicURL: publicUrl)
            options.dryRun = dryRun
            options.events = events.map { WebhookEvents.parse([$0]) }
            options.signingKeyFile = signingKeyFile
            options.tlsCertificateFile = tlsCert
            options.tlsKeyFile = tlsKey
            options.logFormat = LogFormat(rawValue: logFormat) ?? .text
            options.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
            options.bare = bare
            options.notifyResolved = notifyResolved
            options.remindEvery = remindEvery.flatMap(DurationText.parse)
            options.maxAge = maxAge.flatMap(DurationText.parse)
            options.requestTimeout = DurationText.parse(requestTimeout) ?? .seconds(30)
            options.maxConnections = maxConnections
            options.maxBodyMemory = maxBodyMemory << 20
            try await ListenRunner.run(options, context: context)
        }
    }
}
