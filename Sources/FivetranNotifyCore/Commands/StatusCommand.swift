import Foundation

/// The work of `status`: reads a state directory a listener has already made (`--state-dir` as given, nil
/// for the default).
public enum StatusCommand {
    /// `status`: the report, as text or JSON.
    public static func run(json: Bool, stateDirectory: String?, database: String? = nil, context: CommandContext)
        async throws
    {
        let directory = context.paths.stateDirectory(given: stateDirectory)
        // Reading only: works on a state directory it cannot write (a backup copy, a read-only mount).
        let loaded = try await StateAccess.withReadingStore(
            stateDirectory: stateDirectory, database: database, context: context
        ) { store in
            try await StatusReport.load(
                from: store, now: context.now(), describePost: SlackAppDestination.summary(ofPost:))
        }
        guard var report = loaded else { throw DeliveryStore.noState(in: directory) }
        report.watch = WatchStatus.read(stateDirectory: directory)
        context.output.out(json ? try ReportJSON.encode(report) : report.text(now: context.now()))
    }
}
