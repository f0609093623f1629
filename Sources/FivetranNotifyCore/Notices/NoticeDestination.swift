import Foundation

/// One kind of destination (Slack, PagerDuty, Teams, the forward endpoint): it turns a notice into the
/// bodies to send and reads its service's answer into a `SendOutcome`. It owns its payload, its limits
/// and its answers, and nothing else: queueing, pacing, retries and recording are the dispatcher's.
public protocol NoticeDestination: Sendable {
    /// The kind of target it sends to.
    var kind: DestinationKind { get }
    /// Whether it handles only the targets queued by `listen --dry-run` (and prints them), or only real ones.
    var dryRun: Bool { get }
    /// A short name for log lines: "slack".
    var name: String { get }
    /// The service's name in sentences: "Slack".
    var displayName: String { get }
    /// What it needs from the dispatcher and noise control (pacing, digests, reminders, resolves).
    static var capabilities: DestinationCapabilities { get }
    /// Checks its address as a person gives it: the address to store, or what is wrong with it.
    static func checkAddress(_ text: String) -> Result<String, TargetProblem>
    /// Whether the stored target (`TargetReference.encoded`, or a literal `DestinationTarget.encoded`) is
    /// one this destination sends to.
    func handles(_ target: String) -> Bool
    /// The target as logs and errors may show it (targets are secrets).
    func redacted(_ target: String) -> String
    /// The bodies to send for a notice, in order: one, or several when a digest outgrows one message.
    /// Pure: the same notice and `now` give the same bodies.
    func render(_ notice: Notice, now: Date) -> [Data]
    /// Sends one body to the target and says what came of it.
    func send(_ body: Data, to target: String) async -> SendOutcome
    /// For a destination that keeps its posts (`DestinationCapabilities.keepsPosts`): sends one body
    /// knowing the post recorded for the notice's incident (nil: none yet), and answers with the post
    /// to keep from now on (nil: keep the one there is).
    func send(_ body: Data, to target: String, post: String?) async -> (SendOutcome, post: String?)
    /// For a destination that keeps its posts: a send made `answered` from the post it was `given`, but
    /// the post kept became `current` meanwhile (people acted on it): the post to keep, with both.
    func mergePost(_ answered: String, given: String?, current: String) -> String
}

extension NoticeDestination {
    public var name: String { kind.rawValue }
    public var displayName: String { kind.displayName }
    public static var capabilities: DestinationCapabilities { DestinationCapabilities() }
    public var capabilities: DestinationCapabilities { Self.capabilities }

    /// Targets of its kind, queued with its dry-run setting.
    public func handles(_ target: String) -> Bool {
        guard let decoded = TargetReference.kindAndDryRun(ofStored: target) else { return false }
        return decoded.kind == kind && decoded.dryRun == dryRun
    }

    public func send(_ body: Data, to target: String, post: String?) async -> (SendOutcome, post: String?) {
        (await send(body, to: target), nil)
    }

    public func mergePost(_ answered: String, given: String?, current: String) -> String { answered }

    public func redacted(_ target: String) -> String {
        TargetReference(encoded: target)?.redacted ?? DestinationTarget(encoded: target)?.redacted
            ?? "\(kind.rawValue) (unreadable target)"
    }
}

/// How long a destination waits for an answer before the send counts as timed out (and is retried).
/// At least 30 s (cli.md "Sends wait long enough"): a slow service that answers late was usually
/// about to act, and a retry after a short timeout posts the same alert twice.
public let sendTimeout: Duration = .seconds(30)
