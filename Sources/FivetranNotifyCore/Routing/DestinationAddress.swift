import Foundation

/// Checks a destination's address as given by a person (a URL or a PagerDuty routing key) and says
/// what is wrong in words that never repeat it: addresses are secrets.
enum DestinationAddress {
    /// The address to store: a checked URL (https, or http to loopback; scheme lower-cased) or a
    /// routing key.
    static func checked(_ text: String, kind: DestinationKind) -> Result<String, SlackURL.Problem> {
        switch kind {
        case .slack:
            return SlackURL.checked(text)
        case .pagerduty:
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let first = key.first, first == "\"" || first == "'" {
                return .failure(SlackURL.Problem("is wrapped in quotes; remove the quotes"))
            }
            let allowed = key.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 }
            guard allowed, key.count >= 8, key.count <= 128, !key.lowercased().hasPrefix("http") else {
                return .failure(
                    SlackURL.Problem(
                        "is not a PagerDuty routing key (32 letters and digits); copy the Integration Key of the "
                            + "service's Events API V2 integration"))
            }
            return .success(key)
        case .teams, .forward:
            let hint =
                kind == .teams
                ? "copy the whole URL of the Teams workflow's \"When a Teams webhook request is received\" trigger"
                : "give the full https:// URL of the endpoint"
            return SlackURL.checked(text, hint: hint, httpsRule: "use https://")
        }
    }
}
