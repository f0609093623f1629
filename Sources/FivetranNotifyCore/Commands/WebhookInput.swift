import Foundation

/// Checks of `webhook` arguments, shared by the commands' `validate()` (a problem there is a usage
/// error, exit 64) and the core.
public enum WebhookInput {
    /// Why `value` cannot be a webhook or group id, or nil when it can. `what` names it ("group id").
    public static func identifierProblem(_ value: String, what: String) -> String? {
        if value.isEmpty {
            return "The \(what) is empty."
        }
        if value.contains(where: { $0.isWhitespace }) {
            return "The \(what) \"\(value)\" contains spaces; Fivetran ids never do. "
                + "Copy the id from the Fivetran dashboard or from `fivetran-notify webhook list`."
        }
        if value.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0.isNewline }) {
            return "The \(what) \"\(value)\" contains characters Fivetran ids never have (/ ? #)."
        }
        return nil
    }

    /// Why `url` cannot be a webhook URL, or nil when it can. Fivetran accepts only https URLs: any
    /// other scheme is refused unless `force` (for a proxy that rewrites, say).
    public static func urlProblem(_ url: String, force: Bool) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return "\"\(url)\" is not a URL; give the full address, e.g. https://hooks.example.com/fivetran."
        }
        if scheme != "https" && !force {
            return "Fivetran accepts only https:// webhook URLs and would reject \(url) with a 400. "
                + "Serve `fivetran-notify listen` over TLS (--tls-cert/--tls-key) or behind an https proxy, "
                + "or pass --force to send it anyway."
        }
        return nil
    }

    /// The warning to print when a non-https URL is sent anyway (`--force`), or nil.
    public static func urlWarning(_ url: String) -> String? {
        guard URLComponents(string: url)?.scheme?.lowercased() != "https" else { return nil }
        return "warning: Fivetran accepts only https:// webhook URLs and will likely reject \(url); "
            + "sending it anyway because of --force."
    }

    /// Why the `--event` values cannot be used, or nil.
    public static func eventsProblem(_ values: [String]) -> String? {
        if !values.isEmpty && WebhookEvents.parse(values).isEmpty {
            return "--event needs at least one event name, e.g. --event sync_end,dbt_run_failed."
        }
        return nil
    }
}
