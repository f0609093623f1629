/// Fivetran's names for events and sync statuses that the code decides on, written once.
public enum EventName {
    /// A sync ended (successfully or not); `data.status` says how.
    public static let syncEnd = "sync_end"
    /// The legacy name of `sync_end` in older webhook payloads.
    public static let legacyStatus = "status"
    /// What the account watch's synthetic findings are called by: `watch_connection_broken`, …
    public static let watchPrefix = "watch_"

    /// Whether the event is one of the account watch's findings (or their `_cleared`).
    public static func isWatchFinding(_ event: String) -> Bool { event.hasPrefix(watchPrefix) }
}

/// Fivetran's sync statuses that the code decides on.
public enum SyncStatus {
    public static let successful = "SUCCESSFUL"

    /// Whether a `data.status` says the sync succeeded (statuses compare without regard to case).
    public static func isSuccessful(_ status: String?) -> Bool {
        status?.uppercased() == successful
    }
}

extension Delivery {
    /// A `sync_end` event.
    public var isSyncEnd: Bool { event == EventName.syncEnd }

    /// Its `data.status` says the sync succeeded.
    public var isSuccessful: Bool { SyncStatus.isSuccessful(status) }

    /// One of the account watch's findings (`watch_…`), not a delivery from Fivetran.
    public var isWatchFinding: Bool { EventName.isWatchFinding(event) }
}
