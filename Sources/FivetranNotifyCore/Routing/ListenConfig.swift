import Foundation

/// The `[listen]` table of config.toml: noise-control settings that flags can override.
public struct ListenConfig: Sendable, Equatable {
    /// Post a "recovered" message when a connector whose failure was posted syncs successfully.
    public var notifyResolved: Bool
    /// How long a connector that keeps failing the same way stays quiet before a reminder.
    public var remindEvery: Duration
    /// The events forwarded (nil: the default failure events).
    public var events: [String]?
    /// Deliveries created longer ago are stored, not forwarded (nil: `--max-age`'s default, 3 days).
    public var maxAge: Duration?

    public static let defaultRemindEvery = NoticePolicy.defaultRemindEvery

    public init(
        notifyResolved: Bool = false, remindEvery: Duration = defaultRemindEvery, events: [String]? = nil,
        maxAge: Duration? = nil
    ) {
        self.notifyResolved = notifyResolved
        self.remindEvery = remindEvery
        self.events = events
        self.maxAge = maxAge
    }

    private static let keys: Set<String> = ["notify_resolved", "remind_every", "events", "max_age"]

    /// Reads `[listen]`; an unknown key or a wrong type stops `listen` with the file and line.
    public static func load(from config: ConfigFile?) throws -> ListenConfig {
        var result = ListenConfig()
        guard let config, let table = try config.table("listen") else { return result }
        let section = ConfigSection.table("listen")
        for key in table.keys where !keys.contains(key) {
            throw config.error(
                "[listen]: unknown key \"\(key)\" (known: \(keys.sorted().joined(separator: ", ")))", key: key,
                section: section)
        }
        if let value = table["notify_resolved"] {
            guard let flag = value.boolValue else {
                throw config.error(
                    "notify_resolved must be true or false, not \(value.typeName)", key: "notify_resolved",
                    section: section)
            }
            result.notifyResolved = flag
        }
        if let text = try config.string("remind_every", in: table, section: section) {
            result.remindEvery = try DurationText.read(text, within: .longWait, example: "90s, 15m, 4h or 1d")
                .mapError { config.error("remind_every: \($0.sentence)", key: "remind_every", section: section) }.get()
        }
        if let text = try config.string("max_age", in: table, section: section) {
            result.maxAge = try DurationText.read(text, within: .longWait, example: "12h, 3d or 7d")
                .mapError { config.error("max_age: \($0.sentence)", key: "max_age", section: section) }.get()
        }
        if let value = table["events"] {
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw config.error(
                    "events must be a list of event names, like [\"sync_end\", \"dbt_run_failed\"]", key: "events",
                    section: section)
            }
            result.events = list.compactMap(\.stringValue)
        }
        return result
    }
}
