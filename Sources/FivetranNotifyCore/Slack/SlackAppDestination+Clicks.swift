import Foundation

/// What a click on a parent's button changes in Slack: the parent re-rendered with what people did
/// (and the button that undoes it), a reply in its thread, or a word to the clicker alone.
extension SlackAppDestination {
    /// The options the destination was built with (who may click, how long a mute lasts).
    public var appOptions: SlackAppOptions { options }

    /// Updates an open incident's parent to show `post`'s state ("Acknowledged by …", "Muted by …").
    func showState(of post: SlackAppPost, incident: String, now: Date) async -> SlackAPIFailure? {
        guard let failure = post.failure else { return nil }
        let buttons = SlackButtons(key: incident, muteFor: options.muteFor, canResync: options.canResync)
        let message = SlackAppLayout.failure(Delivery(raw: failure), buttons: buttons, state: post.state, now: now)
        switch await client.updateMessage(post.ref, to: message) {
        case .success: return nil
        case .failure(let problem): return problem
        }
    }

    /// Updates a digest's parent, as the clicker saw it (`shown`), to show `post`'s state; nothing when
    /// the click did not carry the message.
    func showDigestState(of post: SlackAppPost, shown: SlackMessage?, key: String, now: Date) async
        -> SlackAPIFailure?
    {
        guard let shown, let buttons = digestButtons(key) else { return nil }
        let message = SlackAppLayout.digestShowing(post.state, on: shown, buttons: buttons, now: now)
        switch await client.updateMessage(post.ref, to: message) {
        case .success: return nil
        case .failure(let problem): return problem
        }
    }

    /// Replies in the parent's thread.
    func reply(_ reply: SlackThreadReply, under post: SlackAppPost) async -> SlackAPIFailure? {
        switch await client.postMessage(
            reply.message, to: post.channel, inThreadOf: post.ts, broadcast: reply.broadcast)
        {
        case .success: return nil
        case .failure(let problem): return problem
        }
    }

    /// Tells the clicker alone, through the click's `response_url`.
    func tellClicker(_ mrkdwn: String, responseURL: String) async -> SlackAPIFailure? {
        switch await client.respondEphemeral(mrkdwn, to: responseURL) {
        case .success: return nil
        case .failure(let problem): return problem
        }
    }
}
