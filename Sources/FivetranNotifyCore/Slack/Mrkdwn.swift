/// Slack mrkdwn helpers: escaping user-supplied strings and clamping texts to Slack's limits.
///
/// Lengths are measured in UTF-16 code units, which is never less than the number of characters Slack
/// counts, so a clamped text is within a limit however Slack counts. Cuts fall on `Character`
/// boundaries (an emoji or an accented letter is never split) and are visible: the text ends with
/// "… (N more characters)", N counting the characters left out of the original.
public enum Mrkdwn {
    /// Escapes `&`, `<` and `>` so that a user string cannot form a link, a mention
    /// (`<!channel>`) or an entity.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The length Slack's limits are checked against (UTF-16 code units).
    public static func length(_ text: String) -> Int {
        text.utf16.count
    }

    /// The visible marker appended to a cut text.
    public static func moreMarker(_ count: Int) -> String { TextClamp.moreMarker(count) }

    /// `text` (already safe for its context) cut to at most `limit` units, with the marker.
    public static func clamp(_ text: String, to limit: Int) -> String {
        clamp(text, to: limit, escaping: false)
    }

    /// `text` escaped for mrkdwn and cut to at most `limit` units (after escaping), with the marker.
    /// An entity such as `&amp;` is never cut in half.
    public static func escapeAndClamp(_ text: String, to limit: Int) -> String {
        clamp(text, to: limit, escaping: true)
    }

    /// A code block (```` ``` ````) holding the escaped `text`, at most `limit` units in all. Triple
    /// backticks inside the text are defused so that the text cannot end the block early.
    public static func codeBlock(_ text: String, limit: Int) -> String {
        var body = text.replacingTripleBackticks()
        if body.hasSuffix("\n") {
            body = String(body.dropLast())
        }
        if body.isEmpty { body = " " }
        let fence = "```"
        // Two newlines' worth of room: the one after the opening fence, and a space that keeps a
        // trailing backtick of the text from merging with the closing fence.
        let inner = max(0, limit - 2 * fence.utf16.count - 2)
        var content = escapeAndClamp(body, to: inner)
        if content.hasSuffix("`") { content += " " }
        return fence + "\n" + content + fence
    }

    private static func clamp(_ text: String, to limit: Int, escaping: Bool) -> String {
        TextClamp.clamp(escaping ? escape(text) : text, to: limit, measure: length) {
            text.map { escaping ? escape(String($0)) : String($0) }
        }
    }
}

extension String {
    fileprivate func replacingTripleBackticks() -> String {
        guard contains("```") else { return self }
        return replacingOccurrences(of: "```", with: "ˋˋˋ")
    }
}
