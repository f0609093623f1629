import Foundation

/// The work of `status` and `replay`.
public enum StatusCommand {
    /// `status`: the report, as text or JSON.
    public static func run(json: Bool, stateDirectory: URL, context: CommandContext) async throws {
        let store = try openExisting(stateDirectory)
        defer { Task { await store.close() } }
        let report = try await StatusReport.load(from: store, now: context.now())
        context.output.out(json ? try ReportJSON.encode(report) : report.text(now: context.now()))
    }

    /// `replay --failed`: re-queues the failed messages and says how many.
    public static func replayFailed(stateDirectory: URL, context: CommandContext) async throws {
        let store = try openExisting(stateDirectory)
        defer { Task { await store.close() } }
        let count = try await store.requeueFailed(now: context.now())
        context.output.out(
            count == 0
                ? "No failed messages to replay."
                : "Re-queued \(count) failed \(count == 1 ? "message" : "messages"); a running listener sends "
                    + "\(count == 1 ? "it" : "them") within a few seconds, otherwise the next `listen` does.")
    }

    /// The store of a state directory that must already exist (these commands never create one).
    static func openExisting(_ directory: URL) throws -> DeliveryStore {
        let file = directory.appendingPathComponent(DeliveryStore.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw NotifyError(
                "No listener state in \(directory.path): `fivetran-notify listen` has not run with this state "
                    + "directory. Pass --state-dir if it uses another.")
        }
        return try DeliveryStore.open(stateDirectory: directory)
    }
}
