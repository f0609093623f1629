import Foundation

/// What is wrong with a destination's address as a person gave it, as a clause after where it came
/// from ("SLACK_WEBHOOK_URL must start with https://; …"), in words that never repeat it: addresses
/// are secrets.
public struct TargetProblem: Error, Equatable, Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }
}

/// Webhook URLs as people give them: checked without ever being repeated, shown redacted (the host
/// and the last four characters).
public enum WebURL {
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
    /// https, in the destination's words.
    public static func checked(_ text: String, hint: String, httpsRule: String) -> Result<String, TargetProblem> {
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let first = url.first, first == "\"" || first == "'" {
            return .failure(
                TargetProblem(
                    "is wrapped in quotes (as `docker --env-file` and some .env loaders keep them); remove the quotes"))
        }
        guard isHTTP(url), let separator = url.range(of: "://") else {
            return .failure(TargetProblem("must start with https://; \(hint)"))
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        let normalized = scheme + url[separator.lowerBound...]
        guard let host = URLComponents(string: normalized)?.host, !host.isEmpty else {
            return .failure(TargetProblem("is not a valid URL (no host); \(hint)"))
        }
        if scheme == "http" && !isLoopback(host) {
            return .failure(
                TargetProblem("uses plain http:// to \(host); \(httpsRule) (http only for 127.0.0.1)"))
        }
        return .success(normalized)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
