import Foundation
import Logging

/// Every kind of destination, built once with the same transport: the listener runs a dispatcher for
/// each, and `route test` sends through them directly.
public struct DestinationCatalog: Sendable {
    public let slack: SlackDestination
    public let pagerDuty: PagerDutyDestination
    public let teams: TeamsDestination
    public let forward: ForwardDestination

    /// - Parameters:
    ///   - transport: how each kind posts (libcurl; under `--dry-run`, ones that print).
    ///   - pagerDutyURL: the Events API base (`PAGERDUTY_URL`).
    public init(
        transport: (DestinationKind) -> any HTTPTransport, pagerDutyURL: String, logger: Logger, dryRun: Bool = false
    ) {
        slack = SlackDestination(transport: transport(.slack), logger: logger, dryRun: dryRun)
        pagerDuty = PagerDutyDestination(
            transport: transport(.pagerduty), baseURL: pagerDutyURL, logger: logger, dryRun: dryRun)
        teams = TeamsDestination(transport: transport(.teams), logger: logger, dryRun: dryRun)
        forward = ForwardDestination(transport: transport(.forward), logger: logger, dryRun: dryRun)
    }

    /// The destination of a kind.
    public func destination(_ kind: DestinationKind) -> any NoticeDestination {
        switch kind {
        case .slack: slack
        case .pagerduty: pagerDuty
        case .teams: teams
        case .forward: forward
        }
    }
}
