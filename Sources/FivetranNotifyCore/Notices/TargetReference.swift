import Foundation

/// Where an outbox row goes, as stored: which route's destination of which kind, never its URL or
/// key. The running listener resolves it to the target configured at the moment it is sent, so a
/// SIGHUP that fixed a URL reaches queued and failed messages, and `replay --failed` from any shell
/// goes to the listener's destination (cli.md "A notice is decided once").
///
/// Stored as text (`encoded`): `route:KIND` for the default route, `route:KIND:NAME` for a named
/// route, `delivery:KIND` for "the route the message's first delivery takes now" (rows queued by
/// earlier releases, which stored the URL itself), each behind `dry-run:` under `listen --dry-run`.
/// Text that is none of these is a literal target (`DestinationTarget.encoded`), sent as it is.
public struct TargetReference: Sendable, Hashable {
    /// Which route's destination.
    public enum RouteName: Sendable, Hashable {
        /// The default route (no `[[route]]` matched).
        case defaultRoute
        /// The `[[route]]` of that name.
        case named(String)
        /// Whichever route the message's first delivery takes now.
        case ofDelivery
    }

    public var kind: DestinationKind
    public var route: RouteName
    /// Queued by `listen --dry-run`: printed, never sent.
    public var dryRun: Bool

    public init(kind: DestinationKind, route: RouteName, dryRun: Bool = false) {
        self.kind = kind
        self.route = route
        self.dryRun = dryRun
    }

    public var encoded: String {
        let inner: String
        switch route {
        case .defaultRoute: inner = "route:\(kind.rawValue)"
        case .named(let name): inner = "route:\(kind.rawValue):\(name)"
        case .ofDelivery: inner = "delivery:\(kind.rawValue)"
        }
        return dryRun ? "dry-run:" + inner : inner
    }

    /// Reads a stored reference; nil for a literal target (or text no release stored).
    public init?(encoded text: String) {
        var rest = Substring(text)
        let dryRun = rest.hasPrefix("dry-run:")
        if dryRun { rest = rest.dropFirst("dry-run:".count) }
        let parts = rest.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let kind = DestinationKind(rawValue: String(parts[1])) else { return nil }
        switch (parts[0], parts.count) {
        case ("route", 2): self.init(kind: kind, route: .defaultRoute, dryRun: dryRun)
        case ("route", 3): self.init(kind: kind, route: .named(String(parts[2])), dryRun: dryRun)
        case ("delivery", 2): self.init(kind: kind, route: .ofDelivery, dryRun: dryRun)
        default: return nil
        }
    }

    /// The reference as logs and `status` show it (it holds no secret).
    public var redacted: String {
        let route: String
        switch self.route {
        case .defaultRoute: route = "the default route"
        case .named(let name): route = "route \"\(name)\""
        case .ofDelivery: route = "its delivery's route"
        }
        return (dryRun ? "dry-run " : "") + "\(kind.rawValue) of \(route)"
    }

    /// The kind and dry-run setting of a stored target, a reference or a literal one.
    public static func kindAndDryRun(ofStored text: String) -> (kind: DestinationKind, dryRun: Bool)? {
        if let reference = TargetReference(encoded: text) { return (reference.kind, reference.dryRun) }
        return DestinationTarget(encoded: text).map { ($0.kind, $0.dryRun) }
    }

    /// The kind of a stored target; Slack for text no release stored.
    public static func kind(ofStored text: String) -> DestinationKind {
        kindAndDryRun(ofStored: text)?.kind ?? .slack
    }
}

/// Finds the target a stored reference names in the running listener's configuration, given the
/// message's first delivery when the route has to be found anew; nil when nothing is configured for it.
public typealias TargetResolver = @Sendable (TargetReference, _ firstDelivery: Delivery?) -> DestinationTarget?
