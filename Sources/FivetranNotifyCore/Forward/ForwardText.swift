import Foundation

/// The one-line `text` of a forwarded notice, as a phone would show it: "Sync failed: salesforce_prod
/// (salesforce) — FAILURE_WITH_TASK: …", "Recovered — salesforce_prod, after 2 h 13 min (4 failed
/// syncs)", "Still failing — …", "187 Fivetran failures in 2 min on destination … (2 reasons)".
enum ForwardText {
    /// The longest line, in characters; the full reason is in the notice's `reason`.
    static let limit = 300

    static func line(for notice: Notice, now: Date) -> String {
        let text: String
        switch notice.kind {
        case .alert where notice.deliveries.count == 1:
            text = alert(notice.deliveries[0])
        case .alert, .digest:
            text = digest(notice.deliveries)
        case .reminder:
            guard let latest = notice.deliveries.last else { return "Still failing" }
            let count = notice.failures ?? 1
            let since = TimeText.shortTime(notice.since ?? notice.createdAt, now: now)
            text =
                "Still failing — \(ReminderWords.subject(latest)): \(ReminderWords.repeats(count, of: latest)) since \(since) (same reason)"
        case .resolved:
            guard let success = notice.deliveries.last else { return "Recovered" }
            let recoveredAt = success.createdDate ?? notice.createdAt
            let duration = TimeText.duration(recoveredAt.timeIntervalSince(notice.since ?? notice.createdAt))
            var line = "Recovered — \(success.displayName), after \(duration)"
            if IncidentSignal.isWatchEvent(success.event) {
                // The cleared finding's own headline: "Connector no longer broken — salesforce_prod".
                if let title = success.data["title"]?.displayText, !title.isEmpty {
                    line = "\(title), after \(duration)"
                }
            } else {
                let failures = notice.failures ?? 1
                let unit = success.isTransformationEvent ? "failed run" : "failed sync"
                line += " (\(failures) \(failures == 1 ? unit : unit + "s"))"
            }
            text = line
        }
        return clamp(text)
    }

    /// One failure's line.
    static func alert(_ d: Delivery) -> String {
        clamp(DeliveryWords.line(d, transformationReason: d.reason))
    }

    private static func digest(_ deliveries: [Delivery]) -> String {
        let dates = deliveries.compactMap(\.createdDate)
        let span = dates.min().flatMap { first in
            dates.max().flatMap { last in last > first ? " in \(TimeText.duration(last.timeIntervalSince(first)))" : nil
            }
        }
        let groups = Set(deliveries.map { $0.destinationGroupId ?? "" })
        let place = groups.count == 1 ? groups.first.flatMap { $0.isEmpty ? nil : " on destination \($0)" } : nil
        let reasons = Set(deliveries.map { firstLine($0.reason ?? $0.status ?? "") }).count
        let noun = deliveries.count == 1 ? "failure" : "failures"
        return
            "\(deliveries.count) Fivetran \(noun)\(span ?? "")\(place ?? "") (\(reasons) \(reasons == 1 ? "reason" : "reasons"))"
    }

    private static func firstLine(_ text: String) -> Substring {
        text.prefix { !$0.isNewline }
    }

    /// On one line, and at most `limit` characters, cut visibly as every destination cuts
    /// (`TextClamp`: "… (N more characters)").
    private static func clamp(_ text: String) -> String {
        let line = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return TextClamp.clamp(line, to: limit, measure: { $0.count }, pieces: { line.map(String.init) })
    }
}
