import Foundation

/// The work of `status` and `replay`; both read a state directory a listener has already made.
public enum StatusCommand {
    /// `status`: the report, as text or JSON.
    public static func run(json: Bool, stateDirectory: URL, context: CommandContext) async throws {
        let report = try await DeliveryStore.withStore(stateDirectory: stateDirectory, mustExist: true) { store in
            try await StatusReport.load(from: store, now: context.now())
        }
        context.output.out(json ? try ReportJSON.encode(report) : report.text(now: context.now()))
    }

    /// `replay --failed`: re-queues the failed messages and says how many.
    public static func replayFailed(stateDirectory: URL, context: CommandContext) async throws {
        let count = try await DeliveryStore.withStore(stateDirectory: stateDirectory, mustExist: true) { store in
            try await store.requeueFailed(now: context.now())
        }
        context.output.out(
            count == 0
                ? "No failed messages to replay."
                : "Re-queued \(count) failed \(count == 1 ? "message" : "messages"); a running listener sends "
                    + "\(count == 1 ? "it" : "them") within a few seconds, otherwise the next `listen` does.")
    }
}
