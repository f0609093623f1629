import Foundation

/// What the buttons of an app-mode parent act on, given only when a signing secret turns buttons on.
public struct SlackButtons: Sendable, Equatable {
    /// The incident key (`Notice.incidentKey`) or the key of a digest: carried in every button's value.
    public var key: String
    /// How long the Mute button mutes (`[slack] mute_for`, default 4 h): its label says it ("Mute 4h").
    public var muteFor: Duration
    /// API credentials are configured: notices about one connection get Re-sync.
    public var canResync: Bool

    public init(key: String, muteFor: Duration = .seconds(4 * 3600), canResync: Bool) {
        self.key = key
        self.muteFor = muteFor
        self.canResync = canResync
    }
}

/// What people did to an incident from Slack, shown on its parent message.
public struct SlackParentState: Sendable, Equatable {
    /// Acknowledged: by whom and when (nil once it ends).
    public var acknowledgedBy: SlackActor?
    public var acknowledgedAt: Date?
    /// Muted from Slack: by whom, until when.
    public var mutedBy: SlackActor?
    public var mutedUntil: Date?

    public init(
        acknowledgedBy: SlackActor? = nil, acknowledgedAt: Date? = nil, mutedBy: SlackActor? = nil,
        mutedUntil: Date? = nil
    ) {
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.mutedBy = mutedBy
        self.mutedUntil = mutedUntil
    }

    public var isAcknowledged: Bool { acknowledgedBy != nil }
}

/// A message for an incident's thread, and whether the channel sees it too (`reply_broadcast`).
public struct SlackThreadReply: Sendable, Equatable {
    public var message: SlackMessage
    public var broadcast: Bool

    public init(message: SlackMessage, broadcast: Bool) {
        self.message = message
        self.broadcast = broadcast
    }
}

/// The Block Kit layouts of the Slack app mode (slack-app.md "Living messages"): the failure parent with
/// its buttons, the same parent acknowledged or muted, recovered in green, and the thread replies.
/// Built on `AlertRenderer`'s layouts of messages.md and within `SlackLimits`. Pure: the same inputs and
/// `now` give the same message.
public enum SlackAppLayout {
    // MARK: - Parents

    /// The parent of a failure: the layout of messages.md, what people did to it ("Acknowledged by
    /// @alice at 10:14 UTC", "Muted by @alice until 14:10 UTC"), and with `buttons` an actions block:
    /// Acknowledge (Unacknowledge once acknowledged), Mute <mute_for>, and Re-sync (with a confirm
    /// dialog) for a notice about one connection when `buttons.canResync`. Re-rendered with the newest
    /// delivery when the status or reason changes.
    public static func failure(
        _ d: Delivery, buttons: SlackButtons?, state: SlackParentState = SlackParentState(), now: Date
    ) -> SlackMessage {
        var extra: [JSONValue] = []
        if let lines = stateLines(state, now: now) { extra.append(SlackMessage.context(lines)) }
        if let buttons {
            extra.append(actions(buttons, acknowledged: state.isAcknowledged, resync: resyncTarget(of: d), for: d))
        }
        return fitting(AlertRenderer.alert(for: d, now: now), adding: extra).message
    }

    /// The parent once the incident recovered, updated in place: a green header "Recovered — <name>",
    /// "after 2 h 13 min (4 failed syncs)", the last failure's status and reason kept as context, what
    /// people did, the dashboard link, and no buttons.
    /// - Parameters:
    ///   - lastFailure: the incident's latest failure (name, reason, link).
    ///   - recoveredAt: when it recovered (the success's time).
    ///   - failingSince: when the incident began.
    ///   - failures: failures in the incident, repeats included.
    public static func recovered(
        lastFailure d: Delivery, recoveredAt: Date, failingSince: Date, failures: Int,
        state: SlackParentState = SlackParentState(), now: Date
    ) -> SlackMessage {
        let name = d.displayName
        let after = "after \(TimeText.duration(recoveredAt.timeIntervalSince(failingSince))) (\(count(failures, d)))"
        var blocks: [JSONValue] = [
            SlackMessage.header(":large_green_circle: Recovered — \(name.replacingNewlines())"),
            SlackMessage.section(
                "*Recovered* \(after) · failing since \(TimeText.time(failingSince, now: now)), recovered "
                    + TimeText.time(recoveredAt, now: now)),
            SlackMessage.context([lastFailureLine(d)]),
        ]
        if let lines = stateLines(state, now: now) { blocks.append(SlackMessage.context(lines)) }
        blocks.append(SlackMessage.context([AlertRenderer.dashboardLink(d)]))
        let text = "Recovered — \(name), \(after)"
        return SlackMessage(text: AlertRenderer.summary(text), blocks: blocks).fittingLimits()
    }

    // MARK: - Thread replies

    /// A reminder of an open incident, in its thread: "Still failing — 3 more failed syncs since 10:05 UTC".
    /// - Parameters:
    ///   - failuresSince: failures since `since` (repeats counted).
    ///   - since: the last notice about the incident.
    public static func reminderReply(_ d: Delivery, failuresSince: Int, since: Date, now: Date) -> SlackThreadReply {
        let more = "\(failuresSince) more \(noun(failuresSince, d))"
        let line = "Still failing — \(more) since \(TimeText.shortTime(since, now: now))"
        var context = ["last \(TimeText.time(d.createdDate ?? now, now: now))"]
        if let status = d.status { context[0] += " · \(AlertRenderer.inline(status, 100))" }
        context.append(AlertRenderer.dashboardLink(d))
        let message = SlackMessage(
            text: AlertRenderer.summary("\(line) — \(d.displayName)"),
            blocks: [
                SlackMessage.section("\(AlertRenderer.marker(ForwardedEvents.severity(of: d))) *\(line)*"),
                SlackMessage.context(context),
            ])
        return SlackThreadReply(message: message.fittingLimits(), broadcast: false)
    }

    /// A changed status or reason, in the thread and broadcast to the channel (the parent is updated with
    /// `failure` too): "Now FAILURE_WITH_TASK · reconnect_warehouse (was FAILURE)" and the new reason.
    /// - Parameter previous: the failure before, for what it was; nil when unknown.
    public static func changeReply(_ d: Delivery, previous: Delivery?, now: Date) -> SlackThreadReply {
        let status = d.status ?? "no status"
        var line = "*Now* \(AlertRenderer.inline(status, 300))"
        if let task = d.data["taskType"]?.displayText, !task.isEmpty { line += " · \(AlertRenderer.inline(task, 300))" }
        var text = "Now \(status)"
        if let was = previous?.status, was != d.status {
            line += " (was \(AlertRenderer.inline(was, 300)))"
            text += " (was \(was))"
        }
        if let reason = d.reason { text += ": \(reason)" }
        let reason: JSONValue =
            d.reason.map { SlackMessage.section(Mrkdwn.codeBlock($0, limit: 2900)) }
            ?? SlackMessage.section("_Fivetran gave no reason_")
        let message = SlackMessage(
            text: AlertRenderer.summary("\(d.displayName): \(text)"),
            blocks: [
                SlackMessage.section("\(AlertRenderer.marker(ForwardedEvents.severity(of: d))) \(line)"),
                reason,
                SlackMessage.context([
                    TimeText.time(d.createdDate ?? now, now: now), AlertRenderer.dashboardLink(d),
                ]),
            ])
        return SlackThreadReply(message: message.fittingLimits(), broadcast: true)
    }

    /// The recovery, in the thread (the parent is updated with `recovered`); broadcast when the route has
    /// `notify_resolved`.
    public static func recoveryReply(
        lastFailure d: Delivery, recoveredAt: Date, failingSince: Date, failures: Int, broadcast: Bool, now: Date
    ) -> SlackThreadReply {
        let after = "after \(TimeText.duration(recoveredAt.timeIntervalSince(failingSince))) (\(count(failures, d)))"
        let message = SlackMessage(
            text: AlertRenderer.summary("Recovered — \(d.displayName), \(after)"),
            blocks: [
                SlackMessage.section(
                    ":large_green_circle: *Recovered* — \(AlertRenderer.inline(d.displayName, 500)), \(after)"),
                SlackMessage.context([
                    "recovered \(TimeText.time(recoveredAt, now: now))", AlertRenderer.dashboardLink(d),
                ]),
            ])
        return SlackThreadReply(message: message.fittingLimits(), broadcast: broadcast)
    }

    /// What a button did, in the thread: "Acknowledged by <@U…>", "Sync started by <@U…>", or a Re-sync's
    /// error sentence. `mrkdwn` is already safe (user strings escaped, mentions from `SlackActor.mrkdwn`).
    /// Not broadcast.
    public static func actionReply(_ mrkdwn: String) -> SlackThreadReply {
        let line = Mrkdwn.clamp(mrkdwn.replacingNewlines(), to: 3000)
        return SlackThreadReply(message: SlackMessage(text: line, blocks: []).fittingLimits(), broadcast: false)
    }

    /// "Sync started by @alice" (`error` nil) or "Re-sync by @alice failed: <the error's sentence>".
    public static func resyncReply(by actor: SlackActor, error: String?) -> SlackThreadReply {
        guard let error else { return actionReply("Sync started by \(actor.mrkdwn)") }
        let sentence = Mrkdwn.escapeAndClamp(error.replacingNewlines(), to: 1500)
        return actionReply("Re-sync by \(actor.mrkdwn) failed: \(sentence)")
    }

    /// "Unacknowledged by @alice: reminders resume" and, when the route pages PagerDuty, that PagerDuty
    /// has no un-acknowledge.
    public static func unacknowledgeReply(by actor: SlackActor, pagesPagerDuty: Bool) -> SlackThreadReply {
        var sentence = "Unacknowledged by \(actor.mrkdwn): reminders resume."
        if pagesPagerDuty {
            sentence += " PagerDuty has no un-acknowledge: its incident stays acknowledged there."
        }
        return actionReply(sentence)
    }

    /// What the clicker alone reads (by `response_url`, ephemeral).
    public enum Ephemeral {
        public static let noLongerTracked = "This alert is no longer tracked."
        public static let notAllowed = "You are not allowed to do this."
        public static let alreadyRecovered = "This alert has already recovered: nothing to do."
        public static let muteExpired = "This alert's mute has ended and the incident is closed: nothing to do."
    }

    // MARK: - Pieces

    /// The connection a Re-sync of this notice would start: a failed `sync_end`, a `connection_failure`,
    /// or a watch finding about a connection. Never a dbt or transformation notice, nor the inactive-webhook
    /// finding.
    public static func resyncTarget(of d: Delivery) -> String? {
        guard !d.isTransformationEvent else { return nil }
        switch d.event {
        case "sync_end", "connection_failure", "watch_connection_broken", "watch_connection_paused",
            "watch_connection_stale":
            guard let id = d.connectorId, !id.isEmpty else { return nil }
            return id
        default:
            return nil
        }
    }

    /// "Acknowledged by <@U1> at 10:14 UTC", "Muted by <@U1> until 14:10 UTC"; nil when neither.
    static func stateLines(_ state: SlackParentState, now: Date) -> [String]? {
        var lines: [String] = []
        if let actor = state.acknowledgedBy {
            let at = state.acknowledgedAt.map { " at \(TimeText.shortTime($0, now: now))" } ?? ""
            lines.append(":white_check_mark: Acknowledged by \(actor.mrkdwn)\(at)")
        }
        if let actor = state.mutedBy {
            let until = state.mutedUntil.map { " until \(TimeText.shortTime($0, now: now))" } ?? ""
            lines.append(":no_bell: Muted by \(actor.mrkdwn)\(until)")
        }
        return lines.isEmpty ? nil : lines
    }

    /// The actions block: Acknowledge or Unacknowledge, Mute <duration>, and Re-sync for `resync`.
    static func actions(
        _ buttons: SlackButtons, acknowledged: Bool, resync: String?, for d: Delivery?
    ) -> JSONValue {
        let value = SlackButtonValue(incident: buttons.key, connection: buttons.canResync ? resync : nil).encoded
        var elements: [JSONValue] = [
            acknowledged
                ? button(.unacknowledge, "Unacknowledge", value: value)
                : button(.acknowledge, "Acknowledge", value: value, style: "primary"),
            button(.mute, "Mute \(DurationRange.text(buttons.muteFor))", value: value),
        ]
        if buttons.canResync, let resync {
            let name = d?.displayName ?? resync
            var resyncButton = button(.resync, "Re-sync", value: value)
            if case .object(var object) = resyncButton {
                object["confirm"] = .object([
                    "title": plainText(clip("Re-sync \(name)?", 100)),
                    "text": plainText(
                        clip(
                            "Start a sync of \(name) (\(resync)) now through the Fivetran API? A sync already "
                                + "running is not stopped, and the schedule stays as it is.", 300)),
                    "confirm": plainText("Re-sync"),
                    "deny": plainText("Cancel"),
                ])
                resyncButton = .object(object)
            }
            elements.append(resyncButton)
        }
        return .object(["type": .string("actions"), "elements": .array(elements)])
    }

    private static func button(_ kind: SlackButton, _ label: String, value: String, style: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string("button"), "action_id": .string(kind.rawValue), "text": plainText(clip(label, 75)),
            "value": .string(value),
        ]
        if let style { object["style"] = .string(style) }
        return .object(object)
    }

    private static func plainText(_ text: String) -> JSONValue {
        .object(["type": .string("plain_text"), "text": .string(text), "emoji": .bool(true)])
    }

    /// Plain text on one line within `limit` characters (UTF-16 units, as `Mrkdwn.length` counts).
    static func clip(_ text: String, _ limit: Int) -> String {
        let line = text.replacingNewlines()
        guard Mrkdwn.length(line) > limit else { return line }
        var out = ""
        for character in line {
            if Mrkdwn.length(out) + Mrkdwn.length(String(character)) > limit - 1 { break }
            out.append(character)
        }
        return out + "…"
    }

    /// "4 failed syncs", "1 failed run" (dbt), "2 failed connection tests", "3 sweeps" (watch findings).
    static func count(_ n: Int, _ d: Delivery) -> String {
        "\(n) \(noun(n, d))"
    }

    private static func noun(_ n: Int, _ d: Delivery) -> String {
        let singular: String
        if IncidentSignal.isWatchEvent(d.event) {
            singular = "sweep"
        } else if d.isTransformationEvent {
            singular = "failed run"
        } else if d.event == "connection_failure" {
            singular = "failed connection test"
        } else {
            singular = "failed sync"
        }
        return n == 1 ? singular : singular + "s"
    }

    /// "Last failure: FAILURE_WITH_TASK — Unable to connect to the destination…" (escaped, one line).
    private static func lastFailureLine(_ d: Delivery) -> String {
        var line = "Last failure"
        if let status = d.status { line += ": \(status)" }
        line +=
            " — " + (d.reason?.split(whereSeparator: \.isNewline).first.map(String.init) ?? "Fivetran gave no reason")
        return AlertRenderer.inline(line, 600)
    }

    /// `base` with `extra` blocks at its end, within Slack's limits: when they would not fit, blocks of
    /// `base` before its closing context are taken out (returned, in order) until they do. The header and
    /// the closing context (with the link) stay.
    static func fitting(_ base: SlackMessage, adding extra: [JSONValue]) -> (
        message: SlackMessage, removed: [JSONValue]
    ) {
        var blocks = base.blocks
        var removed: [JSONValue] = []
        func total(_ list: [JSONValue]) -> Int { list.reduce(0) { $0 + SlackMessage.textLength(of: $1) } }
        let closing: JSONValue? = blocks.last?["type"]?.stringValue == "context" ? blocks.removeLast() : nil
        let tail = (closing.map { [$0] } ?? []) + extra
        while blocks.count > 1
            && (blocks.count + tail.count > SlackLimits.blocks
                || total(blocks) + total(tail) > SlackLimits.allBlocksText)
        {
            removed.insert(blocks.removeLast(), at: 0)
        }
        return (SlackMessage(text: base.text, blocks: blocks + tail), removed)
    }
}
