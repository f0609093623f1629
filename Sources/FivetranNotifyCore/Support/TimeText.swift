import Foundation

/// Times and durations as alerts show them: UTC, with the date only when it is not the day of `now`,
/// and durations in words ("50 s", "2 h 13 min"). No formatter or calendar: plain arithmetic on UTC.
enum TimeText {
    /// `01:12:44 UTC`, or `2026-05-21 01:12:44 UTC` when the date is not today (UTC) relative to `now`.
    static func time(_ date: Date, now: Date) -> String {
        let parts = UTCParts(date)
        let clock = "\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
        return parts.isSameDay(as: UTCParts(now)) ? "\(clock) UTC" : "\(parts.dateText) \(clock) UTC"
    }

    /// `01:12 UTC`, or `2026-05-21 01:12 UTC` when not today.
    static func shortTime(_ date: Date, now: Date) -> String {
        let parts = UTCParts(date)
        let clock = "\(pad(parts.hour)):\(pad(parts.minute))"
        return parts.isSameDay(as: UTCParts(now)) ? "\(clock) UTC" : "\(parts.dateText) \(clock) UTC"
    }

    /// `2026-05-21 01:12 UTC`, always with the date (for terminals, where "today" is not obvious).
    static func absolute(_ date: Date) -> String {
        let parts = UTCParts(date)
        return "\(parts.dateText) \(pad(parts.hour)):\(pad(parts.minute)) UTC"
    }

    /// `07:40:38–07:41:28 UTC`: the end's date is repeated only when it differs from the start's.
    static func range(_ start: Date, _ end: Date, now: Date) -> String {
        let first = UTCParts(start)
        let last = UTCParts(end)
        let startClock = "\(pad(first.hour)):\(pad(first.minute)):\(pad(first.second))"
        let endClock = "\(pad(last.hour)):\(pad(last.minute)):\(pad(last.second))"
        let startText = first.isSameDay(as: UTCParts(now)) ? startClock : "\(first.dateText) \(startClock)"
        let endText = last.isSameDay(as: first) ? endClock : "\(last.dateText) \(endClock)"
        return "\(startText)–\(endText) UTC"
    }

    /// A duration in words: "0 s", "50 s", "3 min 20 s", "13 min", "2 h 13 min", "2 h", "3 d 4 h".
    static func duration(_ interval: TimeInterval) -> String {
        let total = interval.isFinite ? max(0, Int(interval.rounded())) : 0
        let days = total / 86_400
        let hours = total % 86_400 / 3600
        let minutes = total % 3600 / 60
        let seconds = total % 60
        if days > 0 {
            return hours > 0 ? "\(days) d \(hours) h" : "\(days) d"
        }
        if hours > 0 {
            return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h"
        }
        if minutes > 0 {
            return minutes < 10 && seconds > 0 ? "\(minutes) min \(seconds) s" : "\(minutes) min"
        }
        return "\(seconds) s"
    }

    /// A duration as flags and config.toml take it (`DurationText` reads it back): "5m", "90s" is
    /// "1m30s", "1h", "1d2h"; "0s" for none.
    static func flagDuration(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        if seconds <= 0 { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return text
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// The UTC calendar fields of a date.
    struct UTCParts {
        let year: Int
        let month: Int
        let day: Int
        let hour: Int
        let minute: Int
        let second: Int

        init(_ date: Date) {
            let interval = date.timeIntervalSince1970
            // Far outside any real delivery time; kept finite and in range so that nothing traps.
            let seconds = interval.isFinite ? Int(max(-1e15, min(1e15, interval)).rounded(.down)) : 0
            var days = seconds / 86_400
            var secondOfDay = seconds % 86_400
            if secondOfDay < 0 {
                secondOfDay += 86_400
                days -= 1
            }
            hour = secondOfDay / 3600
            minute = secondOfDay % 3600 / 60
            second = secondOfDay % 60
            // Howard Hinnant's civil_from_days.
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let mp = (5 * dayOfYear + 2) / 153
            day = dayOfYear - (153 * mp + 2) / 5 + 1
            month = mp < 10 ? mp + 3 : mp - 9
            year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        }

        func isSameDay(as other: UTCParts) -> Bool {
            year == other.year && month == other.month && day == other.day
        }

        var dateText: String {
            "\(year)-\(TimeText.pad(month))-\(TimeText.pad(day))"
        }
    }
}
