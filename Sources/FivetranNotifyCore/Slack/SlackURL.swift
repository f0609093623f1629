import Foundation

/// Slack webhook URLs are secrets: logs and errors show the host and the last four characters only,
/// and a malformed one is described, never shown (`WebURL`, in Slack's words).
public enum SlackURL {
    /// What is wrong with a URL, as a clause after "The Slack URL from <where>".
    public typealias Problem = TargetProblem

    /// Whether the text is an http(s) URL at all, whatever the case of its scheme.
    public static func isHTTP(_ url: String) -> Bool { WebURL.isHTTP(url) }

    public static func redacted(_ url: String) -> String { WebURL.redacted(url) }

    /// The URL to post to (see `WebURL.checked`), with Slack's hint and https rule unless others are given.
    public static func checked(
        _ text: String, hint: String = "copy the whole Webhook URL from Slack's app settings",
        httpsRule: String = "Slack webhook URLs are https://"
    ) -> Result<String, Problem> {
        WebURL.checked(text, hint: hint, httpsRule: httpsRule)
    }
}
