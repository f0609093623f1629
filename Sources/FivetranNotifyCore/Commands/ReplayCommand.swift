import Foundation

/// The work of `replay`: puts the messages a destination refused for good back in the queue of a state
/// directory a listener has already made (`--state-dir` as given, nil for the default).
public enum ReplayCommand {
    /// `replay --failed`: re-queues the failed messages and says how many. Each names its route and
    /// destination kind, not a URL: the running listener sends it to the destination that route has in
    /// its configuration at that moment, whatever this shell's environment says. A PagerDuty trigger whose
    /// incident recovered since is not replayed: nobody is paged for a fixed connector.
    public static func replayFailed(stateDirectory: String?, database: String? = nil, context: CommandContext)
        async throws
    {
        let result = try await StateAccess.withStore(
            stateDirectory: stateDirectory, database: database, mustExist: true, context: context
        ) { store in
            store.setCapabilities(DestinationCatalog.capabilities)
            return try await store.requeueFailed(now: context.now())
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
