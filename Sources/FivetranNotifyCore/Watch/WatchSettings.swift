import Foundation

/// The `listen` flags about the account watch, as parsed (the CLI adds them): `--no-watch`,
/// `--watch-every`, `--public-url`. Nil means "not given": config.toml's `[watch]` or the default.
public struct WatchFlags: Sendable, Equatable {
    public var noWatch: Bool
    /// `--watch-every` as typed (`5m`).
    public var every: String?
    /// `--public-url`.
    public var publicURL: String?

    public init(noWatch: Bool = false, every: String? = nil, publicURL: String? = nil) {
        self.noWatch = noWatch
        self.every = every
        self.publicURL = publicURL
    }
}

/// How `listen` watches the Fivetran account (watch.md): from `[watch]` in config.toml and the flags,
/// flags winning.
public struct WatchSettings: Sendable, Equatable {
    /// Whether to sweep at all: API credentials are configured and nothing turned it off.
    public var enabled: Bool
    /// Why it is off, for the one line `listen` logs at start; nil when enabled.
    public var disabledReason: String?
    /// Time between sweeps (at least `minimumEvery`).
    public var every: Duration
    /// The URL Fivetran posts to; nil skips the webhook checks.
    public var publicURL: String?
    /// Turn an inactive webhook whose URL is `publicURL` back on (`PATCH active: true`).
    public var reactivate: Bool
    /// How long without a successful sync makes a connection stale; nil for 3 × its sync frequency
    /// and at least an hour.
    public var staleAfter: Duration?

    public static let defaultEvery: Duration = .seconds(300)
    public static let minimumEvery: Duration = .seconds(60)

    public init(
        enabled: Bool = true, disabledReason: String? = nil, every: Duration = defaultEvery, publicURL: String? = nil,
        reactivate: Bool = false, staleAfter: Duration? = nil
    ) {
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.every = every
        self.publicURL = publicURL
        self.reactivate = reactivate
        self.staleAfter = staleAfter
    }

    private static let keys: Set<String> = ["enabled", "every", "public_url", "reactivate", "stale_after"]

    /// Reads `[watch]` and applies the flags. An unknown key, a wrong type, an interval under a minute
    /// or a public URL that is not https stops `listen` with a sentence (naming config.toml's line when
    /// the value came from there).
    public static func resolve(config: ConfigFile?, flags: WatchFlags, hasCredentials: Bool) throws -> WatchSettings {
        var result = WatchSettings()
        var configEnabled = true
        if let config, let table = try config.table("watch") {
            let section = ConfigSection.table("watch")
            for key in table.keys where !keys.contains(key) {
                throw config.error(
                    "[watch]: unknown key \"\(key)\" (known: \(keys.sorted().joined(separator: ", ")))", key: key,
                    section: section)
            }
            func flag(_ key: String) throws -> Bool? {
                guard let value = table[key] else { return nil }
                guard let flag = value.boolValue else {
                    throw config.error(
                        "\(key) must be true or false, not \(value.typeName)", key: key, section: section)
                }
                return flag
            }
            func duration(_ key: String, within range: DurationRange, example: String) throws -> Duration? {
                guard let text = try config.string(key, in: table, section: section) else { return nil }
                return try DurationText.read(text, within: range, example: example)
                    .mapError { config.error("\(key): \($0.sentence)", key: key, section: section) }.get()
            }
            configEnabled = try flag("enabled") ?? true
            result.reactivate = try flag("reactivate") ?? false
            if let every = try duration("every", within: .upToAYear, example: "1m, 5m or 1h") {
                guard every >= minimumEvery else {
                    throw config.error(tooOften("every", every), key: "every", section: section)
                }
                result.every = every
            }
            result.staleAfter = try duration("stale_after", within: .longWait, example: "90m, 6h or 1d")
            if let url = try config.string("public_url", in: table, section: section) {
                if let problem = urlProblem(url, name: "public_url") {
                    throw config.error(problem, key: "public_url", section: section)
                }
                result.publicURL = url
            }
        }
        if let text = flags.every {
            let every = try DurationText.parse(
                text, for: "--watch-every", within: .upToAYear, example: "1m, 5m or 1h")
            guard every >= minimumEvery else {
                throw NotifyError(tooOften("--watch-every", every) + ".", exitCode: ExitStatus.usage)
            }
            result.every = every
        }
        if let url = flags.publicURL {
            if let problem = urlProblem(url, name: "--public-url") {
                throw NotifyError(problem + ".", exitCode: ExitStatus.usage)
            }
            result.publicURL = url
        }
        if !hasCredentials {
            result.enabled = false
            result.disabledReason =
                "no Fivetran API credentials (--api-key/--api-secret, FIVETRAN_API_KEY/FIVETRAN_API_SECRET, or "
                + "api_key/api_secret in config.toml), so listen cannot notice an inactive webhook, a broken, "
                + "paused or stale connector"
        } else if flags.noWatch {
            result.enabled = false
            result.disabledReason = "--no-watch"
        } else if !configEnabled {
            result.enabled = false
            result.disabledReason = "[watch] enabled = false in config.toml"
        }
        return result
    }

    private static func tooOften(_ name: String, _ every: Duration) -> String {
        "\(name): \(WatchText.duration(every)) is too often; the account is swept at most once a minute "
            + "(write 1m or more)"
    }

    private static func urlProblem(_ url: String, name: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            return "\(name): \"\(url)\" is not a URL; give the https:// URL Fivetran posts to, like "
                + "https://alerts.example.com/fivetran"
        }
        guard components.scheme?.lowercased() == "https" else {
            return "\(name): \"\(url)\" is not https; Fivetran only posts to https:// URLs, so give the "
                + "public https:// URL in front of listen"
        }
        return nil
    }
}

/// Durations and URLs as the watch writes them.
enum WatchText {
    /// "5m", "1m30s", "1h", "1h30m": the form flags and config.toml take (`TimeText.flagDuration`).
    static func duration(_ duration: Duration) -> String { TimeText.flagDuration(duration) }

    /// A URL for comparing: scheme and host lowercased, without a trailing slash.
    static func normalizedURL(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard var components = URLComponents(string: text) else { return text }
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        return components.string ?? text
    }
}
