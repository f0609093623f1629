import Foundation
import Logging

/// The one list of destinations: the listener runs a dispatcher for each, `route test` sends through
/// them directly, and routing checks addresses with their checks. The store, the dispatcher and
/// routing name no destination; adding one is its folder and a line here (and in `targetChecks`).
public struct DestinationCatalog: Sendable {
    public let slack: SlackDestination
    public let pagerDuty: PagerDutyDestination
    public let teams: TeamsDestination
    public let forward: ForwardDestination
    /// Slack with the bot token: only when a token is configured (`SlackAppOptions`).
    public let slackApp: SlackAppDestination?

    /// - Parameters:
    ///   - transport: how each kind posts (libcurl; under `--dry-run`, ones that print).
    ///   - pagerDutyURL: the Events API base (`PAGERDUTY_URL`).
    ///   - slackApp: the bot token and the rest of `[slack]`, when a token is configured.
    ///   - notifyResolved: whether recoveries are told (the Slack app broadcasts its recovery replies then).
    ///   - clock: paces what a destination paces itself (the Slack app's `chat.update`).
    public init(
        transport: (DestinationKind) -> any HTTPTransport, pagerDutyURL: String, logger: Logger, dryRun: Bool = false,
        slackApp: SlackAppOptions? = nil, notifyResolved: @escaping @Sendable () -> Bool = { false },
        clock: ServiceClock = .live
    ) {
        slack = SlackDestination(transport: transport(.slack), logger: logger, dryRun: dryRun)
        pagerDuty = PagerDutyDestination(
            transport: transport(.pagerduty), baseURL: pagerDutyURL, logger: logger, dryRun: dryRun)
        teams = TeamsDestination(transport: transport(.teams), logger: logger, dryRun: dryRun)
        forward = ForwardDestination(transport: transport(.forward), logger: logger, dryRun: dryRun)
        self.slackApp = slackApp.map {
            SlackAppDestination(
                options: $0, transport: transport(.slackApp), logger: logger, dryRun: dryRun,
                notifyResolved: notifyResolved, clock: clock)
        }
    }

    /// Every destination, one dispatcher each.
    public var all: [any NoticeDestination] { [slack, pagerDuty, teams, forward] + (slackApp.map { [$0] } ?? []) }

    /// Every kind of destination, by its kind: one line each.
    public static let types: [DestinationKind: any NoticeDestination.Type] = [
        .slack: SlackDestination.self, .pagerduty: PagerDutyDestination.self, .teams: TeamsDestination.self,
        .forward: ForwardDestination.self, .slackApp: SlackAppDestination.self,
    ]

    /// Each destination's check of its address, by kind; the forward's check of its secret.
    public static let targetChecks = TargetChecks(
        address: types.mapValues { type in { type.checkAddress($0) } },
        secret: ForwardDestination.isUsable(secret:))

    /// What each kind of destination declares it needs.
    public static let capabilities: [DestinationKind: DestinationCapabilities] = types.mapValues { $0.capabilities }

    /// The destination of a kind; nil for the Slack app without a token.
    public func destination(_ kind: DestinationKind) -> (any NoticeDestination)? {
        switch kind {
        case .slack: slack
        case .pagerduty: pagerDuty
        case .teams: teams
        case .forward: forward
        case .slackApp: slackApp
        }
    }
}
