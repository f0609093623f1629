import Foundation

/// What one sweep read. A part that could not be read is nil: its conditions are neither reported nor
/// cleared this time.
public struct AccountObservation: Sendable, Equatable {
    /// Every webhook; nil when not read (no public URL, or the API failed).
    public var webhooks: [Webhook]?
    /// The connections read; nil when the list failed.
    public var connections: [Connection]?
    /// False when a page of the connections list could not be read: a connection missing from the
    /// list may still exist, so its incidents are not cleared.
    public var connectionsComplete: Bool
    /// Group names known (from this sweep and earlier ones), by group id.
    public var groupNames: [String: String]
    /// Webhooks this sweep tried to turn back on (`reactivate = true`): nil for success, else the error.
    public var reactivation: [String: String?]

    public init(
        webhooks: [Webhook]? = nil, connections: [Connection]? = nil, connectionsComplete: Bool = true,
        groupNames: [String: String] = [:], reactivation: [String: String?] = [:]
    ) {
        self.webhooks = webhooks
        self.connections = connections
        self.connectionsComplete = connectionsComplete
        self.groupNames = groupNames
        self.reactivation = reactivation
    }
}

/// What the watch remembers between sweeps.
public struct WatchMemory: Sendable, Equatable {
    /// Whether the webhooks, and the connections, have been read at least once.
    public var webhooksSeen = false
    public var connectionsSeen = false
    /// Each connection's paused state at the last sweep that read it.
    public var paused: [String: Bool] = [:]
    /// The incidents this watch holds open, by incident key, with the last finding submitted (nil for
    /// one adopted from the store at the first sweep: open before a restart).
    public var open: [String: WatchFinding?] = [:]
    /// Keys adopted from the store whose condition has not been judged yet: present at the first look,
    /// they are not announced again.
    public var adopted: Set<String> = []
    /// Whether the store's open incidents have been read.
    public var adoptedStore = false

    public init() {}
}

/// The pure part of a sweep (watch.md): from the last sweep's memory and what this sweep read, the
/// findings to submit (failures while a condition lasts, `_cleared` when it ends) and the new memory.
public enum AccountSweep {
    public struct Result: Sendable, Equatable {
        public var findings: [WatchFinding]
        public var memory: WatchMemory
    }

    /// The watch's incident families.
    public static let families: Set<IncidentSignal.Family> = [.webhook, .broken, .paused, .stale]

    /// Judges a sweep.
    /// - Parameters:
    ///   - memory: what the previous sweeps left (a fresh `WatchMemory` at start).
    ///   - openInStore: the store's open incident keys ("family|subject"); read at the first sweep only
    ///     (nil afterwards), so that a restart neither re-announces nor forgets what is open.
    public static func evaluate(
        memory previous: WatchMemory, observation: AccountObservation, settings: WatchSettings, now: Date,
        openInStore: Set<String>?
    ) -> Result {
        var memory = previous
        if !memory.adoptedStore, let openInStore {
            memory.adoptedStore = true
            for key in openInStore where isWatchKey(key) && memory.open[key] == nil {
                memory.open[key] = .some(nil)
                memory.adopted.insert(key)
            }
        }
        var findings: [WatchFinding] = []

        /// Reports the conditions of one part: `present` are the conditions now; `owns` says which
        /// open keys this part judges.
        func judge(
            _ present: [WatchFinding], owns: (String) -> Bool, describe: (String) -> WatchFinding?,
            clearTitle: (WatchFinding) -> String
        ) {
            let presentKeys = Set(present.map(\.incidentKey))
            for finding in present {
                let key = finding.incidentKey
                if memory.adopted.remove(key) == nil {
                    findings.append(finding)
                }
                memory.open[key] = finding
            }
            for key in memory.open.keys.sorted() where owns(key) && !presentKeys.contains(key) {
                let last = memory.open[key] ?? nil
                let finding = last ?? describe(key)
                if let finding {
                    findings.append(finding.clearing(title: clearTitle(finding)))
                }
                memory.open[key] = nil
                memory.adopted.remove(key)
            }
        }

        if let webhooks = observation.webhooks, let publicURL = settings.publicURL {
            memory.webhooksSeen = true
            let present = webhookCondition(webhooks, publicURL: publicURL, reactivation: observation.reactivation)
            judge(
                present.map { [$0] } ?? [], owns: { family(of: $0) == .webhook }, describe: { placeholder(key: $0) },
                clearTitle: { _ in
                    "Fivetran is sending alerts here again — a webhook pointing at \(publicURL) is active"
                })
        }

        if let connections = observation.connections {
            let firstLook = !memory.connectionsSeen
            memory.connectionsSeen = true
            var present: [WatchFinding] = []
            var seen = Set<String>()
            for connection in connections {
                seen.insert(connection.id)
                let groupName = connection.groupID.flatMap { observation.groupNames[$0] }
                let wasPaused = firstLook ? nil : previous.paused[connection.id]
                present += connectionConditions(
                    connection, groupName: groupName, wasPaused: wasPaused,
                    pausedOpen: memory.open[WatchFinding.incidentKey(.paused, connection.id)] != nil,
                    settings: settings, now: now)
                memory.paused[connection.id] = isPaused(connection)
            }
            if observation.connectionsComplete {
                memory.paused = memory.paused.filter { seen.contains($0.key) }
            }
            let complete = observation.connectionsComplete
            let byID = Dictionary(connections.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            judge(
                present,
                owns: { key in
                    guard let family = family(of: key), family != .webhook else { return false }
                    // A connection missing from an incomplete list may still exist.
                    return complete || seen.contains(subject(of: key))
                },
                describe: { key in
                    // Adopted from the store: named from the connection when it still exists.
                    guard var finding = placeholder(key: key) else { return nil }
                    if let c = byID[finding.subject] {
                        finding.connectorName = c.schema
                        finding.connectorType = c.service
                        finding.groupID = c.groupID
                        finding.groupName = c.groupID.flatMap { observation.groupNames[$0] }
                    }
                    return finding
                },
                clearTitle: clearedTitle)
        }
        return Result(findings: findings, memory: memory)
    }

    // MARK: - Webhooks

    /// The webhook condition: no webhook has the public URL, or none of those is active.
    static func webhookCondition(_ webhooks: [Webhook], publicURL: String, reactivation: [String: String?])
        -> WatchFinding?
    {
        let target = WatchText.normalizedURL(publicURL)
        let matching = webhooks.filter { $0.url.map(WatchText.normalizedURL) == target }
            .sorted { $0.id < $1.id }
        let subject = "webhook:\(publicURL)"
        guard let first = matching.first else {
            return WatchFinding(
                kind: .webhookInactive, subject: subject,
                title: "Fivetran is not sending alerts here — no webhook points at \(publicURL)",
                reason: "No webhook in the Fivetran account has the URL \(publicURL), so Fivetran sends this "
                    + "listener nothing.",
                severity: .warning, status: "missing",
                fix: "fivetran-notify webhook create --account --url \(publicURL)")
        }
        guard !matching.contains(where: \.active) else { return nil }
        if let turnedOn = matching.first(where: { reactivation[$0.id].map { $0 == nil } == true }) {
            return WatchFinding(
                kind: .webhookInactive, subject: subject,
                title: "Fivetran had stopped sending alerts here — webhook \(turnedOn.id) was inactive and has been "
                    + "turned back on",
                reason: "Webhook \(turnedOn.id) (\(publicURL)) was inactive: Fivetran turns off webhooks whose "
                    + "deliveries keep failing. [watch] reactivate = true turned it back on (PATCH active: true).",
                severity: .warning, status: "reactivated")
        }
        var reason =
            "Webhook \(first.id) (\(publicURL)) is inactive: Fivetran turns off webhooks whose deliveries keep "
            + "failing, and then sends nothing."
        if let failure = matching.lazy.compactMap({ reactivation[$0.id] ?? nil }).first {
            // On a line of its own: noise control compares the first line, and errors vary.
            reason += "\n[watch] reactivate = true, but turning it back on failed: \(failure)"
        }
        return WatchFinding(
            kind: .webhookInactive, subject: subject,
            title: "Fivetran is not sending alerts here — webhook \(first.id) is inactive (Fivetran turns off "
                + "webhooks whose deliveries keep failing)",
            reason: reason, severity: .warning, status: "inactive",
            fix: "fivetran-notify webhook update \(first.id) --active")
    }

    // MARK: - Connections

    static func isPaused(_ c: Connection) -> Bool {
        c.paused || c.status.syncState == "paused"
    }

    /// The task and warning messages ("message: details"), tasks first.
    static func messages(_ c: Connection, warnings: Bool = true) -> [String] {
        (c.status.tasks + (warnings ? c.status.warnings : [])).compactMap(\.text)
    }

    static func connectionConditions(
        _ c: Connection, groupName: String?, wasPaused: Bool?, pausedOpen: Bool, settings: WatchSettings, now: Date
    ) -> [WatchFinding] {
        func finding(
            _ kind: WatchFinding.Kind, _ title: String, _ reason: String?, _ severity: AlertSeverity,
            _ status: String
        ) -> WatchFinding {
            WatchFinding(
                kind: kind, subject: c.id, connectorID: c.id, connectorName: c.schema, connectorType: c.service,
                groupID: c.groupID, groupName: groupName, title: title, reason: reason, severity: severity,
                status: status)
        }
        var result: [WatchFinding] = []
        if c.status.setupState == "broken" {
            let tasks = messages(c, warnings: false)
            let reason =
                tasks.isEmpty
                ? (messages(c).first.map { $0 }
                    ?? "Fivetran reports the connection's setup as broken and names no task to fix it.")
                : tasks.joined(separator: "\n")
            result.append(finding(.connectionBroken, "Connector broken — \(c.name)", reason, .failure, "broken"))
        }
        if isPaused(c) {
            let explained = messages(c)
            let newlyPaused = wasPaused == false && !explained.isEmpty
            if newlyPaused || pausedOpen {
                let reason = explained.isEmpty ? "Paused in Fivetran." : explained.joined(separator: "\n")
                result.append(finding(.connectionPaused, "Connector paused — \(c.name)", reason, .warning, "paused"))
            }
        }
        if let stale = staleCondition(c, settings: settings, now: now) {
            result.append(finding(.connectionStale, stale.title, stale.reason, .warning, stale.status))
        }
        return result
    }

    /// The stale rule: a connection that should be syncing whose last success is older than
    /// `stale_after` (or 3 × its frequency, at least an hour), or that Fivetran reports delayed.
    static func staleCondition(_ c: Connection, settings: WatchSettings, now: Date)
        -> (title: String, reason: String, status: String)?
    {
        let status = c.status
        guard !isPaused(c), c.scheduleType == "auto", status.setupState == "connected", !status.isHistoricalSync
        else { return nil }
        if status.syncState == "rescheduled", status.rescheduledFor.map { $0 > now } ?? true { return nil }
        let frequency = c.syncFrequency ?? 360
        let threshold =
            settings.staleAfter.map { Double($0.components.seconds) } ?? max(Double(frequency) * 180, 3600)
        let every = "syncs every \(hours(Double(frequency) * 60))"
        let last = c.succeededAt ?? c.createdAt
        let lastText =
            c.succeededAt.map { "Last successful sync \(TimeText.absolute($0))" }
            ?? c.createdAt.map { "Never synced successfully since it was created \(TimeText.absolute($0))" }
            ?? "Never synced successfully"
        if let last, now.timeIntervalSince(last) > threshold {
            let age = hours(now.timeIntervalSince(last))
            return (
                "No successful sync for \(age) — \(c.name) (\(every))",
                "\(lastText); it \(every), so it counts as stale after \(hours(threshold)).", "stale"
            )
        }
        if status.updateState == "delayed" {
            return (
                "Data delayed — \(c.name) (Fivetran reports it delayed)",
                "Fivetran reports the connection's data delayed (update_state delayed). \(lastText); it \(every).",
                "delayed"
            )
        }
        return nil
    }

    /// "9 h", "45 min", "3 d": coarse, for titles.
    static func hours(_ interval: TimeInterval) -> String {
        let minutes = max(0, Int(interval / 60))
        if minutes >= 2 * 1440 { return "\(minutes / 1440) d" }
        if minutes >= 60 { return "\(minutes / 60) h" }
        return "\(minutes) min"
    }

    static func clearedTitle(_ f: WatchFinding) -> String {
        let name = f.connectorName ?? f.connectorID ?? f.subject
        switch f.kind {
        case .connectionBroken: return "Connector no longer broken — \(name)"
        case .connectionPaused: return "Connector resumed — \(name)"
        case .connectionStale: return "Syncing again — \(name)"
        case .webhookInactive: return "Fivetran is sending alerts here again"
        }
    }

    // MARK: - Keys

    static func isWatchKey(_ key: String) -> Bool { family(of: key) != nil }

    static func family(of key: String) -> IncidentSignal.Family? {
        guard let family = IncidentKey(text: key)?.family, families.contains(family) else { return nil }
        return family
    }

    static func subject(of key: String) -> String {
        IncidentKey(text: key)?.subject ?? key
    }

    /// The finding an adopted key stood for, with what the key says (its subject).
    static func placeholder(key: String) -> WatchFinding? {
        guard let family = family(of: key), let kind = WatchFinding.Kind(family: family) else { return nil }
        let subject = subject(of: key)
        let connector = family == .webhook ? nil : subject
        return WatchFinding(kind: kind, subject: subject, connectorID: connector, title: "", status: "open")
    }
}
