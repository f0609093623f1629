import Foundation

/// Where the shared state is (ha.md): the PostgreSQL URL from `--database`, else
/// `FIVETRAN_NOTIFY_DATABASE_URL`, else config.toml's `database_url` (or `database_url_env`, naming the
/// variable that holds it); nil for SQLite in the state directory. config.toml is a secret file: it is
/// refused when group or others may read it (`ConfigFile.load`), so a password there stays private.
public enum DatabaseSettings {
    public static let variable = "FIVETRAN_NOTIFY_DATABASE_URL"

    /// The URL given, parsed; nil when none is given anywhere.
    /// - Throws: `NotifyError` naming where the URL came from and what is wrong, never the URL itself.
    public static func resolve(flag: String?, environment: [String: String], config: ConfigFile?) throws
        -> PostgresURL?
    {
        if let text = clean(flag) { return try parse(text, from: "--database") }
        if let text = clean(environment[variable]) { return try parse(text, from: variable) }
        guard let config else { return nil }
        switch (try config.string("database_url"), try config.string("database_url_env")) {
        case (let literal?, nil):
            guard let text = clean(literal) else { return nil }
            do { return try PostgresURL(text) } catch let error as NotifyError {
                throw config.error("database_url: \(error.message)", key: "database_url")
            }
        case (nil, let name?):
            guard let text = clean(environment[name]) else {
                throw config.error(
                    "database_url_env names \(name), which is not set; export it before starting",
                    key: "database_url_env"
                )
            }
            return try parse(text, from: name)
        case (.some, .some):
            throw config.error("give database_url or database_url_env, not both", key: "database_url_env")
        case (nil, nil):
            return nil
        }
    }

    /// Reads config.toml from the context's config directory and resolves the URL.
    public static func load(flag: String?, context: CommandContext) throws -> PostgresURL? {
        try resolve(
            flag: flag, environment: context.environment, config: try ConfigFile.load(from: context.paths.configFile))
    }

    private static func parse(_ text: String, from origin: String) throws -> PostgresURL {
        do { return try PostgresURL(text) } catch let error as NotifyError {
            throw NotifyError("\(origin): \(error.message)", exitCode: ExitStatus.usage)
        }
    }

    private static func clean(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
