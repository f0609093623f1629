import Foundation

/// What a notice to a Slack channel in app mode says, decided once when it is first taken up (the
/// outbox freezes it like every body): the messages to post, reply or update with, and which step
/// of an incident's life it is. Which Web API calls carry it out depends on the incident's parent
/// message at send time (`SlackAppDestination.send(_:to:post:)`).
struct SlackAppPlan: Codable, Equatable {
    enum Step: String, Codable {
        /// A failure: a new parent, or (when the incident has one) a change of status or reason.
        case failure
        /// "Still failing": a reply in the parent's thread.
        case reminder
        /// Recovered: the parent updated in place and a reply in its thread.
        case recovery
        /// A storm's digest: a new parent.
        case digest
        /// A digest page that did not fit its parent: a reply in the digest's thread.
        case page
        /// Connectors of a digest recovered: the digest's parent updated with their count (green when
        /// all have), and a reply naming them in its thread.
        case sharedRecovery
    }

    var step: Step
    /// The message posted as a new parent (failure, digest, page; a reminder without a parent).
    var parent: SlackMessage?
    /// The thread reply: a change of status or reason, a reminder, a recovery.
    var reply: SlackMessage?
    /// The reply is also shown in the channel.
    var broadcast = false
    /// The failure a parent shows (kept with the post, for the recovered parent).
    var failure: [String: JSONValue]?
    /// For a recovery: what the recovered parent says.
    var recovery: Recovered?
    /// For a digest's update with buttons: the key they act on (what people did is shown at send time).
    var buttonsKey: String?

    struct Recovered: Codable, Equatable {
        /// The success.
        var success: [String: JSONValue]
        var recoveredAt: Date
        var failingSince: Date
        var failures: Int
        /// When it was decided (times are shown relative to it).
        var now: Date
    }

    var encoded: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    init(
        step: Step, parent: SlackMessage? = nil, reply: SlackMessage? = nil, broadcast: Bool = false,
        failure: [String: JSONValue]? = nil, recovery: Recovered? = nil
    ) {
        self.step = step
        self.parent = parent
        self.reply = reply
        self.broadcast = broadcast
        self.failure = failure
        self.recovery = recovery
    }

    init?(encoded body: Data) {
        guard let plan = try? JSONDecoder().decode(Self.self, from: body) else { return nil }
        self = plan
    }
}

/// The post an incident keeps for a Slack channel in app mode: where its parent is, and the failure it
/// shows (for the recovered parent). Stored by the store as opaque text.
struct SlackAppPost: Codable, Equatable {
    var channel: String
    var ts: String
    var failure: [String: JSONValue]?
    /// What people did from Slack (buttons): shown on the parent; an acknowledgement stops reminders.
    var acknowledgedBy: SlackActor?
    var acknowledgedAt: Date?
    var mutedBy: SlackActor?
    var mutedUntil: Date?
    /// It is a storm's digest, which its connectors' later notices reply under (never update).
    var digest: Bool?

    var state: SlackParentState {
        SlackParentState(
            acknowledgedBy: acknowledgedBy, acknowledgedAt: acknowledgedAt, mutedBy: mutedBy, mutedUntil: mutedUntil)
    }

    var ref: SlackMessageRef { SlackMessageRef(channel: channel, ts: ts) }

    init(_ ref: SlackMessageRef, failure: [String: JSONValue]?) {
        channel = ref.channel
        ts = ref.ts
        self.failure = failure
    }

    var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    init?(encoded text: String) {
        guard let post = try? JSONDecoder().decode(Self.self, from: Data(text.utf8)) else { return nil }
        self = post
    }

    /// The message's link in Slack.
    static func link(ofStored text: String) -> String? { Self(encoded: text)?.ref.link }

    /// What `status` shows of a stored post.
    static func summary(ofStored text: String) -> PostSummary? {
        guard let post = Self(encoded: text) else { return nil }
        func who(_ actor: SlackActor?) -> String? { actor.map { $0.name.map { "@" + $0 } ?? $0.userID } }
        return PostSummary(
            link: post.ref.link, acknowledgedBy: who(post.acknowledgedBy), acknowledgedAt: post.acknowledgedAt,
            mutedBy: who(post.mutedBy), mutedUntil: post.mutedUntil)
    }
}
