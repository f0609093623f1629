import Foundation

/// Durations as people write them in flags and config.toml: `90s`, `15m`, `4h`, `1d`, or combined
/// (`1h30m`). (`TimeText` writes durations back as words.)
public enum DurationText {
    /// Parses the text; nil when it is not a positive duration of that form.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64? = nil
        var sawUnit = false
        for character in text.trimmingCharacters(in: .whitespaces).lowercased() {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (scaled, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (next, overflow2) = scaled.addingReportingOverflow(Int64(digit))
                guard !overflow1, !overflow2 else { return nil }
                number = next
                continue
            }
            let seconds: Int64
            switch character {
            case "s": seconds = 1
            case "m": seconds = 60
            case "h": seconds = 3600
            case "d": seconds = 86400
            default: return nil
            }
            guard let value = number else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: seconds)
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflow, !overflowSum else { return nil }
            total = sum
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil, total > 0 else { return nil }
        return .seconds(total)
    }

    /// Parses or explains: "`what`: "4 hours" is not a duration; write it like 90s, 15m, 4h or 1d."
    public static func parse(_ text: String, for what: String) throws -> Duration {
        guard let duration = parse(text) else {
            throw NotifyError(
                "\(what): \"\(text)\" is not a duration; write it like 90s, 15m, 4h or 1d (or 1h30m).",
                exitCode: ExitStatus.usage)
        }
        return duration
    }
}
