import Foundation
import Logging

/// The work of `db import`: one listener's SQLite state moved into the PostgreSQL several listeners
/// will share (ha.md), once, into an empty database.
public enum DatabaseImportCommand {
    /// Imports `<dir>/fivetran-notify.sqlite` into the database given (`--database`, else the
    /// environment, else config.toml) and says what was moved.
    public static func run(fromStateDirectory: String, database: String?, context: CommandContext) async throws {
        let directory = URL(fileURLWithPath: fromStateDirectory)
        let file = directory.appendingPathComponent(DeliveryStore.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw DeliveryStore.noState(in: directory) }
        guard let url = try DatabaseSettings.load(flag: database, context: context) else {
            throw NotifyError(
                "db import needs the database to fill: --database URL (or \(DatabaseSettings.variable), or "
                    + "database_url in config.toml).", exitCode: ExitStatus.usage)
        }
        // No listener may write the file while it is read: stop it first.
        let lock = try StateDirectoryLock.acquire(stateDirectory: directory)
        defer { withExtendedLifetime(lock) {} }
        // An older release's file is brought up to today's schema, which the import reads.
        await (try DeliveryStore(path: file.path)).close()
        let store = try await PostgresStore.open(
            url: url, logger: Logger(label: "fivetran-notify", factory: { _ in SwiftLogNoOpLogHandler() }))
        let summary: PostgresImport.Summary
        do {
            summary = try await PostgresImport.run(sqlitePath: file.path, into: store)
            await store.close()
        } catch let error as NotifyError {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw NotifyError(
                "The import into \(url.redacted) failed, and left it as it was: \(store.failureText(error)).")
        }
        context.output.out(
            "Imported \(summary.deliveries) deliveries, \(summary.messages) messages, \(summary.incidents) open "
                + "incidents, \(summary.mutes) mutes and \(summary.posts) Slack message ids into \(url.redacted).")
        context.output.err(
            "Start the listeners with --database; \(directory.path) is no longer used by them (keep it as a backup).")
    }
}
