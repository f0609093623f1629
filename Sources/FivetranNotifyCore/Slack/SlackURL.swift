import Foundation

/// Slack webhook URLs are secrets: logs and errors show the host and the last four characters only,
/// and a malformed one is described, never shown.
public enum SlackURL {
    /// Whether the text is an http(s) URL at all, whatever the case of its scheme.
    public static func isHTTP(_ url: String) -> Bool {
        let lowered = url.prefix(8).lowercased()
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://")
    }

    public static func redacted(_ url: String) -> String {
        guard isHTTP(url) else { return "a value that is not a URL" }
        let host = URLComponents(string: url)?.host ?? "webhook"
        return "\(host)/…\(url.suffix(4))"
    }

    /// The URL to post to, with its scheme in lower case (schemes are case-insensitive): `https`, or
    /// plain `http` to a loopback host (tests, a local relay). Otherwise what is wrong with it, in words
    /// that do not repeat it. `hint` says where the whole URL comes from and `httpsRule` that it must be
    /// https (Slack's words by default; other destinations give their own).
    public static func checked(
        _ text: String, hint: String = "copy the whole Webhook URL from Slack's app settings",
        httpsRule: String = "Slack webhook URLs are https://"
    ) -> Result<String, Problem> {
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let first = url.first, first == "\"" || first == "'" {
            return .failure(
                Problem(
                    "is wrapped in quotes (as `docker --env-file` and some .env loaders keep them); remove the quotes"))
        }
        guard isHTTP(url), let separator = url.range(of: "://") else {
            return .failure(Problem("must start with https://; \(hint)"))
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        let normalized = scheme + url[separator.lowerBound...]
        guard let host = URLComponents(string: normalized)?.host, !host.isEmpty else {
            return .failure(
                Problem("is not a valid URL (no host); \(hint)"))
        }
        if scheme == "http" && !isLoopback(host) {
            return .failure(
                Problem("uses plain http:// to \(host); \(httpsRule) (http only for 127.0.0.1)"))
        }
        return .success(normalized)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// What is wrong with a URL, as a clause after "The Slack URL from <where>".
    public struct Problem: Error, Equatable, Sendable {
        public let text: String
        init(_ text: String) { self.text = text }
    }
}
