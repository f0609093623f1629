import Foundation

/// `webhook create`: an account or group webhook, its secret, and optionally a test of each event.
extension WebhookActions {
    /// What `webhook create` was asked for.
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

    public static func create(_ options: CreateOptions, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        let events = options.events.isEmpty ? WebhookEvents.defaultsForCreate : WebhookEvents.parse(options.events)
        warnAboutUnknownEvents(events, output: output)
        if let warning = WebhookInput.urlWarning(options.url) { output.err(warning) }

        let client = try api.client(context: context)
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
            let stored = try storedKey(context) { path in
                "No signing key is stored in \(path), and the webhook needs one as its secret. "
                    + "Run `fivetran-notify keygen` first, pass --secret S, or pass --no-secret to create an "
                    + "unsigned webhook on purpose."
            }
            secret = stored.key
            secretNote = "the stored signing key (\(stored.path))"
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
}
