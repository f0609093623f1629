import Foundation
import Logging
import ServiceLifecycle

/// Acts on the Slack button clicks `SlackActionsEndpoint` recorded, after their 200 (slack-app.md
/// "Buttons"), each once, also after a restart: Acknowledge / Unacknowledge (the parent shows it;
/// reminders stop meanwhile), Mute (a real mute, as `mute add --connector ID --for <mute_for>` makes),
/// Re-sync (a sync started through the Fivetran API, the result in the thread). A click from someone
/// not in `[slack] allowed_users`, or on a message this listener does not track or that recovered,
/// changes nothing and the clicker alone is told why.
struct SlackClickWorker: Service {
    let store: any StateStore
    let destination: SlackAppDestination
    /// The listener's API client, for Re-sync (nil without API credentials).
    let fivetran: FivetranAPIClient?
    let clock: ServiceClock
    let logger: Logger
    /// The PagerDuty destination of the route a post went to (its stored target), for the incident's
    /// failure; nil when that route does not page.
    var pagerDuty: @Sendable (_ postDestination: String, _ failure: Delivery) -> (PagerDutyDestination, String)? = {
        _, _ in nil
    }

    /// Records the click's change over the post it read; when a send recorded a newer post meanwhile,
    /// over that one (never reopening a post a recovery closed). Returns the post kept.
    func record(
        _ change: SlackAppPost.Change?, on read: SlackAppPost, found: IncidentPost, incident: String, now: Date
    ) async throws -> SlackAppPost? {
        var expected = found.post
        var post = read
        change?.apply(to: &post)
        for _ in 0..<3 {
            if try await store.replacePost(
                post.encoded, incident: incident, destination: found.destination, open: true, at: now,
                expecting: expected)
            {
                return post
            }
            guard let current = try await store.post(incident: incident, destination: found.destination),
                current.open, var newer = SlackAppPost(encoded: current.post)
            else { return nil }
            change?.apply(to: &newer)
            post = newer
            expected = current.post
        }
        return nil
    }

    /// `record`, as a click needs it: nil when the incident recovered meanwhile (the clicker is told and
    /// its green message left alone); when the store fails, the change is shown anyway.
    func settle(
        _ change: SlackAppPost.Change?, on read: SlackAppPost, found: IncidentPost, incident: String,
        now: Date, _ action: SlackBlockAction
    ) async -> SlackAppPost? {
        do {
            guard let kept = try await record(change, on: read, found: found, incident: incident, now: now) else {
                await tell(SlackAppLayout.Ephemeral.alreadyRecovered, action)
                return nil
            }
            return kept
        } catch {
            logger.error("cannot record a Slack click's effect: \(store.failureText(error))")
            var post = read
            change?.apply(to: &post)
            return post
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await actOnPending()
                await store.clicksRecorded.wait(timeout: .seconds(5))
            }
        }
    }

    /// Acts on every recorded click not yet acted on.
    func actOnPending() async {
        let clicks: [StoredClick]
        do {
            clicks = try await store.pendingClicks()
        } catch {
            if !(error is CancellationError), !store.outageLogged {
                logger.error("cannot read Slack clicks: \(store.failureText(error))")
            }
            return
        }
        for click in clicks {
            await act(on: click)
            do { try await store.markClickDone(click.key) } catch {
                logger.error("cannot record a Slack click as done: \(store.failureText(error))")
            }
        }
    }

    private func act(on click: StoredClick) async {
        guard let action = try? SlackBlockAction.parse(formBody: click.body), let button = action.button else { return }
        let options = destination.appOptions
        let who = action.userID.escapingControlCharacters
        if !options.allowedUsers.isEmpty && !options.allowedUsers.contains(action.userID) {
            logger.warning("slack click \(action.actionID) by \(who) refused: not in [slack] allowed_users")
            await tell(SlackAppLayout.Ephemeral.notAllowed, action)
            return
        }
        guard let key = action.buttonValue?.incident,
            let found = try? await store.posts(incidents: [key])[key],
            var post = SlackAppPost(encoded: found.post), post.ts == action.message.ts
        else {
            logger.info("slack click \(action.actionID) by \(who) on a message this listener does not track")
            await tell(SlackAppLayout.Ephemeral.noLongerTracked, action)
            return
        }
        guard found.open else {
            await tell(SlackAppLayout.Ephemeral.alreadyRecovered, action)
            return
        }
        if let digest = Notice.digestMessage(ofKey: key) {
            await actOnDigest(action, button, digest: digest, key: key, found: found, post: post)
            return
        }
        let now = clock.date()
        let actor = action.actor
        let paging = post.failure.flatMap { pagerDuty(found.destination, Delivery(raw: $0)) }
        var reply: SlackThreadReply
        // What the click changes on the post (nothing for a Re-sync), applied again to a newer post if
        // one was kept meanwhile.
        var change: SlackAppPost.Change?
        switch button {
        case .acknowledge:
            change = .acknowledged(by: actor, at: now)
            reply = SlackAppLayout.actionReply("Acknowledged by \(actor.mrkdwn): reminders stop until it changes.")
            if let (pagerDuty, target) = paging {
                // The same route pages: the on-call's phone stops too.
                let outcome = await pagerDuty.acknowledge(incident: key, to: target)
                if outcome != .delivered {
                    logger.warning("cannot acknowledge the PagerDuty alert of \(key): \(outcome)")
                    reply = SlackAppLayout.actionReply(
                        "Acknowledged by \(actor.mrkdwn): reminders stop until it changes. PagerDuty could not be "
                            + "told; acknowledge it there.")
                }
            }
        case .unacknowledge:
            change = .unacknowledged
            reply = SlackAppLayout.unacknowledgeReply(by: actor, pagesPagerDuty: paging != nil)
        case .mute:
            guard let failure = post.failure, let target = Mute.Target(subjectOf: Delivery(raw: failure)) else {
                await tell("This alert cannot be muted from Slack: use `fivetran-notify mute add`.", action)
                return
            }
            let until = now.addingTimeInterval(options.muteFor.seconds)
            let mute = Mute(
                id: Mute.newID(), target: target, until: until,
                reason: "from Slack by @\(action.userName ?? action.userID)", createdAt: now)
            do {
                try await store.addMute(mute)
            } catch {
                logger.error("cannot add the mute asked from Slack: \(store.failureText(error))")
                await tell("The mute could not be recorded; try again, or use `fivetran-notify mute add`.", action)
                return
            }
            logger.info("muted \(target.kind) \(target.value) until \(until) from Slack by \(who) (\(mute.id))")
            change = .muted(by: actor, until: until)
            reply = SlackAppLayout.actionReply(
                "Muted by \(actor.mrkdwn) for \(TimeText.duration(options.muteFor.seconds)) (\(mute.id)).")
        case .resync:
            reply = SlackAppLayout.resyncReply(by: actor, error: await resync(action.buttonValue?.connection))
        }
        // It recovered while the click was being carried out: its message is green, leave it so.
        guard let kept = await settle(change, on: post, found: found, incident: key, now: now, action) else { return }
        post = kept
        if button != .resync, let problem = await destination.showState(of: post, incident: key, now: now) {
            logger.warning("cannot update the Slack message \(post.ref.link): \(problem.sentence)")
        }
        if let problem = await destination.reply(reply, under: post) {
            logger.warning("cannot reply in the Slack thread \(post.ref.link): \(problem.sentence)")
        }
    }

    /// Starts a sync; nil when started, else the error's sentence (never a secret).
    private func resync(_ connection: String?) async -> String? {
        guard let connection else { return "this alert names no connection to sync." }
        guard let fivetran else {
            return "the listener has no Fivetran API credentials (FIVETRAN_API_KEY and FIVETRAN_API_SECRET)."
        }
        do {
            _ = try await fivetran.startSync(connectionID: connection)
            return nil
        } catch let error as FivetranAPIError {
            return error.message
        } catch {
            return "the Fivetran API could not be reached; try again."
        }
    }

    /// What Mute silences: the connector, else the dbt job, of the failure.
    func tell(_ text: String, _ action: SlackBlockAction) async {
        if let problem = await destination.tellClicker(text, responseURL: action.responseURL) {
            logger.warning("cannot answer a Slack click: \(problem.sentence)")
        }
    }
}
