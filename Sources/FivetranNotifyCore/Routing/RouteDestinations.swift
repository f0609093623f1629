import Foundation

/// The destinations a route names, read from its table in config.toml (or, for the default route,
/// from the top level plus flags and environment): each kind at most once, each as a value or as an
/// `_env` variable name (not both), every address checked by its destination's own check (`TargetChecks`).
public enum RouteDestinations {
    /// The config key of each kind's address (`_env` after it names a variable instead).
    public static func key(_ kind: DestinationKind) -> String {
        switch kind {
        case .slack: "slack_webhook_url"
        case .slackApp: "slack_channel"
        case .pagerduty: "pagerduty_routing_key"
        case .teams: "teams_webhook_url"
        case .forward: "forward_url"
        }
    }

    /// The flag and environment variable that give the default route's address of each kind.
    public static func flagAndVariable(_ kind: DestinationKind) -> (flag: String, variable: String) {
        switch kind {
        case .slack: ("--slack-webhook-url", "SLACK_WEBHOOK_URL")
        case .slackApp: ("--slack-channel", "SLACK_CHANNEL")
        case .pagerduty: ("--pagerduty-routing-key", "PAGERDUTY_ROUTING_KEY")
        case .teams: ("--teams-webhook-url", "TEAMS_WEBHOOK_URL")
        case .forward: ("--forward-url", "FORWARD_URL")
        }
    }

    /// Every key a table may use for destinations.
    public static var keys: Set<String> {
        var keys: Set<String> = ["forward_secret", "forward_secret_env"]
        for kind in DestinationKind.allCases {
            keys.insert(key(kind))
            keys.insert(key(kind) + "_env")
        }
        return keys
    }

    /// What the default route's destinations can be given by, for the sentence that refuses a start
    /// without any.
    public static var ways: String {
        DestinationKind.allCases.map { kind in
            let (flag, variable) = flagAndVariable(kind)
            return "\(flag) / \(variable) / \(key(kind))"
        }.joined(separator: "; ")
    }

    /// The destinations of a table (`[[route]]`, or the top level). `label` starts each error
    /// ("route \"finance\"").
    static func read(
        _ table: ConfigTable, section: ConfigSection, config: ConfigFile, environment: [String: String],
        label: String, checks: TargetChecks
    ) throws -> [DestinationTarget] {
        var targets: [DestinationTarget] = []
        for kind in DestinationKind.allCases {
            guard
                let given = try value(
                    key(kind), table, section: section, config: config, environment: environment, label: label)
            else { continue }
            let address = try checked(
                given, kind: kind, config: config, section: section, label: label, checks: checks)
            targets.append(DestinationTarget(kind: kind, address: address))
        }
        if let problem = oneSlackAtMost(targets) {
            throw NotifyError(
                config.error("\(label): \(problem)", key: key(.slackApp), section: section).message,
                exitCode: ExitStatus.usage)
        }
        let secret = try value(
            "forward_secret", table, section: section, config: config, environment: environment, label: label)
        if let secret {
            guard let index = targets.firstIndex(where: { $0.kind == .forward }) else {
                throw config.error(
                    "\(label): forward_secret is set but forward_url is not; add forward_url = \"https://…\"",
                    key: secret.key, section: section)
            }
            guard checks.secret(secret.text) else {
                let error = config.error(
                    "\(label): \(secret.key) starts with whsec_ but what follows is not base64; copy the whole "
                        + "secret, or use one without the whsec_ prefix (its bytes are used as they are)",
                    key: secret.key, section: section)
                throw NotifyError(error.message, exitCode: ExitStatus.usage)
            }
            targets[index].secret = secret.text
        }
        return targets
    }

    /// The default route: each kind from its flag, else its environment variable, else the top level of
    /// config.toml. `FORWARD_SECRET` (environment only: secrets stay off command lines) beats
    /// `forward_secret` in the file.
    public static func defaultRoute(
        flags: [DestinationKind: String], environment: [String: String], config: ConfigFile?, checks: TargetChecks
    ) throws -> [DestinationTarget] {
        var targets: [DestinationTarget] = []
        for kind in DestinationKind.allCases {
            let (flag, variable) = flagAndVariable(kind)
            let address: String
            if let given = clean(flags[kind]) {
                address = try checked(given, kind: kind, origin: flag, checks: checks)
            } else if let given = clean(environment[variable]) {
                address = try checked(given, kind: kind, origin: variable, checks: checks)
            } else if let config,
                let given = try value(
                    key(kind), config.root, section: .root, config: config, environment: environment,
                    label: "config.toml")
            {
                address = try checked(given, kind: kind, config: config, section: .root, label: nil, checks: checks)
            } else {
                continue
            }
            targets.append(DestinationTarget(kind: kind, address: address))
        }
        if let problem = oneSlackAtMost(targets) {
            throw NotifyError("The default route: \(problem).", exitCode: ExitStatus.usage)
        }
        var secret = clean(environment["FORWARD_SECRET"])
        if secret == nil, let config {
            secret =
                try value(
                    "forward_secret", config.root, section: .root, config: config, environment: environment,
                    label: "config.toml")?.text
        }
        if let secret, let index = targets.firstIndex(where: { $0.kind == .forward }) {
            guard checks.secret(secret) else {
                throw NotifyError(
                    "The forward secret (FORWARD_SECRET or forward_secret) starts with whsec_ but what follows is "
                        + "not base64; copy the whole secret, or use one without the whsec_ prefix.",
                    exitCode: ExitStatus.usage)
            }
            targets[index].secret = secret
        }
        return targets
    }

    /// slack-app.md: a route posts to Slack by incoming webhook or with the bot token, not both.
    private static func oneSlackAtMost(_ targets: [DestinationTarget]) -> String? {
        guard targets.contains(where: { $0.kind == .slack }), targets.contains(where: { $0.kind == .slackApp })
        else { return nil }
        return "it has both a Slack incoming webhook (slack_webhook_url) and a Slack channel for the bot token "
            + "(slack_channel); a route posts to Slack one way: remove one of them"
    }

    /// A value given in a table, as itself or through `KEY_env`.
    struct Given {
        var text: String
        /// The key it came from (`forward_url` or `forward_url_env`).
        var key: String
        /// The variable, when it came through `_env`.
        var variable: String?
    }

    private static func value(
        _ name: String, _ table: ConfigTable, section: ConfigSection, config: ConfigFile,
        environment: [String: String], label: String
    ) throws -> Given? {
        switch (
            try config.string(name, in: table, section: section),
            try config.string(name + "_env", in: table, section: section)
        ) {
        case (let literal?, nil):
            return Given(text: literal, key: name)
        case (nil, let variable?):
            guard let value = clean(environment[variable]) else {
                throw config.error(
                    "\(label): \(name)_env names \(variable), which is not set; export it before starting listen",
                    key: name + "_env", section: section)
            }
            return Given(text: value, key: name + "_env", variable: variable)
        case (.some, .some):
            throw config.error(
                "\(label): give \(name) or \(name)_env, not both", key: name + "_env", section: section)
        case (nil, nil):
            return nil
        }
    }

    private static func checked(
        _ given: Given, kind: DestinationKind, config: ConfigFile, section: ConfigSection, label: String?,
        checks: TargetChecks
    ) throws -> String {
        switch checks.check(given.text, kind: kind) {
        case .success(let address):
            return address
        case .failure(let problem):
            let what = kind == .pagerduty ? "routing key" : "\(kind.displayName) URL"
            let origin = given.variable.map { "the \(what) in \($0) (\(given.key))" } ?? "\(given.key)"
            let prefix = label.map { "\($0): " } ?? ""
            let error = config.error("\(prefix)\(origin) \(problem.text)", key: given.key, section: section)
            throw NotifyError(error.message, exitCode: ExitStatus.usage)
        }
    }

    private static func checked(
        _ text: String, kind: DestinationKind, origin: String, checks: TargetChecks
    ) throws -> String {
        switch checks.check(text, kind: kind) {
        case .success(let address): return address
        case .failure(let problem): throw NotifyError("\(origin) \(problem.text).", exitCode: ExitStatus.usage)
        }
    }

    private static func clean(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
