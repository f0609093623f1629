import Foundation

/// Slack webhook URLs are secrets: logs and errors show the host and the last four characters only.
public enum SlackURL {
    /// Whether the text is an http(s) URL at all (what `listen` accepts as a webhook URL).
    public static func isHTTP(_ url: String) -> Bool {
        url.hasPrefix("https://") || url.hasPrefix("http://")
    }

    public static func redacted(_ url: String) -> String {
        guard isHTTP(url) else { return url }
        let host = URLComponents(string: url)?.host ?? "webhook"
        return "\(host)/…\(url.suffix(4))"
    }
}
