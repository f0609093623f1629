import Foundation

/// The kinds of destination a route may name.
public enum DestinationKind: String, Sendable, Equatable, Hashable, CaseIterable {
    case slack
    /// Slack through the Web API with the installation's bot token (slack-app.md): the address is a
    /// channel (`C…` or `#name`), the messages live (updated in place, threaded, with buttons).
    case slackApp = "slack_app"
    case pagerduty
    case teams
    case forward

    /// The service's name in sentences.
    public var displayName: String {
        switch self {
        case .slack: "Slack"
        case .slackApp: "Slack (app)"
        case .pagerduty: "PagerDuty"
        case .teams: "Microsoft Teams"
        case .forward: "the forward endpoint"
        }
    }
}

/// Where one outbox row goes: a destination kind and its address (a Slack, Teams or forward URL, a
/// PagerDuty routing key, a Slack channel), with the forward secret when one is set. The outbox stores it as a string
/// (`encoded`): a Slack URL as it is (so queues from earlier releases read back unchanged), every other
/// kind as `kind:address`, a forward secret after a tab, and a dry-run target behind `dry-run:`.
/// Targets hold secrets: show `redacted`, never `encoded`.
public struct DestinationTarget: Sendable, Hashable {
    public var kind: DestinationKind
    /// The URL to post to, or the PagerDuty routing key.
    public var address: String
    /// The forward destination's signing secret, if any.
    public var secret: String?
    /// Queued by `listen --dry-run`: printed, never sent.
    public var dryRun: Bool

    public init(kind: DestinationKind, address: String, secret: String? = nil, dryRun: Bool = false) {
        self.kind = kind
        self.address = address
        self.secret = secret
        self.dryRun = dryRun
    }

    /// The target stored by `listen --dry-run` before destinations had kinds (Slack only).
    public static let legacyDryRun = "dry-run"

    public var encoded: String {
        if dryRun && kind == .slack && address.isEmpty { return Self.legacyDryRun }
        let inner: String
        switch kind {
        case .slack: inner = address
        case .forward: inner = "forward:" + address + (secret.map { "\t" + $0 } ?? "")
        default: inner = kind.rawValue + ":" + address
        }
        return dryRun ? "dry-run:" + inner : inner
    }

    /// Reads a stored target; nil for text no release ever stored.
    public init?(encoded text: String) {
        var rest = Substring(text)
        var dryRun = false
        if text == Self.legacyDryRun {
            self.init(kind: .slack, address: "", dryRun: true)
            return
        }
        if rest.hasPrefix("dry-run:") {
            dryRun = true
            rest = rest.dropFirst("dry-run:".count)
        }
        for kind in [DestinationKind.pagerduty, .teams, .forward, .slackApp] where rest.hasPrefix(kind.rawValue + ":") {
            let value = rest.dropFirst(kind.rawValue.count + 1)
            if kind == .forward, let tab = value.firstIndex(of: "\t") {
                self.init(
                    kind: kind, address: String(value[..<tab]), secret: String(value[value.index(after: tab)...]),
                    dryRun: dryRun)
            } else {
                self.init(kind: kind, address: String(value), dryRun: dryRun)
            }
            return
        }
        let lowered = rest.prefix(8).lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else { return nil }
        self.init(kind: .slack, address: String(rest), dryRun: dryRun)
    }

    /// The target as logs, `status` and `route list` may show it: the host and the last four
    /// characters of a URL, the last four of a routing key; never a secret.
    public var redacted: String {
        let shown: String
        switch kind {
        case .pagerduty:
            shown = "routing key …" + address.suffix(4)
        case .slackApp:
            // A channel is no secret: the token is not in the target.
            shown = "channel \(address)"
        default:
            if address.isEmpty {
                shown = "(none)"
            } else {
                let host = URLComponents(string: address)?.host ?? "webhook"
                shown = "\(host)/…\(address.suffix(4))"
            }
        }
        let text = kind == .slack ? shown : "\(kind.rawValue) \(shown)"
        return dryRun ? "dry-run \(text)" : text
    }
}
