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

    /// The duration `text` says if it lies within `range`, else what is wrong with it as the end of a
    /// sentence that starts with the setting's name. `example` shows the form ("90s, 15m, 4h or 1d").
    public static func read(_ text: String, within range: DurationRange, example: String) -> Result<Duration, Problem> {
        guard let duration = parse(text) else {
            if looksLikeOverflow(text) { return .failure(Problem("\"\(text)\" is out of range; \(range.sentence)")) }
            return .failure(Problem("\"\(text)\" is not a duration; write it like \(example)"))
        }
        guard range.contains(duration) else {
            return .failure(Problem("\"\(text)\" is out of range; \(range.sentence)"))
        }
        return .success(duration)
    }

    /// What is wrong with `text` (`read`), or nil when it is a duration within `range`.
    public static func problem(_ text: String, within range: DurationRange, example: String) -> String? {
        if case .failure(let problem) = read(text, within: range, example: example) { return problem.sentence }
        return nil
    }

    /// Why a text is not a duration within range: `"400d" is out of range; it must be from 1s to 1d`.
    public struct Problem: Error, Sendable {
        public let sentence: String
        init(_ sentence: String) { self.sentence = sentence }
    }

    /// Parses or explains with exit 64: "`what` "4 hours" is not a duration; write it like 90s, 15m, 4h
    /// or 1d." or "`what` "400d" is out of range; it must be from 1m to 365d."
    public static func parse(
        _ text: String, for what: String, within range: DurationRange, example: String = "90s, 15m, 4h or 1d"
    ) throws -> Duration {
        switch read(text, within: range, example: example) {
        case .success(let duration): return duration
        case .failure(let problem): throw NotifyError("\(what) \(problem.sentence).", exitCode: ExitStatus.usage)
        }
    }

    /// Digits and units only, yet not parsed: a number too large for any duration.
    private static func looksLikeOverflow(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        return !trimmed.isEmpty && trimmed.allSatisfy { $0.isASCII && ($0.isNumber || "smhd".contains($0)) }
            && trimmed.last.map { "smhd".contains($0) } == true && trimmed.first?.isNumber == true
            && trimmed.contains(where: { $0 != "0" && $0.isNumber })
    }
}

/// The values a duration setting accepts (cli.md "Durations have ranges": nothing beyond 365 days,
/// timeouts at most a day), with the sentence that states it.
public struct DurationRange: Sendable, Equatable {
    public let lower: Duration
    public let upper: Duration

    public init(_ lower: Duration, _ upper: Duration) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ duration: Duration) -> Bool { duration >= lower && duration <= upper }

    /// "it must be from 1m to 365d"
    public var sentence: String { "it must be from \(Self.text(lower)) to \(Self.text(upper))" }

    /// Waits counted in minutes to months: `remind_every`, `max_age`, the watch's `every` and
    /// `stale_after`.
    public static let longWait = DurationRange(.seconds(60), .seconds(365 * 86_400))
    /// Anything from a second to a year: how long a mute lasts, the watch's `every` (which then
    /// checks its own minimum).
    public static let upToAYear = DurationRange(.seconds(1), .seconds(365 * 86_400))
    /// Timeouts: `--request-timeout` and the like.
    public static let timeout = DurationRange(.seconds(1), .seconds(86_400))

    /// The shortest exact way to write a whole number of seconds: 365d, 90m, 45s.
    static func text(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
