import Foundation

/// The part of `listen`'s settings that SIGHUP replaces without a restart: the signing keys,
/// config.toml's routes and its `[listen]` settings (events, `max_age`, the noise-control policy).
/// The rest (`ListenerConfiguration`, the destinations' credentials, the watch) is read at start only.
public struct ReloadableSettings: Sendable {
    public var verifier: SignatureVerifier
    public var routeTable: RouteTable
    public var forwardedEvents: ForwardedEvents
    /// A delivery created longer ago than this is stored but never forwarded (`--max-age`); the
    /// pruner keeps deduplication records a day longer than it.
    public var maxAge: Duration
    /// When repeats stay quiet, reminders go out and recoveries are told.
    public var policy: NoticePolicy

    public static let defaultMaxAge: Duration = .seconds(3 * 86_400)

    public init(
        verifier: SignatureVerifier, routeTable: RouteTable,
        forwardedEvents: ForwardedEvents = ForwardedEvents(names: nil), maxAge: Duration = Self.defaultMaxAge,
        policy: NoticePolicy = NoticePolicy()
    ) {
        self.verifier = verifier
        self.routeTable = routeTable
        self.forwardedEvents = forwardedEvents
        self.maxAge = maxAge
        self.policy = policy
    }
}

/// The reloadable settings in force, swapped whole so each request sees one consistent set; whoever
/// keeps a copy of a part (the store its policy) is told on each swap.
public final class LiveSettings: Sendable {
    private let state: Locked<ReloadableSettings>
    private let onReplace: @Sendable (ReloadableSettings) -> Void

    public init(_ settings: ReloadableSettings, onReplace: @escaping @Sendable (ReloadableSettings) -> Void = { _ in })
    {
        state = Locked(settings)
        self.onReplace = onReplace
    }

    public var current: ReloadableSettings { state.value }

    public func replace(with settings: ReloadableSettings) {
        state.set(settings)
        onReplace(settings)
    }
}
