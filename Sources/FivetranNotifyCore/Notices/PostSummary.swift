import Foundation

/// What `status` shows of the message a destination keeps for an incident (`keepsPosts`): where to open
/// it, and what people did to it from there (acknowledged, muted: by whom, when).
public struct PostSummary: Sendable, Equatable {
    /// The message's link (`https://slack.com/archives/C…/p…`).
    public var link: String
    /// Who acknowledged it (a user id or name), and when.
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    /// Who muted it from there, and until when.
    public var mutedBy: String?
    public var mutedUntil: Date?

    public init(
        link: String, acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil, mutedBy: String? = nil,
        mutedUntil: Date? = nil
    ) {
        self.link = link
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.mutedBy = mutedBy
        self.mutedUntil = mutedUntil
    }
}
