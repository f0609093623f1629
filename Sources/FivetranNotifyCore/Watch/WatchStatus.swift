import Foundation

/// What the last sweep saw, written (JSON, atomically) to `watch.json` in the state directory after
/// each sweep, for `status` and `status --json` (key `watch`).
public struct WatchStatus: Sendable, Equatable, Codable {
    /// When the last sweep started.
    public var lastSweepAt: Date?
    public var durationMilliseconds: Int
    /// Requests the last sweep sent (retries included).
    public var requests: Int
    /// Webhooks and connections it read; nil when that part failed or was skipped.
    public var webhooks: Int?
    public var connections: Int?
    /// Watch incidents open after the sweep.
    public var findingsOpen: Int
    /// What they are (watch.md "Seeing it"), oldest first.
    public var findings: [OpenFinding] = []
    /// The last API error, and when it happened (kept after later sweeps succeed, as history).
    public var lastError: String?
    public var lastErrorAt: Date?
    /// True while Fivetran rejects the credentials (401/403): watching is stalled until they work.
    public var credentialsRejected: Bool
    /// The sweep interval and public URL in force, for the reader.
    public var every: String
    public var publicURL: String?

    public init(
        lastSweepAt: Date? = nil, durationMilliseconds: Int = 0, requests: Int = 0, webhooks: Int? = nil,
        connections: Int? = nil, findingsOpen: Int = 0, lastError: String? = nil, lastErrorAt: Date? = nil,
        credentialsRejected: Bool = false, every: String = "5m", publicURL: String? = nil
    ) {
        self.lastSweepAt = lastSweepAt
        self.durationMilliseconds = durationMilliseconds
        self.requests = requests
        self.webhooks = webhooks
        self.connections = connections
        self.findingsOpen = findingsOpen
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.credentialsRejected = credentialsRejected
        self.every = every
        self.publicURL = publicURL
    }

    enum CodingKeys: String, CodingKey {
        case lastSweepAt = "last_sweep_at"
        case durationMilliseconds = "duration_ms"
        case requests, webhooks, connections
        case findingsOpen = "findings_open"
        case findings
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case credentialsRejected = "credentials_rejected"
        case every
        case publicURL = "public_url"
    }

    /// One condition the watch holds open: "connection_broken orders_pg (Orders PG) since 09:12".
    public struct OpenFinding: Sendable, Equatable, Codable {
        /// The finding's kind without the `watch_` prefix: `webhook_inactive`, `connection_broken`, …
        public var kind: String
        /// The connection id, or `webhook:<public_url>`.
        public var subject: String
        /// The connection's name, when known.
        public var name: String?
        /// When this listener first saw it open.
        public var since: Date

        public init(kind: String, subject: String, name: String? = nil, since: Date) {
            self.kind = kind
            self.subject = subject
            self.name = name
            self.since = since
        }

        /// `connection_broken orders_pg (Orders PG) since 09:12 UTC`
        func line(now: Date) -> String {
            let named = name.map { " (\($0))" } ?? ""
            return "\(kind) \(subject)\(named) since \(TimeText.time(since, now: now))"
        }
    }

    /// The file in a state directory.
    public static func url(stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("watch.json")
    }

    /// Writes the snapshot atomically (mode 0600).
    public func write(to url: URL) throws {
        let text = String(decoding: try Self.encoder.encode(self), as: UTF8.self)
        try SecretFile.write(text + "\n", to: url)
    }

    /// The snapshot in a state directory; nil when the watch never ran there or the file is unreadable.
    public static func read(stateDirectory: URL) -> WatchStatus? {
        read(url: url(stateDirectory: stateDirectory))
    }

    public static func read(url: URL) -> WatchStatus? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? decoder.decode(WatchStatus.self, from: data)
    }

    /// The `status --json` value under `watch`.
    public var json: JSONValue {
        (try? Self.encoder.encode(self)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) } ?? .null
    }

    /// Lines for `status`: "Watch: last sweep 01:12 UTC (0.4 s, 3 requests): 3 webhooks, 412
    /// connections, 1 finding open."
    public func lines(now: Date = Date()) -> [String] {
        var lines: [String] = []
        if let at = lastSweepAt {
            let seconds = String(format: "%.1f s", Double(durationMilliseconds) / 1000)
            var seen: [String] = []
            if let webhooks { seen.append(Self.count(webhooks, "webhook")) }
            if let connections { seen.append(Self.count(connections, "connection")) }
            let what = seen.isEmpty ? "nothing read" : seen.joined(separator: ", ")
            lines.append(
                "Watch: last sweep \(TimeText.time(at, now: now)) (\(seconds), \(Self.count(requests, "request"))): "
                    + "\(what); \(findingsOpen) \(findingsOpen == 1 ? "finding" : "findings") open; sweeps every "
                    + "\(every).")
        } else {
            lines.append("Watch: no sweep yet (sweeps every \(every)).")
        }
        if publicURL == nil {
            lines.append("  Webhook checks are off: set [watch] public_url (or --public-url).")
        }
        if credentialsRejected {
            lines.append("  Fivetran rejects the API credentials: watching is stalled until they work again.")
        }
        for finding in findings {
            lines.append("  Open: \(finding.line(now: now))")
        }
        if let lastError {
            let when = lastErrorAt.map { " (\(TimeText.time($0, now: now)))" } ?? ""
            lines.append("  Last API error\(when): \(lastError)")
        }
        return lines
    }

    /// The lines at the current time.
    public var lines: [String] { lines() }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601Timestamp.string(from: date))
        }
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601Timestamp.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a timestamp: \(text)")
            }
            return date
        }
        return decoder
    }
}
