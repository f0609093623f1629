import Foundation

/// Settings given on the command line; nil for a flag not given.
public struct SettingFlags: Sendable, Equatable {
    public var apiKey: String?
    public var apiSecret: String?
    public var apiURL: String?
    public var slackWebhookURL: String?
    /// `--ca-file`: the certificate authorities outgoing HTTPS trusts instead of the system's.
    public var caFile: String?

    public init(
        apiKey: String? = nil, apiSecret: String? = nil, apiURL: String? = nil, slackWebhookURL: String? = nil,
        caFile: String? = nil
    ) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.apiURL = apiURL
        self.slackWebhookURL = slackWebhookURL
        self.caFile = caFile
    }
}

/// Where a setting's value came from.
public enum SettingSource: String, Sendable, Equatable {
    case flag
    case environment
    case config
    case `default`
}

/// The resolved settings. Precedence, highest first: command-line flag, environment variable,
/// config.toml, default. Empty values count as not given.
///
/// | setting | flag | environment | config key | default |
/// |---|---|---|---|---|
/// | API key | `--api-key` | `FIVETRAN_API_KEY`, `FIVETRAN_APIKEY` | `api_key` | none |
/// | API secret | `--api-secret` | `FIVETRAN_API_SECRET`, `FIVETRAN_APISECRET` | `api_secret` | none |
/// | API URL | `--api-url` | `FIVETRAN_API_URL` | `api_url` | `https://api.fivetran.com/v1` |
/// | Slack URL | `--slack-webhook-url` | `SLACK_WEBHOOK_URL` | `slack_webhook_url` | none |
/// | CA bundle | `--ca-file` | `SSL_CERT_FILE` | `ca_file` | the system's store |
public struct Settings: Sendable {
    public static let defaultAPIURL = "https://api.fivetran.com/v1"

    public var apiKey: String?
    public var apiSecret: String?
    public var apiURL: String
    public var slackWebhookURL: String?
    /// The PEM bundle of certificate authorities that outgoing HTTPS (the Fivetran API, every
    /// destination) trusts instead of the system's store, checked to hold certificates; nil for the
    /// system's store.
    public var caFile: String?
    /// Where each setting came from, by config key (`api_key`, `api_secret`, `api_url`, `slack_webhook_url`,
    /// `ca_file`).
    public var sources: [String: SettingSource]
    /// The config file consulted (it may not exist).
    public var configFileURL: URL
    /// The parsed config file, when there is one: other features read their tables from it.
    public var configFile: ConfigFile?

    /// Loads config.toml from the context's config directory (refused if others may read it) and
    /// resolves every setting.
    public static func load(flags: SettingFlags, context: CommandContext) throws -> Settings {
        let url = context.paths.configFile
        let config = try ConfigFile.load(from: url)
        return try resolve(flags: flags, environment: context.environment, config: config, configFileURL: url)
    }

    /// Resolves every setting from its three sources.
    public static func resolve(
        flags: SettingFlags, environment: [String: String], config: ConfigFile?, configFileURL: URL
    ) throws -> Settings {
        var sources: [String: SettingSource] = [:]

        func pick(_ key: String, flag: String?, variables: [String]) throws -> String? {
            if let value = clean(flag) {
                sources[key] = .flag
                return value
            }
            for variable in variables {
                if let value = clean(environment[variable]) {
                    sources[key] = .environment
                    return value
                }
            }
            if let config, let value = clean(try config.string(key)) {
                sources[key] = .config
                return value
            }
            return nil
        }

        let apiKey = try pick("api_key", flag: flags.apiKey, variables: ["FIVETRAN_API_KEY", "FIVETRAN_APIKEY"])
        let apiSecret = try pick(
            "api_secret", flag: flags.apiSecret, variables: ["FIVETRAN_API_SECRET", "FIVETRAN_APISECRET"])
        var apiURL = try pick("api_url", flag: flags.apiURL, variables: ["FIVETRAN_API_URL"])
        if apiURL == nil {
            sources["api_url"] = .default
            apiURL = defaultAPIURL
        }
        let slack = try pick("slack_webhook_url", flag: flags.slackWebhookURL, variables: ["SLACK_WEBHOOK_URL"])
        let caFile = try pick("ca_file", flag: flags.caFile, variables: ["SSL_CERT_FILE"])

        var settings = Settings(
            apiKey: apiKey, apiSecret: apiSecret, apiURL: apiURL ?? defaultAPIURL, slackWebhookURL: slack,
            sources: sources, configFileURL: configFileURL, configFile: config)
        try settings.validateAPIURL()
        if let caFile {
            settings.caFile = try CAFile.checked(caFile, from: settings.origin(of: "ca_file"))
        }
        return settings
    }

    public init(
        apiKey: String?, apiSecret: String?, apiURL: String, slackWebhookURL: String?, caFile: String? = nil,
        sources: [String: SettingSource] = [:], configFileURL: URL, configFile: ConfigFile? = nil
    ) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.apiURL = apiURL
        self.slackWebhookURL = slackWebhookURL
        self.caFile = caFile
        self.sources = sources
        self.configFileURL = configFileURL
        self.configFile = configFile
    }

    /// The API key and secret, or an error (exit 77) that names every way to give the missing ones.
    public func credentials() throws -> FivetranCredentials {
        if let apiKey, let apiSecret {
            return FivetranCredentials(apiKey: apiKey, apiSecret: apiSecret)
        }
        var missing: [String] = []
        var flags: [String] = []
        var variables: [String] = []
        var keys: [String] = []
        if apiKey == nil {
            missing.append("API key")
            flags.append("--api-key")
            variables.append("FIVETRAN_API_KEY")
            keys.append("api_key")
        }
        if apiSecret == nil {
            missing.append("API secret")
            flags.append("--api-secret")
            variables.append("FIVETRAN_API_SECRET")
            keys.append("api_secret")
        }
        let both = missing.count > 1
        throw NotifyError(
            "No Fivetran \(missing.joined(separator: " and ")) given. Give \(both ? "them" : "it") in one of three "
                + "ways: the flag\(both ? "s" : "") \(flags.joined(separator: " and ")); the environment "
                + "variable\(both ? "s" : "") \(variables.joined(separator: " and ")); or "
                + "\(keys.joined(separator: " and ")) in \(configFileURL.path) (mode 0600). "
                + "Fivetran shows the key and secret under Settings → API key.",
            exitCode: ExitStatus.credentials)
    }

    /// Where a setting came from, in words for an error: the flag, the variable, or the key with the
    /// file and line.
    private func origin(of key: String) -> String {
        let names: [String: (flag: String, variable: String)] = [
            "api_url": ("--api-url", "FIVETRAN_API_URL"), "ca_file": ("--ca-file", "SSL_CERT_FILE"),
        ]
        switch sources[key] {
        case .flag: return names[key]?.flag ?? key
        case .environment: return names[key]?.variable ?? key
        case .config:
            let line = configFile?.line(of: key, in: .root).map { ":\($0)" } ?? ""
            return "\(key) in \(configFileURL.path)\(line)"
        default: return "the default"
        }
    }

    private func validateAPIURL() throws {
        let components = URLComponents(string: apiURL)
        let scheme = components?.scheme?.lowercased()
        guard let components, scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            let origin = origin(of: "api_url")
            throw NotifyError(
                "The Fivetran API URL from \(origin) is not an http(s) URL: \(apiURL). "
                    + "Use the form \(Self.defaultAPIURL).")
        }
    }

    private static func clean(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
