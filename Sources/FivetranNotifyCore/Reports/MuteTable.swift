import Foundation

/// Active mutes as a table for people (`mute list`, `status`): id, what, until when (and how long), why.
enum MuteTable {
    static func render(_ mutes: [Mute], now: Date) -> String {
        guard !mutes.isEmpty else { return "No active mutes." }
        let rows = mutes.map { mute in
            [
                mute.id, mute.targetText,
                "\(TimeText.absolute(mute.until)) (in \(TimeText.duration(mute.until.timeIntervalSince(now))))",
                mute.reason ?? "",
            ]
        }
        return TextTable.render(header: ["ID", "MATCHES", "UNTIL", "REASON"], rows: rows)
    }
}
