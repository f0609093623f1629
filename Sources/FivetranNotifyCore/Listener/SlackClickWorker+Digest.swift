import Foundation

/// A click on a storm's digest (kept under `digest:<message id>`): Acknowledge and Mute act on every
/// incident the digest named that is still failing under it, as the same click on each one's own
/// message would; the digest shows who did it and its thread says what was done.
extension SlackClickWorker {
    /// An incident of a digest still open under it: its key, its post (the digest's) and its failure.
    struct DigestMember: Sendable {
        var key: String
        var found: IncidentPost
        var post: SlackAppPost
        var failure: Delivery
    }

    /// The incidents the digest (message `id`) named that still share its post and have not recovered.
    func openMembers(ofDigest id: Int64, key: String, destination target: String) async throws -> [DigestMember] {
        guard let kept = try await store.messageDeliveries(id) else { return [] }
        var failures: [String: Delivery] = [:]
        for stored in try await store.deliveries(ids: kept.deliveryIds) {
            guard let delivery = try? Delivery.parse(stored.body),
                let incident = Notice(id: id, kind: .alert, deliveries: [delivery], createdAt: kept.createdAt)
                    .incidentKey
            else { continue }
            failures[incident] = delivery
        }
        let owners = try await store.sharedOwners(incidents: Array(failures.keys), destination: target)
        var members: [DigestMember] = []
        for incident in failures.keys.sorted() where owners[incident]?.owner == key {
            guard let found = try await store.post(incident: incident, destination: target), found.open,
                let post = SlackAppPost(encoded: found.post), let failure = failures[incident]
            else { continue }
            members.append(DigestMember(key: incident, found: found, post: post, failure: failure))
        }
        return members
    }

    func actOnDigest(
        _ action: SlackBlockAction, _ button: SlackButton, digest id: Int64, key: String, found: IncidentPost,
        post read: SlackAppPost
    ) async {
        let options = destination.appOptions
        let now = clock.date()
        let actor = action.actor
        let who = action.userID.escapingControlCharacters
        let members: [DigestMember]
        do {
            members = try await openMembers(ofDigest: id, key: key, destination: found.destination)
        } catch {
            logger.error("cannot read the incidents of a digest clicked in Slack: \(store.failureText(error))")
            await tell("The digest's connectors could not be read; try again.", action)
            return
        }
        let connectors = members.count == 1 ? "the 1 connector" : "the \(members.count) connectors"
        var reply: SlackThreadReply
        var change: SlackAppPost.Change?
        switch button {
        case .acknowledge:
            change = .acknowledged(by: actor, at: now)
            var unpaged = 0
            for member in members {
                guard let (pagerDuty, target) = pagerDuty(found.destination, member.failure) else { continue }
                // The same route pages: the on-call's phone stops too, for each connector.
                let outcome = await pagerDuty.acknowledge(incident: member.key, to: target)
                if outcome != .delivered {
                    logger.warning("cannot acknowledge the PagerDuty alert of \(member.key): \(outcome)")
                    unpaged += 1
                }
            }
            var sentence =
                "Acknowledged by \(actor.mrkdwn): reminders of \(connectors) still failing stop until they change."
            if unpaged > 0 {
                sentence += " PagerDuty could not be told about \(unpaged) of them; acknowledge them there."
            }
            reply = SlackAppLayout.actionReply(sentence)
        case .unacknowledge:
            change = .unacknowledged
            let pages = members.contains { pagerDuty(found.destination, $0.failure) != nil }
            reply = SlackAppLayout.unacknowledgeReply(by: actor, pagesPagerDuty: pages)
        case .mute:
            let targets = members.compactMap { Mute.Target(subjectOf: $0.failure) }
            let subjects = Dictionary(targets.map { ($0.kind + " " + $0.value, $0) }) { first, _ in first }
                .sorted { $0.key < $1.key }.map(\.value)
            guard !subjects.isEmpty else {
                await tell("This digest names nothing still failing to mute: use `fivetran-notify mute add`.", action)
                return
            }
            let until = now.addingTimeInterval(options.muteFor.seconds)
            let reason = "from Slack by @\(action.userName ?? action.userID) (a digest)"
            for subject in subjects {
                let mute = Mute(
                    id: Mute.newID(), target: subject, until: until, reason: reason, createdAt: now)
                do {
                    try await store.addMute(mute)
                } catch {
                    logger.error("cannot add a mute asked from Slack: \(store.failureText(error))")
                    await tell(
                        "Not every mute could be recorded; try again, or use `fivetran-notify mute add`.", action)
                    return
                }
                logger.info("muted \(subject.kind) \(subject.value) until \(until) from Slack by \(who) (\(mute.id))")
            }
            change = .muted(by: actor, until: until)
            let noun = subjects.count == 1 ? "1 connector" : "\(subjects.count) connectors"
            reply = SlackAppLayout.actionReply(
                "Muted by \(actor.mrkdwn) for \(TimeText.duration(options.muteFor.seconds)): \(noun) "
                    + "(`fivetran-notify mute list` shows them).")
        case .resync:
            await tell("A digest has no Re-sync: re-sync each connector from its own alert or in Fivetran.", action)
            return
        }
        // Each member's post first: its reminders read it.
        for member in members {
            do {
                _ = try await record(change, on: member.post, found: member.found, incident: member.key, now: now)
            } catch {
                logger.error("cannot record a Slack click's effect on \(member.key): \(store.failureText(error))")
            }
        }
        guard let post = await settle(change, on: read, found: found, incident: key, now: now, action) else { return }
        if let problem = await destination.showDigestState(of: post, shown: action.shown, key: key, now: now) {
            logger.warning("cannot update the Slack message \(post.ref.link): \(problem.sentence)")
        }
        if let problem = await destination.reply(reply, under: post) {
            logger.warning("cannot reply in the Slack thread \(post.ref.link): \(problem.sentence)")
        }
    }
}
