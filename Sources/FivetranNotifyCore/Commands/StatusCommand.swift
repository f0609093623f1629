import Foundation

/// The work of `status`: reads a state directory a listener has already made (`--state-dir` as given, nil
/// for the default).
public enum StatusCommand {
    /// `status`: the report, as text or JSON.
    public static func run(json: Bool, stateDirectory: String?, context: CommandContext) async throws {
        let directory = context.paths.stateDirectory(given: stateDirectory)
        var report = try await DeliveryStore.withStore(stateDirectory: directory, mustExist: true) { store in
            try await StatusReport.load(from: store, now: context.now())
        }
        report.watch = WatchStatus.read(stateDirectory: directory)
        context.output.out(json ? try ReportJSON.encode(report) : report.text(now: context.now()))
    }
}
