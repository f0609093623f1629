import Foundation

/// Where the tool keeps its files, following the XDG base directory rules:
/// `$XDG_CONFIG_HOME/fivetran-notify/` (else `~/.config/fivetran-notify/`) for config.toml and the
/// signing key, `$XDG_STATE_HOME/fivetran-notify/` (else `~/.local/state/fivetran-notify/`) for the queue.
public struct Paths: Sendable, Equatable {
    public var configDirectory: URL
    public var stateDirectory: URL

    public init(configDirectory: URL, stateDirectory: URL) {
        self.configDirectory = configDirectory
        self.stateDirectory = stateDirectory
    }

    /// The locations for an environment (`XDG_CONFIG_HOME`, `XDG_STATE_HOME`, `HOME`).
    public init(environment: [String: String]) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func base(_ variable: String, _ fallback: String) -> URL {
            // The XDG spec says a relative path in these variables is invalid and must be ignored.
            if let value = environment[variable], value.hasPrefix("/") {
                return URL(fileURLWithPath: value, isDirectory: true)
            }
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(fallback, isDirectory: true)
        }
        configDirectory = base("XDG_CONFIG_HOME", ".config").appendingPathComponent(
            "fivetran-notify", isDirectory: true)
        stateDirectory = base("XDG_STATE_HOME", ".local/state").appendingPathComponent(
            "fivetran-notify", isDirectory: true)
    }

    /// The state directory given with `--state-dir`, else the default one.
    public func stateDirectory(given path: String?) -> URL {
        path.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? stateDirectory
    }

    public var configFile: URL { configDirectory.appendingPathComponent("config.toml") }
    public var signingKeyFile: URL { configDirectory.appendingPathComponent("signing.key") }
    /// The key kept by `keygen --rotate` until `keygen --drop-previous`.
    public var previousSigningKeyFile: URL { configDirectory.appendingPathComponent("signing.key.previous") }
}
