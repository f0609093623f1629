import Foundation

/// The routes and destinations as configured now (flags, environment, config.toml): `listen`, `route`
/// and `replay` read them alike, and refuse a mistake in the same words.
public enum ConfiguredRoutes {
    /// The routes as configured (flags, environment, config.toml), checked: `listen`, `route` and
    /// `replay` read them alike.
    /// `checks`: each destination's check of its address (`DestinationCatalog.targetChecks`).
    public static func load(
        flags: [DestinationKind: String], settings: Settings, environment: [String: String], checks: TargetChecks
    ) throws -> RouteTable {
        let defaults = try RouteDestinations.defaultRoute(
            flags: flags, environment: environment, config: settings.configFile, checks: checks)
        return try RouteTable.load(
            from: settings.configFile, defaultDestinations: defaults, environment: environment, checks: checks)
    }

    /// The routes as the context's environment and config.toml give them (no flags): `route` and `replay`.
    public static func load(context: CommandContext, checks: TargetChecks) throws -> RouteTable {
        let settings = try Settings.load(flags: SettingFlags(), context: context)
        return try load(flags: [:], settings: settings, environment: context.environment, checks: checks)
    }

    /// `PAGERDUTY_URL`, else config.toml's `pagerduty_url`, else PagerDuty's Events API.
    public static func pagerDutyURL(settings: Settings, environment: [String: String]) throws -> String {
        var given = environment["PAGERDUTY_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if given == nil { given = try settings.configFile?.string("pagerduty_url") }
        guard let given else { return "https://events.pagerduty.com" }
        guard case .success(let url) = WebURL.checked(given, hint: "", httpsRule: "") else {
            throw NotifyError(
                "The PagerDuty URL (PAGERDUTY_URL or pagerduty_url) is not an https:// URL; remove it to use "
                    + "https://events.pagerduty.com.", exitCode: ExitStatus.usage)
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
