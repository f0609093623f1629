import Foundation

/// The work of `replay`: puts the messages Slack refused for good back in the queue of a state
/// directory a listener has already made (`--state-dir` as given, nil for the default).
public enum ReplayCommand {
    /// `replay --failed`: re-queues the failed messages and says how many.
    public static func replayFailed(stateDirectory: String?, context: CommandContext) async throws {
        let directory = context.paths.stateDirectory(given: stateDirectory)
        let count = try await DeliveryStore.withStore(stateDirectory: directory, mustExist: true) { store in
            try await store.requeueFailed(now: context.now())
        }
        context.output.out(
            count == 0
                ? "No failed messages to replay."
                : "Re-queued \(count) failed \(count == 1 ? "message" : "messages"); a running listener sends "
                    + "\(count == 1 ? "it" : "them") within a few seconds, otherwise the next `listen` does.")
    }
}
