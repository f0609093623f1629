import Foundation

/// The work of `replay`: puts the messages a destination refused for good back in the queue of a state
/// directory a listener has already made (`--state-dir` as given, nil for the default).
public enum ReplayCommand {
    /// `replay --failed`: re-queues the failed messages, each to the destination of its kind that its
    /// route names today (flags, environment and config.toml, as `listen` reads them; where it was
    /// going when no such destination is configured), and says how many. A PagerDuty trigger whose
    /// incident recovered since is not replayed: nobody is paged for a fixed connector.
    public static func replayFailed(stateDirectory: String?, context: CommandContext) async throws {
        let directory = context.paths.stateDirectory(given: stateDirectory)
        let routes = try? ConfiguredRoutes.load(context: context)
        let result = try await DeliveryStore.withStore(stateDirectory: directory, mustExist: true) { store in
            try await store.requeueFailed(now: context.now()) { delivery, kind in
                routes?.destinations(for: delivery).first { $0.kind == kind }?.encoded
            }
        }
        let count = result.requeued
        var lines = [
            count == 0
                ? "No failed messages to replay."
                : "Re-queued \(count) failed \(count == 1 ? "message" : "messages"); a running listener sends "
                    + "\(count == 1 ? "it" : "them") within a few seconds, otherwise the next `listen` does."
        ]
        if result.skipped > 0 {
            lines.append(
                "Skipped \(result.skipped) PagerDuty \(result.skipped == 1 ? "trigger" : "triggers") whose "
                    + "connector recovered since (nobody needs paging for it).")
        }
        for line in lines { context.output.out(line) }
    }
}
