import Foundation

/// The routing of `listen`: the `[[route]]` rules of config.toml, tried in order (the first match
/// wins), and the default Slack webhook URL for deliveries no rule matches.
public struct RouteTable: Sendable, Equatable {
    public var routes: [Route]
    public var defaultURL: String

    public init(routes: [Route] = [], defaultURL: String) {
        self.routes = routes
        self.defaultURL = defaultURL
    }

    /// The Slack webhook URL a delivery goes to.
    public func destination(for delivery: Delivery) -> String {
        routes.first { $0.match.matches(delivery) }?.slackWebhookURL ?? defaultURL
    }

    /// The name of the route a delivery takes (`default` when none matches), for logs.
    public func routeName(for delivery: Delivery) -> String {
        routes.first { $0.match.matches(delivery) }?.name ?? "default"
    }

    /// Every distinct destination URL, the default first.
    public var destinations: [String] {
        var seen = Set<String>()
        return ([defaultURL] + routes.map(\.slackWebhookURL)).filter { seen.insert($0).inserted }
    }

    /// Reads and checks the `[[route]]` tables. Any mistake stops `listen` at start with the file, the
    /// line and what is wrong: an unknown key, a match key that does not exist, a value that is not a
    /// string or a list of strings, a route with no URL or two, a variable that is not set.
    public static func load(
        from config: ConfigFile?, defaultURL: String, environment: [String: String]
    ) throws -> RouteTable {
        guard let config else { return RouteTable(defaultURL: defaultURL) }
        let tables = try config.arrayOfTables("route")
        var routes: [Route] = []
        for (index, table) in tables.enumerated() {
            routes.append(try route(table, index: index, config: config, environment: environment))
        }
        return RouteTable(routes: routes, defaultURL: defaultURL)
    }

    private static let routeKeys: Set<String> = ["name", "match", "slack_webhook_url", "slack_webhook_url_env"]

    private static func route(
        _ table: ConfigTable, index: Int, config: ConfigFile, environment: [String: String]
    ) throws -> Route {
        let section = ConfigSection.arrayOfTables("route", index: index)
        let name = try config.string("name", in: table, section: section) ?? "route \(index + 1)"
        let label = "route \"\(name)\""
        for key in table.keys where !routeKeys.contains(key) {
            throw config.error(
                "\(label): unknown key \"\(key)\" (a route has \(routeKeys.sorted().joined(separator: ", ")))",
                key: key, section: section)
        }

        var url: String
        switch (
            try config.string("slack_webhook_url", in: table, section: section),
            try config.string("slack_webhook_url_env", in: table, section: section)
        ) {
        case (let literal?, nil):
            url = literal
        case (nil, let variable?):
            guard let value = environment[variable], !value.isEmpty else {
                throw config.error(
                    "\(label): slack_webhook_url_env names \(variable), which is not set; export it before "
                        + "starting listen", key: "slack_webhook_url_env", section: section)
            }
            url = value
        case (.some, .some):
            throw config.error(
                "\(label): give slack_webhook_url or slack_webhook_url_env, not both",
                key: "slack_webhook_url_env", section: section)
        case (nil, nil):
            throw config.error(
                "\(label): no Slack URL; add slack_webhook_url = \"https://hooks.slack.com/…\" or "
                    + "slack_webhook_url_env = \"VARIABLE\"", section: section)
        }
        switch SlackURL.checked(url) {
        case .success(let checked):
            url = checked
        case .failure(let problem):
            let variable = try config.string("slack_webhook_url_env", in: table, section: section)
            let origin = variable.map { "the Slack URL in \($0) (slack_webhook_url_env)" } ?? "the Slack URL"
            let key = variable == nil ? "slack_webhook_url" : "slack_webhook_url_env"
            throw config.error("\(label): \(origin) \(problem.text)", key: key, section: section)
        }
        return Route(
            name: name, match: try match(table, label: label, section: section, config: config), slackWebhookURL: url)
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
