import Foundation

/// `webhook update`: sends only the fields given.
extension WebhookActions {
    /// What `webhook update` was asked to change.
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
        let client = try api.client(context: context)
        switch options.secret {
        case .given(let value)?:
            changes.secret = value
        case .storedKey?:
            changes.secret = try storedKey(context) { path in
                "No signing key is stored in \(path). Run `fivetran-notify keygen` first, or pass --secret S."
            }.key
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
}
