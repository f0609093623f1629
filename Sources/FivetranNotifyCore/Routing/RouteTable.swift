import Foundation

/// The routing of `listen`: the `[[route]]` rules of config.toml, tried in order (the first match
/// wins), and the default route's destinations for deliveries no rule matches.
public struct RouteTable: Sendable, Equatable {
    public var routes: [Route]
    public var defaultDestinations: [DestinationTarget]

    public init(routes: [Route] = [], defaultDestinations: [DestinationTarget]) {
        self.routes = routes
        self.defaultDestinations = defaultDestinations
    }

    /// A table whose default route is one Slack webhook URL (or the legacy dry-run target).
    public init(routes: [Route] = [], defaultURL: String) {
        let target = DestinationTarget(encoded: defaultURL) ?? DestinationTarget(kind: .slack, address: defaultURL)
        self.init(routes: routes, defaultDestinations: [target])
    }

    /// The destinations a delivery goes to.
    public func destinations(for delivery: Delivery) -> [DestinationTarget] {
        routes.first { $0.match.matches(delivery) }?.destinations ?? defaultDestinations
    }

    /// The stored targets a delivery goes to (`DestinationTarget.encoded`).
    public func targets(for delivery: Delivery) -> [String] {
        destinations(for: delivery).map(\.encoded)
    }

    /// What the outbox stores for a delivery's destinations: the route it takes and each kind, by
    /// reference (`TargetReference`), resolved to today's target when sent (`target(for:firstDelivery:)`).
    public func references(for delivery: Delivery) -> [String] {
        let route = routes.first { $0.match.matches(delivery) }
        let name: TargetReference.RouteName = route.map { .named($0.name) } ?? .defaultRoute
        return (route?.destinations ?? defaultDestinations).map {
            TargetReference(kind: $0.kind, route: name, dryRun: $0.dryRun).encoded
        }
    }

    /// The target a stored reference names in this configuration: that route's destination of its
    /// kind; when the route is gone (or the reference predates references), the destination of that
    /// kind on the route `firstDelivery` takes now; nil when none is configured.
    public func target(for reference: TargetReference, firstDelivery: Delivery?) -> DestinationTarget? {
        let named: [DestinationTarget]?
        switch reference.route {
        case .defaultRoute: named = defaultDestinations
        case .named(let name): named = routes.first { $0.name == name }?.destinations
        case .ofDelivery: named = nil
        }
        if let found = named?.first(where: { $0.kind == reference.kind }) { return found }
        return firstDelivery.flatMap { delivery in destinations(for: delivery).first { $0.kind == reference.kind } }
    }

    /// The name of the route a delivery takes (`default` when none matches), for logs.
    public func routeName(for delivery: Delivery) -> String {
        routes.first { $0.match.matches(delivery) }?.name ?? "default"
    }

    /// Every distinct destination, the default route's first.
    public var allDestinations: [DestinationTarget] {
        var seen = Set<DestinationTarget>()
        return (defaultDestinations + routes.flatMap(\.destinations)).filter { seen.insert($0).inserted }
    }

    /// One line for the start-up log: each route's destinations, redacted.
    public var summary: String {
        func list(_ targets: [DestinationTarget]) -> String {
            targets.map(\.redacted).joined(separator: " + ")
        }
        return ([list(defaultDestinations)] + routes.map { "\($0.name): \(list($0.destinations))" })
            .joined(separator: ", ")
    }

    /// The same routes for `listen --dry-run`: every destination printed instead of sent (a default
    /// route without any prints as Slack would).
    public var dryRun: RouteTable {
        func printed(_ targets: [DestinationTarget]) -> [DestinationTarget] {
            targets.map { target in
                var printed = target
                printed.dryRun = true
                return printed
            }
        }
        let defaults =
            defaultDestinations.isEmpty
            ? [DestinationTarget(kind: .slack, address: "", dryRun: true)] : printed(defaultDestinations)
        return RouteTable(
            routes: routes.map { Route(name: $0.name, match: $0.match, destinations: printed($0.destinations)) },
            defaultDestinations: defaults)
    }

    /// Reads and checks the `[[route]]` tables. Any mistake stops `listen` at start with the file, the
    /// line and what is wrong: an unknown key, a match key that does not exist, a value that is not a
    /// string or a list of strings, a route with no destination, a kind given twice, a variable that
    /// is not set.
    public static func load(
        from config: ConfigFile?, defaultDestinations: [DestinationTarget], environment: [String: String],
        checks: TargetChecks
    ) throws -> RouteTable {
        guard let config else { return RouteTable(defaultDestinations: defaultDestinations) }
        let tables = try config.arrayOfTables("route")
        var routes: [Route] = []
        for (index, table) in tables.enumerated() {
            routes.append(try route(table, index: index, config: config, environment: environment, checks: checks))
        }
        return RouteTable(routes: routes, defaultDestinations: defaultDestinations)
    }

    private static let routeKeys: Set<String> = RouteDestinations.keys.union(["name", "match"])

    private static func route(
        _ table: ConfigTable, index: Int, config: ConfigFile, environment: [String: String], checks: TargetChecks
    ) throws -> Route {
        let section = ConfigSection.arrayOfTables("route", index: index)
        let name = try config.string("name", in: table, section: section) ?? "route \(index + 1)"
        let label = "route \"\(name)\""
        for key in table.keys where !routeKeys.contains(key) {
            throw config.error(
                "\(label): unknown key \"\(key)\" (a route has name, match and destinations: "
                    + DestinationKind.allCases.map { RouteDestinations.key($0) }.joined(separator: ", ") + ")",
                key: key, section: section)
        }
        let destinations = try RouteDestinations.read(
            table, section: section, config: config, environment: environment, label: label, checks: checks)
        guard !destinations.isEmpty else {
            throw config.error(
                "\(label): no destination; add slack_webhook_url = \"https://hooks.slack.com/…\", "
                    + "pagerduty_routing_key, teams_webhook_url or forward_url (or its _env form)", section: section)
        }
        return Route(
            name: name, match: try match(table, label: label, section: section, config: config),
            destinations: destinations)
    }

    private static func match(
        _ table: ConfigTable, label: String, section: ConfigSection, config: ConfigFile
    ) throws -> RouteMatch {
        guard let value = table["match"] else { return RouteMatch() }
        guard let match = value.tableValue else {
            throw config.error(
                "\(label): match must be a table like { event = \"dbt_run_failed\" }, not \(value.typeName)",
                key: "match", section: section)
        }
        var conditions: [RouteMatch.Key: Set<String>] = [:]
        for key in match.keys {
            guard let matchKey = RouteMatch.Key(rawValue: key) else {
                let known = RouteMatch.Key.allCases.map(\.rawValue).joined(separator: ", ")
                throw config.error(
                    "\(label): unknown match key \"\(key)\" (match on \(known))", key: "match", section: section)
            }
            let strings: [String]?
            switch match[key] {
            case .string(let single): strings = [single]
            case .array(let list):
                strings = list.map(\.stringValue).allSatisfy { $0 != nil } ? list.compactMap(\.stringValue) : nil
            default: strings = nil
            }
            guard let strings, !strings.isEmpty else {
                throw config.error(
                    "\(label): match.\(key) must be a string or a non-empty list of strings", key: "match",
                    section: section)
            }
            conditions[matchKey] = Set(strings)
        }
        return RouteMatch(conditions)
    }
}
