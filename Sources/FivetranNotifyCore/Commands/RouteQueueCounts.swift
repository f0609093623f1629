import Foundation

/// The messages the listener's state holds for each route's destination, for `route list` and
/// `route test`: from the shared PostgreSQL (`--database`, `FIVETRAN_NOTIFY_DATABASE_URL`,
/// `database_url`) from any machine, else from the state directory, so one sees which destination's
/// messages are stuck.
///
/// A message is stored for a route and a kind (`TargetReference`) and goes to that route's first
/// destination of that kind: that destination is the one counted.
struct RouteQueueCounts {
    /// Counts by stored destination.
    let stored: [String: QueueCounts]

    /// The counts in the configured state; nil when no database is given and the state directory holds
    /// no state.
    /// - Throws: `NotifyError` when the database cannot be used (what happened and what to check).
    static func load(stateDirectory: String?, database: String?, context: CommandContext) async throws
        -> RouteQueueCounts?
    {
        try await StateAccess.withReadingStore(stateDirectory: stateDirectory, database: database, context: context) {
            RouteQueueCounts(stored: try await $0.countsByDestination())
        }
    }

    /// The messages for `target`, a destination of the route named `route` (nil: the default route)
    /// whose destinations are `destinations`.
    func counts(route: String?, target: DestinationTarget, of destinations: [DestinationTarget]) -> QueueCounts {
        guard destinations.first(where: { $0.kind == target.kind }) == target else { return QueueCounts() }
        let reference = TargetReference(kind: target.kind, route: route.map { .named($0) } ?? .defaultRoute)
        return stored[reference.encoded] ?? QueueCounts()
    }

    /// The messages no route's destination is counted for: a route since removed or renamed, a kind it
    /// no longer has, or messages an older release stored by their delivery's route or by target.
    func elsewhere(in routes: RouteTable) -> QueueCounts {
        var counted = Set(
            routes.routes.flatMap { route in
                route.destinations.map { TargetReference(kind: $0.kind, route: .named(route.name)).encoded }
            })
        counted.formUnion(
            routes.defaultDestinations.map { TargetReference(kind: $0.kind, route: .defaultRoute).encoded })
        var rest = QueueCounts()
        for (destination, counts) in stored where !counted.contains(destination) {
            // `listen --dry-run` only prints what it queues: nothing is waiting for a destination.
            if destination.hasPrefix("dry-run:") { continue }
            rest.pending += counts.pending
            rest.failed += counts.failed
        }
        return rest
    }

    /// "2 pending, 1 failed", the way `route list` and `route test` show a destination's messages.
    static func text(_ counts: QueueCounts) -> String {
        "\(counts.pending) pending, \(counts.failed) failed"
    }
}
