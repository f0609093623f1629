import Foundation
import Logging

/// Where the short-lived commands (`status`, `mute`, `replay`) find the listener's state: the shared
/// PostgreSQL when a database URL is given (`--database`, `FIVETRAN_NOTIFY_DATABASE_URL`,
/// `database_url`), from any machine; else the SQLite file in the state directory.
enum StateAccess {
    /// Runs `work` with the store and closes it afterwards, whatever `work` does.
    static func withStore<T>(
        stateDirectory: String?, database: String?, mustExist: Bool = false, context: CommandContext,
        _ work: (any StateStore) async throws -> T
    ) async throws -> T {
        guard let url = try DatabaseSettings.load(flag: database, context: context) else {
            let directory = context.paths.stateDirectory(given: stateDirectory)
            return try await DeliveryStore.withStore(stateDirectory: directory, mustExist: mustExist) {
                try await work($0)
            }
        }
        return try await withShared(url, work)
    }

    /// Runs `work` only to read the state; nil when a state directory holds none.
    static func withReadingStore<T>(
        stateDirectory: String?, database: String?, context: CommandContext, _ work: (any StateStore) async throws -> T
    ) async throws -> T? {
        guard let url = try DatabaseSettings.load(flag: database, context: context) else {
            let directory = context.paths.stateDirectory(given: stateDirectory)
            return try await DeliveryStore.withReadingStore(stateDirectory: directory) { try await work($0) }
        }
        return try await withShared(url, work)
    }

    private static func withShared<T>(_ url: PostgresURL, _ work: (any StateStore) async throws -> T) async throws
        -> T
    {
        let store = try await PostgresStore.open(
            url: url, logger: Logger(label: "fivetran-notify", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            let result = try await work(store)
            await store.close()
            return result
        } catch let error as NotifyError {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw NotifyError("The shared state could not be used: \(store.failureText(error)).")
        }
    }
}
