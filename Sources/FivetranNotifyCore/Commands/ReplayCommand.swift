import Foundation

/// The work of `replay`: puts the messages Slack refused for good back in the queue of a state
/// directory a listener has already made (`--state-dir` as given, nil for the default).
public enum ReplayCommand {
    /// `replay --failed`: re-queues the failed messages, each to the destination its route names today
    /// (SLACK_WEBHOOK_URL or config.toml's `slack_webhook_url` and `[[route]]`s; the stored URL when
    /// neither is set), and says how many.
    public static func replayFailed(stateDirectory: String?, context: CommandContext) async throws {
        let directory = context.paths.stateDirectory(given: stateDirectory)
        let routes = try todaysRoutes(context: context)
        let count = try await DeliveryStore.withStore(stateDirectory: directory, mustExist: true) { store in
            try await store.requeueFailed(now: context.now()) { delivery in routes?.destination(for: delivery) }
        }
        context.output.out(
            count == 0
                ? "No failed messages to replay."
                : "Re-queued \(count) failed \(count == 1 ? "message" : "messages"); a running listener sends "
                    + "\(count == 1 ? "it" : "them") within a few seconds, otherwise the next `listen` does.")
    }

    /// The routes as configured now, or nil when no Slack URL is configured at all.
    private static func todaysRoutes(context: CommandContext) throws -> RouteTable? {
        let settings = try Settings.load(flags: SettingFlags(), context: context)
        guard let url = settings.slackWebhookURL, case .success(let checked) = SlackURL.checked(url) else { return nil }
        return try RouteTable.load(from: settings.configFile, defaultURL: checked, environment: context.environment)
    }
}
