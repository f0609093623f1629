import Foundation

/// The API settings and output options shared by every `webhook` command.
public struct APICallOptions: Sendable, Equatable {
    public var flags: SettingFlags
    /// Print the API's `data` object as JSON on stdout, and nothing else there.
    public var json: Bool
    /// Trace each exchange on stderr (Authorization redacted, secrets masked).
    public var verbose: Bool
    /// How long one request may take.
    public var timeout: Duration

    public init(
        flags: SettingFlags = SettingFlags(), json: Bool = false, verbose: Bool = false,
        timeout: Duration = .seconds(30)
    ) {
        self.flags = flags
        self.json = json
        self.verbose = verbose
        self.timeout = timeout
    }
}

/// The work of the `webhook` commands: the executable parses arguments and calls these.
public enum WebhookActions {
    /// Which endpoint a create goes to.
    public enum Scope: Sendable, Equatable {
        case account
        case group(String)
    }

    /// Which secret a webhook gets.
    public enum SecretChoice: Sendable, Equatable {
        /// The key stored by `keygen` (an error when there is none).
        case storedKey
        /// A secret given on the command line.
        case given(String)
        /// No secret: deliveries are not signed.
        case none
    }

    public struct CreateOptions: Sendable, Equatable {
        public var scope: Scope
        public var url: String
        /// `--event` values as given (repeats and comma lists); empty for the defaults.
        public var events: [String]
        public var active: Bool
        public var secret: SecretChoice
        public var runTests: Bool

        public init(
            scope: Scope, url: String, events: [String] = [], active: Bool = true, secret: SecretChoice = .storedKey,
            runTests: Bool = false
        ) {
            self.scope = scope
            self.url = url
            self.events = events
            self.active = active
            self.secret = secret
            self.runTests = runTests
        }
    }

    public struct UpdateOptions: Sendable, Equatable {
        public var url: String?
        /// `--event` values as given; empty to leave the events alone.
        public var events: [String]
        public var active: Bool?
        /// nil to leave the secret alone; `.none` is not sent (Fivetran has no "remove secret").
        public var secret: SecretChoice?

        public init(url: String? = nil, events: [String] = [], active: Bool? = nil, secret: SecretChoice? = nil) {
            self.url = url
            self.events = events
            self.active = active
            self.secret = secret
        }
    }

    // MARK: - create

    public static func create(_ options: CreateOptions, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        let events = options.events.isEmpty ? WebhookEvents.defaultsForCreate : WebhookEvents.parse(options.events)
        warnAboutUnknownEvents(events, output: output)
        if let warning = WebhookInput.urlWarning(options.url) { output.err(warning) }

        let client = try makeClient(api, context: context)
        let secret: String?
        let secretNote: String
        switch options.secret {
        case .given(let value):
            secret = value
            secretNote = "the secret given with --secret"
        case .none:
            secret = nil
            secretNote = "none: deliveries are not signed"
        case .storedKey:
            let store = KeyStore(paths: context.paths)
            guard let key = try store.currentKey() else {
                throw NotifyError(
                    "No signing key is stored in \(store.keyFile.path), and the webhook needs one as its secret. "
                        + "Run `fivetran-notify keygen` first, pass --secret S, or pass --no-secret to create an "
                        + "unsigned webhook on purpose.")
            }
            secret = key
            secretNote = "the stored signing key (\(store.keyFile.path))"
        }

        let request = WebhookCreateRequest(url: options.url, events: events, active: options.active, secret: secret)
        let created: APIResponse<Webhook>
        switch options.scope {
        case .account: created = try await client.createAccountWebhook(request)
        case .group(let groupID): created = try await client.createGroupWebhook(groupID: groupID, request)
        }
        let webhook = created.value
        if api.json {
            try printJSON(created.data, output: output)
        } else {
            let kind: String
            switch options.scope {
            case .account: kind = "account webhook"
            case .group(let groupID): kind = "group webhook for group \(groupID),"
            }
            output.out("Created \(kind) \(webhook.id) (\(webhook.active ? "active" : "INACTIVE")).")
            output.out(WebhookFormat.detail(webhook, secretNote: secretNote))
            if !webhook.active {
                output.out(
                    "Fivetran sends nothing to it until you run `fivetran-notify webhook update \(webhook.id) --active`."
                )
            }
        }

        guard options.runTests else { return }
        let testedEvents = webhook.events.isEmpty ? events : webhook.events
        var failures: [String] = []
        for event in testedEvents {
            do {
                let result = try await client.testWebhook(id: webhook.id, event: event)
                let line = WebhookFormat.testLine(event: event, result: result.value)
                if result.value.succeed {
                    (api.json ? output.err : output.out)(line)
                } else {
                    failures.append(event)
                    output.err(line)
                }
            } catch let error where !(error is CancellationError) {
                // Whatever stopped this test (the API, the network), the others still run.
                failures.append(event)
                output.err("test \(event): could not run: \(FailureReport(error).message)")
            }
        }
        if !failures.isEmpty {
            throw NotifyError(
                "The webhook \(webhook.id) was created, but \(failures.count) of \(testedEvents.count) test "
                    + "deliveries failed (\(failures.joined(separator: ", "))). Check that the receiver at "
                    + "\(webhook.url ?? options.url) answers 2xx, e.g. with `fivetran-notify listen` running there.")
        }
    }

    // MARK: - list

    public static func list(pageSize: Int?, api: APICallOptions, context: CommandContext) async throws {
        let client = try makeClient(api, context: context)
        let listing = try await client.listWebhooks(pageSize: pageSize)
        if api.json {
            try printJSON(.array(listing.items), output: context.output)
        } else {
            for line in WebhookFormat.table(listing.webhooks) { context.output.out(line) }
        }
    }

    // MARK: - get

    public static func get(id: String, api: APICallOptions, context: CommandContext) async throws {
        let client = try makeClient(api, context: context)
        let answer = try await client.getWebhook(id: id)
        if api.json {
            try printJSON(answer.data, output: context.output)
        } else {
            context.output.out(WebhookFormat.detail(answer.value))
        }
    }

    // MARK: - update

    public static func update(id: String, _ options: UpdateOptions, api: APICallOptions, context: CommandContext)
        async throws
    {
        let output = context.output
        var changes = WebhookUpdateRequest()
        if let url = options.url {
            if let warning = WebhookInput.urlWarning(url) { output.err(warning) }
            changes.url = url
        }
        if !options.events.isEmpty {
            let events = WebhookEvents.parse(options.events)
            warnAboutUnknownEvents(events, output: output)
            changes.events = events
        }
        changes.active = options.active
        let client = try makeClient(api, context: context)
        switch options.secret {
        case .given(let value)?:
            changes.secret = value
        case .storedKey?:
            let store = KeyStore(paths: context.paths)
            guard let key = try store.currentKey() else {
                throw NotifyError(
                    "No signing key is stored in \(store.keyFile.path). Run `fivetran-notify keygen` first, "
                        + "or pass --secret S.")
            }
            changes.secret = key
        case .none?, nil:
            break
        }
        guard !changes.isEmpty else {
            throw NotifyError(
                "Nothing to update: give --url, --event, --active/--inactive or --secret.",
                exitCode: ExitStatus.usage)
        }
        let answer = try await client.updateWebhook(id: id, changes)
        if api.json {
            try printJSON(answer.data, output: output)
        } else {
            let fields = [
                changes.url.map { _ in "url" }, changes.events.map { _ in "events" },
                changes.active.map { _ in "active" }, changes.secret.map { _ in "secret" },
            ].compactMap { $0 }
            output.out(
                "Updated webhook \(answer.value.id.isEmpty ? id : answer.value.id) (\(fields.joined(separator: ", ")))."
            )
            output.out(WebhookFormat.detail(answer.value))
        }
    }

    // MARK: - delete

    public static func delete(id: String, yes: Bool, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        if !yes && !context.isInteractive {
            throw NotifyError(
                "Refusing to delete webhook \(id) without confirmation: there is no terminal to ask on. "
                    + "Pass --yes to delete it.",
                exitCode: ExitStatus.usage)
        }
        let client = try makeClient(api, context: context)
        if !yes {
            let webhook = try await client.getWebhook(id: id).value
            let target = webhook.url.map { " (\($0))" } ?? ""
            output.err("Delete webhook \(id)\(target)? Fivetran stops sending its events at once. [y/N]")
            let answer = context.readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                throw NotifyError("Not deleted: webhook \(id) is unchanged.")
            }
        }
        let answer = try await client.deleteWebhook(id: id)
        if api.json {
            try printJSON(answer.data ?? .object([:]), output: output)
        } else {
            output.out("Deleted webhook \(id).")
        }
    }

    // MARK: - test

    public static func test(id: String, event: String, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        warnAboutUnknownEvents([event], output: output)
        let client = try makeClient(api, context: context)
        let answer = try await client.testWebhook(id: id, event: event)
        if api.json {
            try printJSON(answer.data, output: output)
        } else {
            output.out(WebhookFormat.testLine(event: event, result: answer.value))
        }
        if !answer.value.succeed {
            throw NotifyError(
                "Fivetran's test delivery of \(event) to webhook \(id) did not succeed"
                    + " (the receiver answered \(answer.value.status == 0 ? "nothing" : String(answer.value.status))"
                    + "\(answer.value.message.map { ": \($0)" } ?? "")). "
                    + "Check that the receiver answers 2xx, e.g. that `fivetran-notify listen` runs behind its URL.")
        }
    }

    // MARK: - Shared

    /// A client built from the resolved settings; fails (exit 77) when the credentials are missing.
    public static func makeClient(_ api: APICallOptions, context: CommandContext) throws -> FivetranAPIClient {
        let settings = try Settings.load(flags: api.flags, context: context)
        let credentials = try settings.credentials()
        let output = context.output
        var trace: (@Sendable (String) -> Void)? = nil
        if api.verbose {
            trace = { line in output.err(line) }
        }
        return FivetranAPIClient(
            baseURL: settings.apiURL,
            credentials: credentials,
            transport: CurlTransport(),
            timeout: api.timeout,
            sleep: context.sleep,
            now: context.now,
            trace: trace,
            notice: { output.err("note: \($0)") }
        )
    }

    static func warnAboutUnknownEvents(_ events: [String], output: Output) {
        for name in WebhookEvents.unknown(in: events) {
            output.err(
                "warning: \"\(name)\" is not an event Fivetran is known to send; sending it anyway. "
                    + "Known events: \(WebhookEvents.known.joined(separator: ", ")).")
        }
    }

    /// Prints JSON for `jq`: indented, keys sorted, slashes unescaped.
    static func printJSON(_ value: JSONValue?, output: Output) throws {
        output.out(JSONOutput.render(value ?? .null))
    }
}
