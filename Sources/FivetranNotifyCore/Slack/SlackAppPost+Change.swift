import Foundation

extension SlackAppPost {
    /// What a button click changes on a kept post: one value for a single alert's click and a digest's,
    /// applied again to a newer post when a send kept one meanwhile.
    enum Change: Sendable {
        case acknowledged(by: SlackActor, at: Date)
        case unacknowledged
        case muted(by: SlackActor, until: Date)

        func apply(to post: inout SlackAppPost) {
            switch self {
            case .acknowledged(let actor, let date):
                post.acknowledgedBy = actor
                post.acknowledgedAt = date
            case .unacknowledged:
                post.acknowledgedBy = nil
                post.acknowledgedAt = nil
            case .muted(let actor, let until):
                post.mutedBy = actor
                post.mutedUntil = until
            }
        }
    }
}
