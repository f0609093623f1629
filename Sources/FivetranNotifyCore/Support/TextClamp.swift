/// The one way a destination cuts text to its limit: at a character boundary, never an escape cut
/// from its character, ending with a visible "… (N more characters)". Each destination says how it
/// counts (Slack in UTF-16 units after escaping, Teams in JSON bytes, PagerDuty in UTF-16 units) and
/// how a character is written (its escape).
public enum TextClamp {
    /// The visible marker appended to a cut text.
    public static func moreMarker(_ count: Int) -> String {
        "… (\(count) more \(count == 1 ? "character" : "characters"))"
    }

    /// `whole` (the text as written: escaped where its destination escapes) when it takes at most
    /// `limit` units as `measure` counts them; otherwise the written characters (`pieces`, one per
    /// character of the original) that fit, with the marker; a bare "…" (or nothing) when not even the
    /// marker fits.
    public static func clamp(
        _ whole: String, to limit: Int, measure: (String) -> Int, pieces: () -> [String]
    ) -> String {
        let limit = max(0, limit)
        if measure(whole) <= limit { return whole }
        let written = pieces()
        let reserve = measure(moreMarker(written.count))
        guard limit > reserve else { return limit >= measure("…") ? "…" : "" }
        let budget = limit - reserve
        var out = ""
        var used = 0
        var taken = 0
        for piece in written {
            let length = measure(piece)
            if used + length > budget { break }
            out += piece
            used += length
            taken += 1
        }
        return out + moreMarker(written.count - taken)
    }
}
