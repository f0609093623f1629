import Foundation

/// One kind of destination (Slack today): it turns a notice into the bodies to send and reads its
/// service's answer into a `SendOutcome`. It owns its payload, its limits and its answers, and nothing
/// else: queueing, pacing, retries and recording are the dispatcher's.
public protocol NoticeDestination: Sendable {
    /// A short name for log lines: "slack".
    var name: String { get }
    /// The service's name in sentences: "Slack".
    var displayName: String { get }
    /// Whether the stored target (a webhook URL, for Slack) is one this destination sends to.
    func handles(_ target: String) -> Bool
    /// The target as logs and errors may show it (targets are secrets).
    func redacted(_ target: String) -> String
    /// The bodies to send for a notice, in order: one, or several when a digest outgrows one message.
    /// Pure: the same notice and `now` give the same bodies.
    func render(_ notice: Notice, now: Date) -> [Data]
    /// Sends one body to the target and says what came of it.
    func send(_ body: Data, to target: String) async -> SendOutcome
}
