import Foundation
import Logging
import ServiceLifecycle

/// Notices when the state file is deleted or replaced under a running listener. SQLite would write on
/// to the unlinked file and every 200 would be a lie; instead the store is marked lost, so deliveries
/// and `/healthz` are answered 503 (Fivetran retries them) until the listener is restarted.
public struct StateFileWatcher: Service {
    let store: DeliveryStore
    let interval: Duration
    let logger: Logger

    public init(store: DeliveryStore, interval: Duration = .seconds(2), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Watches until the listener stops (a service that returned would stop the whole listener).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            guard let original = Self.identity(store.path) else { return }
            while true {
                try await Task.sleep(for: interval)
                let now = Self.identity(store.path)
                guard now != original else { continue }
                let what = now == nil ? "was deleted" : "was replaced by another file"
                store.markLost("the state file \(store.path) \(what) while listen was running")
                logger.critical(
                    """
                    the state file \(store.path) \(what): deliveries are answered 503 (Fivetran retries them) \
                    until listen is restarted. Restore the file or restart listen to begin a new one.
                    """)
                break
            }
        }
        try? await gracefulShutdown()
    }

    /// The file's device and inode, or nil when it is not there.
    static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }
}
