import Foundation

/// What `fivetran-notify status` shows: the queue, the connectors failing now, the active mutes.
/// Read straight from the state directory, so it works while a listener runs.
public struct StatusReport: Encodable, Sendable {
    public var pending: Int
    public var failed: Int
    public var delivered: Int
    /// The same counts per destination kind (`slack`, `pagerduty`, `teams`, `forward`) that has messages.
    public var destinations: [String: Counts]
    public var failing: [FailingSubject]
    public var mutes: [MuteEntry]
    /// With a shared database: how many messages each node sent.
    public var nodes: [String: Int]?
    /// The account watch's last sweep (`watch.json`), when the listener watches.
    public var watch: WatchStatus?
    /// The mutes themselves, for the text report.
    private var activeMutes: [Mute]

    enum CodingKeys: String, CodingKey {
        case pending, failed, delivered, destinations, failing, mutes, watch
    }

    /// One destination kind's queue.
    public struct Counts: Encodable, Sendable {
        public var pending: Int
        public var failed: Int
        public var delivered: Int
    }

    /// A connector (or dbt job) with an open incident.
    public struct FailingSubject: Encodable, Sendable {
        public var id: String
        public var name: String
        public var kind: String
        public var status: String?
        public var reason: String?
        public var firstFailure: String
        public var lastFailure: String
        public var count: Int
        public var muted: Bool
        /// The message a destination keeps for it (Slack app mode), and who acknowledged or muted it there.
        public var message: String?
        public var acknowledgedBy: String?
        public var acknowledgedAt: String?
        public var mutedBy: String?
        public var mutedUntil: String?
        /// With a shared database: the node that sent its latest message.
        public var sentBy: String?

        enum CodingKeys: String, CodingKey {
            case id, name, kind, status, reason, count, muted, message
            case sentBy = "sent_by"
            case firstFailure = "first_failure"
            case lastFailure = "last_failure"
            case acknowledgedBy = "acknowledged_by"
            case acknowledgedAt = "acknowledged_at"
            case mutedBy = "muted_by"
            case mutedUntil = "muted_until"
        }

        /// Who did what from the message, in words ("acknowledged by @alice at 10:14").
        func actions(now: Date) -> String {
            var said: [String] = []
            if let acknowledgedBy { said.append("acknowledged by \(acknowledgedBy)") }
            if let mutedBy { said.append("muted by \(mutedBy)" + (mutedUntil.map { " until \($0)" } ?? "")) }
            return said.joined(separator: ", ")
        }
    }

    /// An active mute.
    public struct MuteEntry: Encodable, Sendable {
        public var id: String
        public var kind: String
        public var value: String
        public var until: String
        public var reason: String?

        init(_ mute: Mute) {
            id = mute.id
            kind = mute.target.kind
            value = mute.target.value
            until = ISO8601Timestamp.string(from: mute.until)
            reason = mute.reason
        }
    }

    /// Reads the report from the store.
    /// - Parameter describePost: what a destination's kept post says (its link, who acknowledged or muted).
    public static func load(
        from store: any StateStore, now: Date, describePost: (String) -> PostSummary? = { _ in nil }
    ) async throws -> StatusReport {
        let counts = try await store.counts()
        var destinations: [String: Counts] = [:]
        for (kind, counted) in try await store.countsByKind() {
            destinations[kind.rawValue] = Counts(
                pending: counted.pending, failed: counted.failed, delivered: counted.delivered)
        }
        let mutes = try await store.activeMutes(at: now)
        let incidents = try await store.openIncidents()
        let keys = incidents.map { IncidentKey($0.incident.family, $0.incident.subject).text }
        let posts = try await store.posts(incidents: keys)
        let senders = try await store.senders(incidents: keys)
        let nodes = try await store.sentByNode()
        let failing = incidents.map { stored in
            var subject = FailingSubject(
                id: stored.incident.subject, name: stored.name, kind: stored.incident.family.rawValue,
                status: stored.incident.status, reason: stored.incident.reason,
                firstFailure: ISO8601Timestamp.string(from: stored.incident.firstFailureAt),
                lastFailure: ISO8601Timestamp.string(from: stored.incident.lastFailureAt),
                count: stored.incident.failures,
                muted: mutes.contains { $0.matches(stored.lastDelivery) })
            let key = IncidentKey(stored.incident.family, stored.incident.subject).text
            subject.sentBy = senders[key]
            if let post = posts[key], post.open, let summary = describePost(post.post) {
                subject.message = summary.link
                subject.acknowledgedBy = summary.acknowledgedBy
                subject.acknowledgedAt = summary.acknowledgedAt.map(ISO8601Timestamp.string(from:))
                subject.mutedBy = summary.mutedBy
                subject.mutedUntil = summary.mutedUntil.map(ISO8601Timestamp.string(from:))
            }
            return subject
        }
        var report = StatusReport(
            pending: counts.pending, failed: counts.failed, delivered: counts.delivered, destinations: destinations,
            failing: failing,
            mutes: mutes.map(MuteEntry.init), activeMutes: mutes)
        report.nodes = nodes.isEmpty ? nil : nodes
        return report
    }

    /// The report for people.
    public func text(now: Date) -> String {
        var lines = ["Queue: \(pending) pending, \(failed) failed, \(delivered) delivered."]
        if let nodes {
            lines.append(
                "  Sent by node: "
                    + nodes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    + ".")
        }
        // Per kind once more than Slack is in use (or anything failed), so a PagerDuty outage shows as one.
        if destinations.count > 1 || failed > 0 {
            for kind in DestinationKind.allCases {
                guard let counts = destinations[kind.rawValue] else { continue }
                lines.append(
                    "  \(kind.displayName): \(counts.pending) pending, \(counts.failed) failed, "
                        + "\(counts.delivered) delivered.")
            }
        }
        if failed > 0 {
            let refusing = DestinationKind.allCases.filter { (destinations[$0.rawValue]?.failed ?? 0) > 0 }
            let names = refusing.map(\.displayName).joined(separator: " and ")
            lines.append(
                "  \(failed) failed: \(names.isEmpty ? "a destination" : names) refused them for good (see the "
                    + "listener's log). After fixing the URL or key, `fivetran-notify replay --failed` sends them again."
            )
        }
        lines.append("")
        if failing.isEmpty {
            lines.append("No connector is failing.")
        } else {
            lines.append("Failing now:")
            let rows = failing.map { subject in
                [
                    subject.name + (subject.name == subject.id ? "" : " (\(subject.id))"),
                    subject.kind,
                    [subject.status, subject.reason].compactMap { $0 }.joined(separator: ": "),
                    String(subject.count),
                    subject.firstFailure, subject.lastFailure, subject.muted ? "muted" : "",
                ]
            }
            lines.append(
                TextTable.render(
                    header: ["CONNECTOR", "KIND", "STATUS", "FAILURES", "FIRST", "LAST", ""], rows: rows))
            for subject in failing where subject.sentBy != nil {
                lines.append("  \(subject.name): last message sent by \(subject.sentBy ?? "")")
            }
            for subject in failing where subject.message != nil {
                let actions = subject.actions(now: now)
                lines.append(
                    "  \(subject.name): \(subject.message ?? "")" + (actions.isEmpty ? "" : " (\(actions))"))
            }
        }
        if let watch {
            lines.append("")
            lines.append(contentsOf: watch.lines(now: now))
        }
        lines.append("")
        if !activeMutes.isEmpty { lines.append("Mutes:") }
        lines.append(MuteTable.render(activeMutes, now: now))
        return lines.joined(separator: "\n")
    }
}

/// JSON for scripts: sorted keys, slashes unescaped.
enum ReportJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601Timestamp.string(from: date))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
