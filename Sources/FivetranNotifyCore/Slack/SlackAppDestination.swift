import Foundation
import Logging

/// Slack with the bot token (slack-app.md "Living messages"): a failure is posted once with
/// `chat.postMessage` and becomes its incident's parent; reminders are replies in its thread; a changed
/// status or reason is a broadcast reply and an update of the parent; a recovery updates the parent in
/// place (green, buttons gone) and replies in the thread, broadcast with `notify_resolved`. A parent
/// that is gone is not an error: the notice is posted anew and becomes the new parent. The target's
/// address is the channel; the token is the installation's (`SlackAppOptions`).
public struct SlackAppDestination: NoticeDestination {
    let client: SlackWebAPIClient
    let options: SlackAppOptions
    let logger: Logger
    /// Whether recoveries are broadcast to the channel (`notify_resolved` in force).
    let notifyResolved: @Sendable () -> Bool
    /// Paces `chat.update`; its date is "now" for what people did, shown at send time.
    let clock: ServiceClock
    public let dryRun: Bool

    /// `chat.update` is Tier 3, "50+ per minute" per workspace: one token's updates, however many
    /// channels, go at most one per 1.25 s after a burst of 2, so never more than 50 in any minute.
    public static let updateInterval = Duration.milliseconds(1250)
    public static let updateBurst = 2

    /// - Parameter clock: paces `chat.update` (`updateInterval`).
    public init(
        options: SlackAppOptions, transport: any HTTPTransport, logger: Logger, dryRun: Bool = false,
        notifyResolved: @escaping @Sendable () -> Bool = { false }, clock: ServiceClock = .live
    ) {
        self.options = options
        var client = SlackWebAPIClient(baseURL: options.apiURL, token: options.token, transport: transport)
        if !dryRun {
            let pacers = SharedPacers(interval: Self.updateInterval, burst: Self.updateBurst)
            client.updatePace = {
                let wait = pacers.reserve("chat.update", now: clock.now())
                if wait > .zero { try? await clock.sleep(wait) }
            }
        }
        self.client = client
        self.logger = logger
        self.dryRun = dryRun
        self.notifyResolved = notifyResolved
        self.clock = clock
    }

    public var kind: DestinationKind { .slackApp }

    /// Whether the bot token works (`auth.test`): whose it is, or why Slack refused it.
    public func checkToken() async -> Result<SlackAuthIdentity, SlackAPIFailure> { await client.authTest() }

    /// A recovery updates the parent whether or not `notify_resolved` is on (an update notifies no one);
    /// every notice about an incident knows its parent; a digest's parent counts its recovered
    /// connectors, updated at most once a minute (slack-app.md "Digests").
    public static var capabilities: DestinationCapabilities {
        DestinationCapabilities(alwaysHearsResolves: true, keepsPosts: true, sharedPostInterval: .seconds(60))
    }

    /// A channel id (`C…`, `G…`) or `#name`.
    public static func checkAddress(_ text: String) -> Result<String, TargetProblem> {
        let channel = text.trimmingCharacters(in: .whitespaces)
        let body = channel.hasPrefix("#") ? channel.dropFirst() : Substring(channel)
        guard !body.isEmpty, body.count <= 80,
            body.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            return .failure(
                TargetProblem("is not a Slack channel: give its id (C0123ABCD) or its name (#alerts)"))
        }
        return .success(channel)
    }

    public func redacted(_ target: String) -> String {
        DestinationTarget(encoded: target).map { "slack channel \($0.address)" + ($0.dryRun ? " (dry run)" : "") }
            ?? TargetReference(encoded: target)?.redacted ?? "slack channel (unreadable target)"
    }

    /// A send's post merged with a click recorded while it was in flight: the send's message and
    /// failure, and what people did (acknowledged, muted) unless the send itself changed that (a new
    /// status or reason ends an acknowledgement).
    public func mergePost(_ answered: String, given: String?, current: String) -> String {
        guard var merged = SlackAppPost(encoded: answered), let now = SlackAppPost(encoded: current) else {
            return answered
        }
        let before = given.flatMap(SlackAppPost.init(encoded:))
        if merged.acknowledgedBy == before?.acknowledgedBy && merged.acknowledgedAt == before?.acknowledgedAt {
            merged.acknowledgedBy = now.acknowledgedBy
            merged.acknowledgedAt = now.acknowledgedAt
        }
        if merged.mutedBy == before?.mutedBy && merged.mutedUntil == before?.mutedUntil {
            merged.mutedBy = now.mutedBy
            merged.mutedUntil = now.mutedUntil
        }
        return merged.encoded
    }

    /// What `status` shows of a post this destination stored: its link, who acknowledged or muted it.
    public static func summary(ofPost post: String) -> PostSummary? { SlackAppPost.summary(ofStored: post) }

    // MARK: - Rendering

    public func render(_ notice: Notice, now: Date) -> [Data] {
        var plans: [SlackAppPlan] = []
        switch notice.kind {
        case .alert where notice.deliveries.count == 1:
            let d = notice.deliveries[0]
            var parent = SlackAppLayout.failure(d, buttons: buttons(for: notice), now: now)
            if notice.isTest { parent = parent.markedAsTest() }
            plans = [
                SlackAppPlan(
                    step: .failure, parent: parent,
                    reply: SlackAppLayout.changeReply(d, previous: nil, now: now).message, broadcast: true,
                    failure: d.raw)
            ]
        case .alert, .digest:
            guard
                let layout = SlackAppLayout.digest(
                    notice.deliveries, recovered: [], buttons: digestButtons(Notice.digestKey(ofMessage: notice.id)),
                    now: now)
            else { return [] }
            plans =
                [SlackAppPlan(step: .digest, parent: layout.parent)]
                + layout.continuations.map { SlackAppPlan(step: .page, parent: $0) }
        case .reminder:
            guard let latest = notice.deliveries.last else { return [] }
            let since = notice.since ?? notice.createdAt
            let failures = notice.failures ?? 1
            plans = [
                SlackAppPlan(
                    step: .reminder,
                    parent: AlertRenderer.reminder(latest, failuresSince: failures, since: since, now: now),
                    reply: SlackAppLayout.reminderReply(latest, failuresSince: failures, since: since, now: now)
                        .message, failure: latest.raw)
            ]
        case .resolved where notice.sharedPost != nil:
            plans = sharedRecovery(notice, now: now)
        case .resolved:
            guard let success = notice.deliveries.last else { return [] }
            let since = notice.since ?? notice.createdAt
            let failures = notice.failures ?? 1
            let recoveredAt = success.createdDate ?? notice.createdAt
            let broadcast = notifyResolved()
            plans = [
                SlackAppPlan(
                    step: .recovery,
                    reply: SlackAppLayout.recoveryReply(
                        lastFailure: success, recoveredAt: recoveredAt, failingSince: since, failures: failures,
                        broadcast: broadcast, now: now
                    ).message,
                    broadcast: broadcast,
                    recovery: .init(
                        success: success.raw, recoveredAt: recoveredAt, failingSince: since, failures: failures,
                        now: now))
            ]
        }
        return plans.map(\.encoded)
    }

    /// Connectors of a digest recovered: the digest's parent with their count (green when all have),
    /// updated with the first reply naming them; further replies when the names need several.
    private func sharedRecovery(_ notice: Notice, now: Date) -> [SlackAppPlan] {
        guard let progress = notice.sharedPost else { return [] }
        let total = max(Set(progress.announced.map(\.subjectKey)).count, progress.members)
        let done = progress.allRecovered ? total : min(progress.recovered.count, total)
        let replies = SlackAppLayout.sharedRecoveryReplies(
            notice.deliveries, done: done, total: total, broadcast: notifyResolved(), now: now)
        guard let first = replies.first else { return [] }
        let parent = SlackAppLayout.sharedParent(
            announced: progress.announced, announcedAt: progress.announcedAt, recoveredIncidents: progress.recovered,
            allRecovered: progress.allRecovered, buttons: progress.owner.flatMap(digestButtons))
        var plan = SlackAppPlan(step: .sharedRecovery, parent: parent, reply: first.message, broadcast: first.broadcast)
        if !progress.allRecovered { plan.buttonsKey = progress.owner.flatMap(digestButtons)?.key }
        return [plan]
            + replies.dropFirst().map { SlackAppPlan(step: .page, parent: $0.message) }
    }

    /// The buttons of a failure's parent: only with a signing secret (which turns on the actions endpoint).
    private func buttons(for notice: Notice) -> SlackButtons? {
        guard options.hasButtons, let key = notice.incidentKey else { return nil }
        return SlackButtons(key: key, muteFor: options.muteFor, canResync: options.canResync)
    }

    /// The buttons of a digest's parent (Acknowledge and Mute, acting on every connector it names still
    /// failing): only with a signing secret, like a failure's.
    func digestButtons(_ key: String) -> SlackButtons? {
        guard options.hasButtons else { return nil }
        return SlackButtons(key: key, muteFor: options.muteFor, canResync: false)
    }

    // MARK: - Sending

    public func send(_ body: Data, to target: String) async -> SendOutcome {
        await send(body, to: target, post: nil).0
    }

    public func send(_ body: Data, to target: String, post: String?) async -> (SendOutcome, post: String?) {
        guard let plan = SlackAppPlan(encoded: body) else {
            return (.permanent(status: 0, reason: "the stored Slack message is unreadable"), nil)
        }
        let channel = DestinationTarget(encoded: target)?.address ?? target
        let parent = post.flatMap(SlackAppPost.init(encoded:))
        switch plan.step {
        case .failure, .digest:
            if let parent, parent.digest == true, plan.step == .failure, let message = plan.parent {
                // A connector of a digest changed: the channel sees it in full, in the digest's thread.
                return await replyUnder(parent, message, broadcast: true)
            }
            if let parent, let reply = plan.reply, let message = plan.parent {
                // A changed status or reason: the parent shows it, the channel sees the reply.
                // It also ends an acknowledgement: the parent shows Acknowledge again, reminders resume.
                var changed = parent
                changed.acknowledgedBy = nil
                changed.acknowledgedAt = nil
                return await updateThenReply(
                    changed, to: message, failure: plan.failure, reply: reply, broadcast: true, channel: channel,
                    changedState: changed != parent)
            }
            return await postParent(
                plan.parent, failure: plan.failure, channel: channel, digest: plan.step == .digest)
        case .page, .reminder:
            // Acknowledged: someone is on it, reminders stop until it recovers or changes.
            if plan.step == .reminder, parent?.acknowledgedBy != nil { return (.delivered, nil) }
            guard let parent, let reply = plan.step == .page ? plan.parent : plan.reply else {
                return await postParent(plan.parent, failure: plan.failure, channel: channel)
            }
            switch await client.postMessage(reply, to: parent.channel, inThreadOf: parent.ts) {
            case .success: return (.delivered, nil)
            case .failure(let failure) where failure.kind == .messageGone:
                return await postParent(plan.parent ?? reply, failure: plan.failure ?? parent.failure, channel: channel)
            case .failure(let failure): return (failure.sendOutcome, nil)
            }
        case .sharedRecovery:
            guard let reply = plan.reply else { return (.delivered, nil) }
            guard let parent else {
                // The digest was not posted with the token: only notify_resolved says it anew.
                guard plan.broadcast else { return (.delivered, nil) }
                return await postParent(reply, failure: nil, channel: channel)
            }
            guard var updated = plan.parent else { return await replyUnder(parent, reply, broadcast: plan.broadcast) }
            if let buttons = plan.buttonsKey.flatMap(digestButtons) {
                // What people did to the digest (a click) stays shown as its connectors recover.
                updated = SlackAppLayout.digestShowing(parent.state, on: updated, buttons: buttons, now: clock.date())
            }
            return await updateThenReply(
                parent, to: updated, failure: nil, reply: reply, broadcast: plan.broadcast, channel: channel)
        case .recovery:
            guard let recovery = plan.recovery, let reply = plan.reply else { return (.delivered, nil) }
            let last = Delivery(raw: parent?.failure ?? recovery.success)
            let recovered = SlackAppLayout.recovered(
                lastFailure: last, recoveredAt: recovery.recoveredAt, failingSince: recovery.failingSince,
                failures: recovery.failures, state: parent?.state ?? SlackParentState(), now: recovery.now)
            guard let parent else {
                // Nothing of the incident was posted with the token: only notify_resolved says it anew.
                guard plan.broadcast else { return (.delivered, nil) }
                return await postParent(recovered, failure: parent?.failure, channel: channel)
            }
            if parent.digest == true {
                // One connector of a storm recovered: said in the digest's thread; the digest stays.
                return await replyUnder(parent, reply, broadcast: plan.broadcast)
            }
            return await updateThenReply(
                parent, to: recovered, failure: parent.failure, reply: reply, broadcast: plan.broadcast,
                channel: channel)
        }
    }

    /// A reply in the thread of `parent`; a parent that is gone leaves the reply to be posted as a new
    /// message (the incident's new parent).
    private func replyUnder(_ parent: SlackAppPost, _ message: SlackMessage, broadcast: Bool) async -> (
        SendOutcome, post: String?
    ) {
        switch await client.postMessage(message, to: parent.channel, inThreadOf: parent.ts, broadcast: broadcast) {
        case .success: return (.delivered, nil)
        case .failure(let problem) where problem.kind == .messageGone:
            return await postParent(message, failure: parent.failure, channel: parent.channel)
        case .failure(let problem): return (problem.sendOutcome, nil)
        }
    }

    /// Posts a new parent; its channel and `ts` are the incident's post from now on.
    private func postParent(
        _ message: SlackMessage?, failure: [String: JSONValue]?, channel: String, digest: Bool = false
    ) async -> (SendOutcome, post: String?) {
        guard let message else { return (.delivered, nil) }
        switch await client.postMessage(message, to: channel) {
        case .success(let sent):
            if sent.plainTextOnly { logPlainText("chat.postMessage", channel: channel) }
            var post = SlackAppPost(sent.message, failure: failure)
            if digest { post.digest = true }
            return (.delivered, post.encoded)
        case .failure(let failure):
            return (failure.sendOutcome, nil)
        }
    }

    /// Updates the parent, then replies in its thread; a parent that is gone is posted anew first.
    private func updateThenReply(
        _ parent: SlackAppPost, to message: SlackMessage, failure: [String: JSONValue]?, reply: SlackMessage,
        broadcast: Bool, channel: String, changedState: Bool = false
    ) async -> (SendOutcome, post: String?) {
        var current = parent
        var newPost: String? = changedState ? parent.encoded : nil
        switch await client.updateMessage(parent.ref, to: message) {
        case .success(let sent):
            if sent.plainTextOnly { logPlainText("chat.update", channel: parent.channel) }
            if let failure, failure != parent.failure {
                current.failure = failure
                newPost = current.encoded
            }
        case .failure(let problem) where problem.kind == .messageGone:
            logger.info(
                "the Slack message \(parent.ref.link) is gone (\(problem.error)): posting anew, as the incident's new parent"
            )
            let (outcome, post) = await postParent(message, failure: failure ?? parent.failure, channel: channel)
            guard outcome == .delivered, let post, let posted = SlackAppPost(encoded: post) else {
                return (outcome, nil)
            }
            current = posted
            newPost = post
        case .failure(let problem):
            return (problem.sendOutcome, nil)
        }
        switch await client.postMessage(reply, to: current.channel, inThreadOf: current.ts, broadcast: broadcast) {
        case .success: return (.delivered, newPost)
        // The parent as it now is stays the incident's post (kept even though the notice is retried), so
        // the retry updates it again rather than posting a new parent twice.
        case .failure(let problem): return (problem.sendOutcome, newPost)
        }
    }

    private func logPlainText(_ method: String, channel: String) {
        logger.warning(
            "<-- slack \(method): Slack refused the Block Kit layout; the plain-text fallback was accepted",
            metadata: ["destination": "slack channel \(channel)"])
    }
}
