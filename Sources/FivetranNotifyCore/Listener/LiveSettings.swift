import Foundation

/// What SIGHUP changes without a restart — the signing keys and config.toml's routes and `[listen]`
/// settings — swapped whole, so each request sees one consistent set.
public final class LiveSettings: Sendable {
    /// One consistent set of reloadable settings.
    public struct Snapshot: Sendable {
        public var verifier: SignatureVerifier
        public var routeTable: RouteTable
        public var forwardedEvents: ForwardedEvents
        public var maxAge: Duration

        public init(
            verifier: SignatureVerifier, routeTable: RouteTable, forwardedEvents: ForwardedEvents, maxAge: Duration
        ) {
            self.verifier = verifier
            self.routeTable = routeTable
            self.forwardedEvents = forwardedEvents
            self.maxAge = maxAge
        }
    }

    private let state: Locked<Snapshot>

    public init(_ snapshot: Snapshot) {
        state = Locked(snapshot)
    }

    public var current: Snapshot { state.value }

    public func replace(with snapshot: Snapshot) { state.set(snapshot) }
}
